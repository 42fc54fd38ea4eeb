"""Editing music with the shipped AR-CNN: notes and onsets kept, exact budgets, whole tunes in any meter,
same seed same music, clear errors, the command line."""
import numpy as np
import pypianoroll
import pytest
from composerlab.cli import main
from composerlab.errors import MusicFileError, ParameterError
from composerlab.models.arcnn.generate import DEFAULTS, edit, generate, scaled
from composerlab.models.arcnn.result import ADDED_TRACK
from composerlab.models.catalog import MODELS
from composerlab.music import metrics
from composerlab.music.melody import count_bars, from_notes
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import Note, new_multitrack, stack_rolls, track_notes
from composerlab.music.samples import SAMPLES, load_sample


@pytest.fixture(scope="module")
def twinkle_edit():
    return edit(load_sample("twinkle"), seed=0)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_run_that_may_change_nothing_returns_every_note_with_its_onset(name):
    melody = load_sample(name)
    r = edit(melody, seed=0, max_removed=0, max_added=0)
    assert not r.steps
    assert [track_notes(t) for t in r.music.tracks[:-1]] == [track_notes(t) for t in melody.tracks]
    assert r.music.tracks[-1].name == ADDED_TRACK and not r.music.tracks[-1].pianoroll.any()
    assert r.music.time_signature == melody.time_signature and r.kept_share() == 1.0


def test_notes_the_loop_did_not_touch_come_out_as_they_went_in(twinkle_edit):
    r = twinkle_edit
    source = track_notes(load_sample("twinkle").tracks[0])
    assert [t.name for t in r.music.tracks] == ["Twinkle Twinkle Little Star", ADDED_TRACK]
    line = set(track_notes(r.music.tracks[0]))
    touched = list(r.rolls())[-1] != r.input_roll
    for note in source:
        if not any(step <= note.end and note.start <= step + length and pitch == note.pitch
                   for _, step, pitch, _, length in r.steps):
            assert note in line  # the opening C C stays two Cs unless the loop chose to edit them
    assert touched.any() and 0.5 <= r.kept_share() < 1
    # the record replays: input + the record = output cells; the tracks show kept, removed and added
    assert np.array_equal(list(r.rolls())[-1], r.output_roll)
    assert np.array_equal(r.added_cells | (r.input_roll & ~r.removed_cells), r.output_roll)
    assert len(r.steps) == DEFAULTS["iterations"] and r.summary()["added_notes"] > 0
    assert [t.name for t in r.as_tracks().tracks] == ["Kept", "Removed", "Added"]
    assert r.music.edits is r


def test_repeated_notes_stay_repeated_and_held_notes_stay_held():
    # C C C | E held: an edit that only adds never fuses the Cs nor cuts the E
    melody = from_notes([Note(0, 60, 4), Note(4, 60, 4), Note(8, 60, 4), Note(16, 64, 16)], name="repeats")
    r = edit(melody, seed=3, max_removed=0, max_added=20, iterations=40, temperature=2.0)
    assert r.summary()["removed_cells"] == 0 and r.summary()["added_cells"] > 0
    line = track_notes(r.music.tracks[0])
    cs = [(n.start, n.length) for n in line if n.pitch == 60]
    assert cs[:2] == [(0, 4), (4, 4)] and cs[2][0] == 8  # the third C may only grow longer
    es = [n for n in line if n.pitch == 64]
    assert es[0].start == 16 and es[0].length >= 16 and not [n for n in es if 16 < n.start < 32]


def test_the_whole_tune_is_edited_in_its_own_meter():
    long = load_sample("twinkle")
    notes = track_notes(long.tracks[0])
    twice = from_notes(notes + [Note(n.start + 128, n.pitch, n.length) for n in notes], name="twice")
    r = edit(twice, seed=1)
    assert len(r.steps) == scaled(DEFAULTS["iterations"], 256) == 200  # per 8 bars of music
    assert any(step >= 128 for _, step, *_ in r.steps)  # the second half is edited too
    assert r.output_roll.shape[0] == 256 and count_bars(r.music) == 16
    waltz = edit(load_sample("we_wish_you"), seed=0, iterations=20)
    assert waltz.music.time_signature == (3, 4) and waltz.output_roll.shape[0] % 12 == 0
    jig = edit(load_sample("row_your_boat"), seed=0, iterations=20)
    assert jig.music.time_signature == (6, 8)


def test_added_notes_are_mostly_in_key(twinkle_edit):
    ratios = []
    for r in [twinkle_edit] + [edit(load_sample(name), seed=0) for name in ("ode_to_joy", "mary")]:
        assert r.added_cells.any()
        ratios.append(metrics.in_scale_ratio(r.added_cells, metrics.estimate_key(r.input_roll)))
    assert np.mean(ratios) >= 0.85


@pytest.mark.parametrize("max_removed, max_added", [(0, 0), (10, 5), (25, 0), (0, 30), (100, 1000)])
def test_budgets_hold_exactly(max_removed, max_added):
    melody = load_sample("ode_to_joy")
    r = edit(melody, seed=1, iterations=300, max_removed=max_removed, max_added=max_added, temperature=3.0)
    budget = int(np.floor(max_removed / 100 * r.input_roll.sum()))
    counts = _counts_along(r)  # after every single step, not only at the end
    assert counts[:, 0].max() <= budget and counts[:, 1].max() <= max_added
    if max_removed == 0 and max_added == 0:
        assert np.array_equal(r.output_roll, r.input_roll) and not r.steps
    if (max_removed, max_added) == (10, 5):
        # 300 steps at high temperature reach the whole (small) added budget
        assert counts[:, 1].max() == max_added and r.summary()["added_cells"] <= max_added


def _counts_along(r):
    """Cells removed from the input and added to it after every step of the record."""
    return np.array([(int((r.input_roll & ~roll).sum()), int((roll & ~r.input_roll).sum())) for roll in r.rolls()])


def test_cell_by_cell_budgets_are_reached_never_passed():
    r = edit(load_sample("ode_to_joy"), seed=1, iterations=300, max_removed=10, max_added=5, temperature=3.0,
             whole_notes=False)
    budget = int(np.floor(0.10 * r.input_roll.sum()))
    counts = _counts_along(r)
    assert counts[:, 0].max() == budget and counts[:, 1].max() == 5
    assert all(length == 1 for *_, length in r.steps)
    # a note cut in two keeps both parts as notes of their own, in their track
    assert all(n.length >= 1 for n in track_notes(r.music.tracks[0]))


def test_removing_takes_one_whole_note_within_budget():
    r = edit(load_sample("twinkle"), seed=2, iterations=200, max_removed=30, max_added=10, temperature=2.0)
    assert any(action == "remove" for *_, action, _ in r.steps)
    source = track_notes(load_sample("twinkle").tracks[0])
    for _, step, pitch, action, length in r.steps[:5]:
        if action == "remove" and (step, pitch) in {(n.start, n.pitch) for n in source}:
            # the note itself, never its repeated neighbour: C C loses one C at a time
            assert length == next(n.length for n in source if (n.start, n.pitch) == (step, pitch))
    counts = _counts_along(r)
    assert counts[:, 0].max() <= int(0.30 * r.input_roll.sum()) and counts[:, 1].max() <= 10


def test_a_removed_note_is_put_back_whole_at_the_drawn_pitch():
    from composerlab.models.arcnn.cells import gap_at as _gap_at
    from composerlab.models.arcnn.cells import replaced_span as _replaced_span

    x = np.zeros((16, 8), bool)
    start = np.zeros_like(x)
    start[4:8, 3] = True  # the input's note at pitch 3, removed: a gap over steps 4-7
    x[7, 5] = True  # something already sounds at pitch 5, step 7
    gaps = [(4, 7, 3, 0, 90)]
    assert _gap_at(gaps, 6, 4) == gaps[0] and _gap_at(gaps, 6, 6) is None and _gap_at(gaps, 8, 3) is None
    assert _replaced_span(x, start, gaps[0], 6, 4, added_left=100) == (4, 7)  # the whole span, one semitone up
    assert _replaced_span(x, start, gaps[0], 5, 5, added_left=100) == (4, 6)  # stops at the sounding cell
    assert _replaced_span(x, start, gaps[0], 6, 4, added_left=2) == (5, 6)  # never past the added budget
    assert _replaced_span(x, start, gaps[0], 6, 3, added_left=0) == (4, 7)  # its own cells cost no budget


def test_a_note_put_back_keeps_its_track_velocity_and_onset():
    melody = load_sample("ode_to_joy")
    # move=False: a put-back only where a draw lands (the default move chains put-backs over one another, and
    # with a tight added budget a chain can end in a note of the loop's own)
    r = edit(melody, seed=1, iterations=300, max_removed=10, max_added=40, temperature=3.0, move=False)
    source = {(n.start, n.pitch, n.length) for n in track_notes(melody.tracks[0])}
    rolls = list(r.rolls())
    removed_spans, put_back = [], {}
    for before, (_, step, pitch, action, length) in zip(rolls, r.steps):
        if action == "remove":
            removed_spans.append((step, step + length, pitch, (step, pitch, length) in source))
            # a put-back note removed again is no longer the one put back
            put_back = {(s, p): e for (s, p), e in put_back.items() if not (p == pitch and step < e and s < step + length)}
        elif length > 1:  # an addition of several cells is a removed note put back within a whole tone
            spans = [mine for s, e, p, mine in removed_spans if s <= step and step + length <= e and abs(pitch - p) <= 2]
            assert spans and not before[step: step + length, pitch].any()
            if spans[-1]:  # one of the melody's own notes (a note the loop wrote and moved stays the loop's)
                put_back[(step, pitch)] = step + length
    assert put_back
    line = {(n.start, n.pitch) for n in track_notes(r.music.tracks[0])}
    written = {(n.start, n.pitch) for n in track_notes(r.music.tracks[-1])}
    assert all(spot in line and spot not in written for spot in put_back)
    single = edit(load_sample("ode_to_joy"), seed=1, iterations=300, max_removed=10, max_added=40,
                  temperature=3.0, replace=False)
    assert all(length == 1 for *_, action, length in single.steps if action == "add")


def test_by_default_a_removed_note_moves_at_once_within_a_whole_tone_its_rhythm_kept():
    def moves(r, inside=False):
        # the draw after each removal: a put-back in the removed note's span within a whole tone (or, with
        # ``inside``, any toggle there: a note the loop wrote beside it may be removed in turn)
        steps = r.steps
        return [(inside or nxt[3] == "add") and start <= nxt[1] and nxt[1] + nxt[4] <= start + length
                and 0 < abs(nxt[2] - pitch) <= 2
                for (_, start, pitch, action, length), nxt in zip(steps, steps[1:]) if action == "remove"]

    melody = load_sample("ode_to_joy")
    result = edit(melody, seed=1, iterations=200, max_removed=20, max_added=1000, temperature=2.0)
    assert all(moves(result, inside=True))
    assert np.mean(moves(result)) >= 0.9
    waited = moves(edit(melody, seed=1, iterations=200, max_removed=20, max_added=1000, temperature=2.0, move=False))
    assert waited and not all(waited)


def test_a_given_key_is_read_and_a_bad_one_named():
    melody = load_sample("ode_to_joy")
    assert edit(melody, key="C major").steps == edit(melody, key=(0, "major")).steps == edit(melody).steps
    assert edit(melody, key="C major").steps != edit(melody, key="F# major").steps
    with pytest.raises(ParameterError, match="key must be 'estimate', None or a key such as 'G minor', got 'H dur'"):
        edit(melody, key="H dur")
    with pytest.raises(ParameterError, match="key_anchor must be a number from 0 to 1"):
        edit(melody, key_anchor=1.5)


def test_same_seed_same_music_other_seed_other_music(twinkle_edit):
    again = edit(load_sample("twinkle"), seed=0)
    other = edit(load_sample("twinkle"), seed=1)
    assert again.steps == twinkle_edit.steps
    assert [track_notes(t) for t in again.music.tracks] == [track_notes(t) for t in twinkle_edit.music.tracks]
    assert not np.array_equal(other.output_roll, twinkle_edit.output_roll)


@pytest.mark.parametrize("params, message", [
    ({"iterations": -1}, "iterations must be from 1 to 1000, got -1"),
    ({"iterations": 2.5}, "iterations must be a whole number, got 2.5"),
    ({"max_removed": 150}, "max_removed must be from 0 to 100 (percent of the input's notes), got 150"),
    ({"max_added": "lots"}, "max_added must be a number from 0 to 1000, got 'lots'"),
    ({"temperature": 0}, "temperature must be from 0.1 to 5.0, got 0"),
    ({"temperature": float("nan")}, "temperature must be from 0.1 to 5.0, got nan"),
    ({"iterations": True}, "iterations must be a number from 1 to 1000, got True"),
])
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ParameterError) as err:
        edit(load_sample("twinkle"), **params)
    assert str(err.value) == message


def test_empty_input_is_a_clear_error():
    empty = new_multitrack([pypianoroll.StandardTrack(name="Melody", pianoroll=np.zeros((64, 128), np.uint8))], 64)
    empty.name = "silence"
    with pytest.raises(MusicFileError, match="silence: has no notes to edit"):
        edit(empty)


def test_low_melody_is_edited_in_its_own_register():
    low = from_notes([Note(4 * i, p, 4) for i, p in enumerate([36, 38, 40, 41, 43, 41, 40, 38])])
    r = edit(low, seed=0, iterations=30)
    kept = r.input_roll & r.output_roll
    assert kept.any() and np.flatnonzero(kept.any(axis=0)).max() <= 43


def test_catalog_entry():
    entry = MODELS["arcnn"]
    assert entry.kind == "edit" and entry.generate is generate


def test_compose_command_with_the_four_options(tmp_path, capsys):
    out = tmp_path / "twinkle_arcnn.mid"
    assert main(["compose", "twinkle", "--model", "arcnn", "--iterations", "40", "--max-removed", "10",
                 "--max-added", "20", "--temperature", "1.5", "--seed", "3", "-o", str(out)]) == 0
    written = stack_rolls(read_midi(out)) > 0
    source = stack_rolls(load_sample("twinkle"))[0] > 0
    n = min(written.shape[1], source.shape[0])
    merged = written.any(axis=0)[:n]
    assert 0 < (merged & ~source[:n]).sum() <= 20
    assert (source[:n] & ~merged).sum() <= int(0.10 * source.sum())
    assert "arcnn" in capsys.readouterr().out


@pytest.mark.parametrize("options, message", [
    (["--max-removed", "150"], "composerlab: max_removed must be from 0 to 100"),
    (["--iterations", "-3"], "composerlab: iterations must be from 1 to 1000, got -3"),
])
def test_compose_command_bad_values_are_one_line(tmp_path, capsys, options, message):
    assert main(["compose", "twinkle", "--model", "arcnn", *options, "-o", str(tmp_path / "x.mid")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and "Traceback" not in err
    assert not (tmp_path / "x.mid").exists()


def test_compose_command_non_numeric_value(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compose", "twinkle", "--model", "arcnn", "--temperature", "hot", "-o", str(tmp_path / "x.mid")])
    assert exit_.value.code == 2
    assert "--temperature: invalid float value: 'hot'" in capsys.readouterr().err


def test_the_chain_harmonises_the_repaired_melody_and_the_studio_gives_the_same_notes():
    from composerlab.models.catalog import compose_chain
    from composerlab.models.evaluation.arcnn import detune
    from composerlab.models.library import run_steps
    from composerlab.music.key import estimate_key

    clean = load_sample("ode_to_joy")
    notes, moved, _ = detune(track_notes(clean.tracks[0]), estimate_key(stack_rolls(clean)[0] > 0), 0.2, seed=1)
    corrupted = from_notes(notes, name="ode, out of tune")
    planted = {(n.start, n.pitch) for n in notes} - {(n.start, n.pitch) for n in track_notes(clean.tracks[0])}
    alone = edit(corrupted, seed=2)
    chained = compose_chain(corrupted, "arcnn,bach", seed=2)
    assert [t.name for t in chained.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    soprano, line = track_notes(chained.tracks[0]), track_notes(alone.music.tracks[0])
    # the GAN's soprano is the AR-CNN's line, note for note (onsets and velocities): its repairs reach the chorale
    assert [(n.start, n.pitch, n.length) for n in soprano] == [(n.start, n.pitch, n.length) for n in line]
    left = lambda ns: len(planted & {(n.start, n.pitch) for n in ns})  # noqa: E731
    assert left(soprano) == left(line) < len(planted) == len(moved)
    studio = run_steps(corrupted, [{"model": "arcnn", "params": {}}, {"model": "bach", "params": {}}], seed=2)
    assert [track_notes(t) for t in studio.tracks] == [track_notes(t) for t in chained.tracks]


def test_the_command_line_and_the_studio_give_the_same_notes_for_a_chain(tmp_path):
    from composerlab.models.library import run_steps

    out = tmp_path / "chain.mid"
    assert main(["compose", "mary", "--model", "arcnn,bach", "--iterations", "30", "--seed", "4", "-o", str(out)]) == 0
    written = read_midi(out)
    studio = run_steps(load_sample("mary"), [{"model": "arcnn", "params": {"iterations": 30}},
                                             {"model": "bach", "params": {}}], seed=4)
    assert [t.name for t in written.tracks] == [t.name for t in studio.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert [[(n.start, n.pitch, n.length) for n in track_notes(t)] for t in written.tracks] == \
        [[(n.start, n.pitch, n.length) for n in track_notes(t)] for t in studio.tracks]

"""Editing music with the shipped AR-CNN: exact budgets, same seed same music, clear errors, CLI and chains."""
import numpy as np
import pypianoroll
import pytest
from composerlab.cli import main
from composerlab.errors import MusicFileError, ParameterError
from composerlab.models.arcnn.generate import DEFAULTS, edit, generate
from composerlab.models.catalog import MODELS, compose_chain
from composerlab.music import metrics
from composerlab.music.melody import from_notes
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import Note, new_multitrack, roll_to_notes, stack_rolls
from composerlab.music.samples import load_sample


@pytest.fixture(scope="module")
def twinkle_edit():
    return edit(load_sample("twinkle"), seed=0)


def test_default_edit_adds_and_removes_and_keeps_the_record(twinkle_edit):
    r = twinkle_edit
    source = stack_rolls(load_sample("twinkle"))[0] > 0
    assert np.array_equal(r.input_roll, source[: r.input_roll.shape[0]])
    assert len(r.steps) == DEFAULTS["iterations"]
    assert np.array_equal(r.output_roll, stack_rolls(r.music)[0] > 0)
    assert np.array_equal(r.added_cells | (r.input_roll & ~r.removed_cells), r.output_roll)
    # replaying the record from the input gives the output
    assert np.array_equal(list(r.rolls())[-1], r.output_roll)
    assert r.summary()["added_cells"] > 0
    tracks = r.as_tracks()
    assert [t.name for t in tracks.tracks] == ["Kept", "Removed", "Added"]
    assert r.music.edits is r


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
    s = r.summary()
    counts = _counts_along(r)  # after every single step, not only at the end
    assert counts[:, 0].max() <= budget and counts[:, 1].max() <= max_added
    if max_removed == 0 and max_added == 0:
        assert np.array_equal(r.output_roll, r.input_roll) and not r.steps
    if (max_removed, max_added) == (10, 5):
        # 300 steps at high temperature reach the whole (small) added budget
        assert counts[:, 1].max() == max_added and s["added_cells"] <= max_added


def _counts_along(r):
    """Cells removed from the input and added to it after every step of the record."""
    rows = []
    for roll in r.rolls():
        rows.append((int((r.input_roll & ~roll).sum()), int((roll & ~r.input_roll).sum())))
    return np.array(rows)


def test_cell_by_cell_budgets_are_reached_never_passed():
    r = edit(load_sample("ode_to_joy"), seed=1, iterations=300, max_removed=10, max_added=5, temperature=3.0,
             whole_notes=False)
    budget = int(np.floor(0.10 * r.input_roll.sum()))
    counts = _counts_along(r)
    assert counts[:, 0].max() == budget and counts[:, 1].max() == 5
    assert all(length == 1 for *_, length in r.steps)


def test_removing_takes_whole_notes_within_budget():
    r = edit(load_sample("twinkle"), seed=2, iterations=200, max_removed=30, max_added=10, temperature=2.0)
    assert any(action == "remove" for *_, action, _ in r.steps)
    rolls = list(r.rolls())
    for before, (_, step, pitch, action, length) in zip(rolls, r.steps):
        if action == "remove":
            column = np.pad(before[:, pitch], 1)  # the note is a whole run: silence on both sides
            assert column[step + 1: step + 1 + length].all() and not column[step] and not column[step + 1 + length]
    counts = _counts_along(r)
    assert counts[:, 0].max() <= int(0.30 * r.input_roll.sum()) and counts[:, 1].max() <= 10


def test_a_removed_note_is_put_back_whole_at_the_drawn_pitch():
    from composerlab.models.arcnn.cells import gap_at as _gap_at
    from composerlab.models.arcnn.cells import replaced_span as _replaced_span

    x = np.zeros((16, 8), bool)
    start = np.zeros_like(x)
    start[4:8, 3] = True  # the input's note at pitch 3, removed: a gap over steps 4-7
    x[7, 5] = True  # something already sounds at pitch 5, step 7
    gaps = [(4, 7, 3)]
    assert _gap_at(gaps, 6, 4) == (4, 7, 3) and _gap_at(gaps, 6, 6) is None and _gap_at(gaps, 8, 3) is None
    assert _replaced_span(x, start, gaps[0], 6, 4, added_left=100) == (4, 7)  # the whole span, one semitone up
    assert _replaced_span(x, start, gaps[0], 5, 5, added_left=100) == (4, 6)  # stops at the sounding cell
    assert _replaced_span(x, start, gaps[0], 6, 4, added_left=2) == (5, 6)  # never past the added budget
    assert _replaced_span(x, start, gaps[0], 6, 3, added_left=0) == (4, 7)  # its own cells cost no budget


def test_edits_put_removed_notes_back_and_replay():
    r = edit(load_sample("ode_to_joy"), seed=1, iterations=300, max_removed=10, max_added=40, temperature=3.0)
    rolls = list(r.rolls())
    removed_spans = []
    put_back = 0
    for before, (_, step, pitch, action, length) in zip(rolls, r.steps):
        if action == "remove":
            removed_spans.append((step, step + length, pitch))
        elif length > 1:  # an addition of several cells is a removed note put back within a whole tone
            assert any(s <= step and step + length <= e and abs(pitch - p) <= 2 for s, e, p in removed_spans)
            assert not before[step: step + length, pitch].any()
            put_back += 1
    assert put_back > 0
    single = edit(load_sample("ode_to_joy"), seed=1, iterations=300, max_removed=10, max_added=40,
                  temperature=3.0, replace=False)
    assert all(length == 1 for *_, action, length in single.steps if action == "add")


def test_default_edit_repairs_detuned_melodies():
    from composerlab.models.evaluation import arcnn as quality

    reports = [quality.fix_report(name, stack_rolls(load_sample(name))[0] > 0, seed=seed)
               for name in ("ode_to_joy", "mary") for seed in (0, 1)]
    # a semitone out of key on 20% of the notes: most out-of-key notes go, most untouched notes stay
    assert np.mean([r["fall"] for r in reports]) >= 0.8
    assert np.mean([r["untouched_kept"] for r in reports]) >= 0.75
    # and some wrong notes come back at their own pitch, over their whole length (the re-place move)
    assert np.mean([r["moved_restored"] for r in reports]) > 0.2
    assert all(r["removed_cells"] <= int(0.4 * r["detuned"].sum()) for r in reports)


def test_the_key_is_anchored_to_the_input():
    from composerlab.models.evaluation import arcnn as quality
    from composerlab.models.arcnn.generate import KEY_ANCHOR

    assert KEY_ANCHOR == 0.5
    # the same detuned tunes edited with the key read from the edited music alone (key_anchor 0, the
    # loop before) and half from the input (the default). With the network trained on the clean
    # key's scale the anchor no longer wins on these six (88% against 92%), only on the whole bench
    # (82.5% against 79.9%, the folk tunes; see the card): both repair them
    tunes = {name: roll for name, roll in list(quality.chorale_sopranos().items())[:6]}
    falls = {anchor: np.mean([quality.fix_report(name, roll, seed=i, key_anchor=anchor)["fall"]
                              for i, (name, roll) in enumerate(tunes.items())]) for anchor in (0.0, KEY_ANCHOR)}
    assert falls[KEY_ANCHOR] >= 0.8 and falls[0.0] >= 0.8
    with pytest.raises(ParameterError, match="key_anchor must be a number from 0 to 1"):
        edit(load_sample("twinkle"), key_anchor=1.5)


def test_the_estimated_key_repairs_detuned_tunes_better_than_none():
    from composerlab.models.evaluation import arcnn as quality

    # 10 of the check folk tunes (the estimator's settings were chosen on them; never trained on):
    # the key the estimator reads from the detuned tune against no key (the loop before it)
    tunes = list(quality.folk_tunes(20, books=("essenFolksong/ballad10.abc", "oneills1850/0051-0100.abc")).items())
    tunes = tunes[:5] + tunes[-5:]
    falls = {key: np.mean([quality.fix_report(name, roll, seed=i, key=key)["fall"]
                           for i, (name, roll) in enumerate(tunes)]) for key in (None, "estimate")}
    assert falls["estimate"] >= falls[None]
    assert falls["estimate"] >= 0.7


def test_a_given_key_is_read_and_a_bad_one_named():
    melody = load_sample("ode_to_joy")
    assert edit(melody, key="C major").steps == edit(melody, key=(0, "major")).steps == edit(melody).steps
    assert edit(melody, key="C major").steps != edit(melody, key="F# major").steps
    with pytest.raises(ParameterError, match="key must be 'estimate', None or a key such as 'G minor', got 'H dur'"):
        edit(melody, key="H dur")


def test_same_seed_same_music_other_seed_other_music(twinkle_edit):
    again = edit(load_sample("twinkle"), seed=0)
    other = edit(load_sample("twinkle"), seed=1)
    assert again.steps == twinkle_edit.steps
    assert np.array_equal(again.output_roll, twinkle_edit.output_roll)
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


def test_catalog_entry_and_chain_into_the_gan():
    entry = MODELS["arcnn"]
    assert entry.kind == "edit"
    melody = load_sample("twinkle")
    edited = generate(melody, seed=0, iterations=50)
    chained = compose_chain(melody, "arcnn,bach", seed=0, params={"arcnn": {"iterations": 50}})
    assert [t.name for t in chained.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    # the GAN's soprano is the melody of what the AR-CNN wrote: its notes, top line first
    written = stack_rolls(edited)[0] > 0
    sop = stack_rolls(chained)[0] > 0
    n = min(len(written), len(sop))
    assert sop.any() and not (sop[:n] & ~written[:n]).any()
    assert not np.array_equal(sop[:n], stack_rolls(melody, n)[0][:n] > 0)  # the edit reached the GAN


def test_compose_command_with_the_four_options(tmp_path, capsys):
    out = tmp_path / "twinkle_arcnn.mid"
    assert main(["compose", "twinkle", "--model", "arcnn", "--iterations", "40", "--max-removed", "10",
                 "--max-added", "20", "--temperature", "1.5", "--seed", "3", "-o", str(out)]) == 0
    written = stack_rolls(read_midi(out)) > 0
    source = stack_rolls(load_sample("twinkle"))[0] > 0
    n = min(written.shape[1], source.shape[0])
    assert 0 < (written[0, :n] & ~source[:n]).sum() <= 20
    assert (source[:n] & ~written[0, :n]).sum() <= int(0.10 * source.sum())
    assert "arcnn" in capsys.readouterr().out


def test_compose_chain_command(tmp_path):
    out = tmp_path / "chain.mid"
    assert main(["compose", "mary", "--model", "arcnn,bach", "--iterations", "30", "-o", str(out)]) == 0
    assert [t.name for t in read_midi(out).tracks] == ["Soprano", "Alto", "Tenor", "Bass"]


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


def test_three_four_melody_keeps_its_meter():
    r = edit(load_sample("we_wish_you"), seed=0, iterations=20)
    assert r.music.time_signature == (3, 4)
    assert r.input_roll.any() and r.output_roll.shape == r.input_roll.shape

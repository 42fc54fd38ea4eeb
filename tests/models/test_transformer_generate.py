"""Extending melodies with the shipped Transformer in their own meter, from Python, chains and the command line."""

import numpy as np
import pytest
from composerlab.cli import main
from composerlab.errors import MusicFileError
from composerlab.models.catalog import MODELS, compose_chain
from composerlab.models.transformer.generate import extend, filter_logits, model_path
from composerlab.music.melody import count_bars, from_notes
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import Note, make_multitrack, steps_per_bar, time_signature_of, track_notes
from composerlab.music.samples import SAMPLES, load_sample

pytestmark = pytest.mark.skipif(not model_path("transformer").with_suffix(".weights.h5").exists(),
                                reason="the pretrained Transformer is not in data/models")


def notes_of(track):
    return [(n.start, n.pitch, n.length) for n in track_notes(track)]


@pytest.fixture(scope="module")
def twinkle():
    return load_sample("twinkle")


def test_extension_keeps_the_melody_and_adds_the_bars_asked_for(twinkle):
    out = extend(twinkle, seed=0, bars=4)
    assert [t.name for t in out.tracks] == ["Melody", "Transformer"]
    assert notes_of(out.tracks[0]) == notes_of(twinkle.tracks[0])
    start = count_bars(twinkle) * 16
    new = track_notes(out.tracks[1])
    assert new and min(n.start for n in new) >= start
    assert max(n.start for n in new) < start + 4 * 16
    assert out.tracks[0].pianoroll.shape[0] == start + 4 * 16
    bars_with_notes = {n.start // 16 for n in new}
    assert len(bars_with_notes) >= 3  # a continuation, not a note or two


def test_same_seed_same_notes_other_seed_other_notes(twinkle):
    a = notes_of(extend(twinkle, seed=1, bars=4).tracks[1])
    b = notes_of(extend(twinkle, seed=1, bars=4).tracks[1])
    c = notes_of(extend(twinkle, seed=2, bars=4).tracks[1])
    assert a == b
    assert a != c


def test_a_polyphonic_piece_is_continued_from_its_top_line():
    chords = [Note(s, p, 8) for s in range(0, 64, 8) for p in (48, 52, 55)]
    tune = [Note(s, 72 + (s // 8) % 3 * 2, 8) for s in range(0, 64, 8)]
    piece = make_multitrack([("Piano", 0, chords), ("Flute", 73, tune)], name="duet")
    out = extend(piece, seed=0, bars=2)
    assert notes_of(out.tracks[0]) == [(n.start, n.pitch, n.length) for n in tune]
    assert out.tracks[1].program == 73


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_goes_on_in_its_own_meter_and_comes_back_whole_with_no_new_bars(name):
    melody = load_sample(name)
    meter, bar = time_signature_of(melody), steps_per_bar(time_signature_of(melody))
    same = extend(melody, seed=0, bars=0)
    assert track_notes(same.tracks[0]) == track_notes(melody.tracks[0]) and not track_notes(same.tracks[1])
    out = extend(melody, seed=0, bars=2)
    assert time_signature_of(out) == meter and track_notes(out.tracks[0]) == track_notes(melody.tracks[0])
    start = count_bars(melody) * bar
    new = track_notes(out.tracks[1])
    assert {n.start // bar for n in new} == {start // bar, start // bar + 1}  # two new bars, both with notes
    assert all(start <= n.start < start + 2 * bar for n in new)


@pytest.mark.parametrize("settings, message", [
    ({"bars": -1}, "bars must be a whole number from 0 to 16"),
    ({"bars": 100}, "bars must be a whole number from 0 to 16"),
    ({"top_p": 0}, "top_p must be above 0 and at most 1"),
    ({"top_p": 1.5}, "top_p must be above 0 and at most 1"),
    ({"top_k": -1}, "top_k must be 0"),
    ({"temperature": 0}, "temperature must be above 0"),
])
def test_bad_settings_are_refused_with_the_reason(twinkle, settings, message):
    with pytest.raises(ValueError, match=message):
        extend(twinkle, **settings)


def test_empty_drums_and_odd_meters_are_refused():
    empty = make_multitrack([("Melody", 0, [])], n_steps=64, name="empty")
    with pytest.raises(MusicFileError, match="empty: has no pitched notes"):
        extend(empty)
    drums = make_multitrack([("Drums", 0, [Note(s, 36, 2) for s in range(0, 64, 4)])], drums=[True], name="beat")
    with pytest.raises(MusicFileError, match="beat: has no pitched notes"):
        extend(drums)
    nine = make_multitrack([("Melody", 0, [Note(0, 67, 18)])], time_signature=(9, 8), name="slip jig")
    with pytest.raises(MusicFileError, match="slip jig: is in 9/8; the Transformer continues melodies in 4/4, 2/2"):
        extend(nine)


def test_top_k_and_top_p_keep_only_the_likeliest_tokens():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert np.count_nonzero(filter_logits(logits, 1.0, 2, 1.0)) == 2
    assert np.count_nonzero(filter_logits(logits, 1.0, 0, 0.7)) == 2  # 0.5 + 0.3 reach 0.7
    assert np.count_nonzero(filter_logits(logits, 1.0, 0, 0.01)) == 1
    hot, cold = filter_logits(logits, 2.0, 0, 1.0), filter_logits(logits, 0.5, 0, 1.0)
    assert hot[0] < 0.5 < cold[0]
    np.testing.assert_allclose(hot.sum(), 1.0)


@pytest.mark.parametrize("name", ["twinkle", "we_wish_you"])
def test_chain_transformer_then_bach_harmonises_the_whole_extended_melody_in_its_meter(name):
    from composerlab.models.library import run_steps

    tune = load_sample(name)
    meter, bar = time_signature_of(tune), steps_per_bar(time_signature_of(tune))
    assert MODELS["transformer"].kind == "extend"
    out = compose_chain(tune, "transformer,bach", seed=0, params={"transformer": {"bars": 4}})
    assert [t.name for t in out.tracks] == ["Soprano", "Alto", "Tenor", "Bass"] and time_signature_of(out) == meter
    extended = extend(tune, seed=0, bars=4)
    melody = sorted(notes_of(extended.tracks[0]) + notes_of(extended.tracks[1]))
    assert notes_of(out.tracks[0]) == melody
    bars = count_bars(tune) + 4
    assert out.tracks[0].pianoroll.shape[0] == bars * bar
    for b in range(1 if name == "we_wish_you" else 0, bars):  # a pickup bar has nothing under its rest
        assert any(t.pianoroll[b * bar: (b + 1) * bar].any() for t in out.tracks[1:]), f"bar {b + 1} unaccompanied"
    studio = run_steps(tune, [{"model": "transformer", "params": {"bars": 4}}, {"model": "bach", "params": {}}])
    assert [track_notes(t) for t in studio.tracks] == [track_notes(t) for t in out.tracks]


def test_compose_command_extends_and_refuses_bad_options(tmp_path, capsys):
    out = tmp_path / "more.mid"
    assert main(["compose", "twinkle", "--model", "transformer", "--bars", "3", "--temperature", "0.8",
                 "--top-k", "20", "--top-p", "0.9", "--seed", "4", "-o", str(out)]) == 0
    music = read_midi(out)
    assert len(music.tracks) == 2
    assert count_bars(music) == count_bars(load_sample("twinkle")) + 3
    assert main(["compose", "twinkle", "--model", "transformer", "--top-p", "1.5", "-o", str(out)]) == 2
    assert "top_p must be above 0 and at most 1" in capsys.readouterr().err
    assert main(["compose", "twinkle", "--model", "transformer", "--bars", "100", "-o", str(out)]) == 2


def test_a_one_note_melody_is_continued():
    out = extend(from_notes([Note(0, 67, 4)]), seed=0, bars=2)
    assert track_notes(out.tracks[1])


def _readings():
    """Every sample in its own meter, and Ode to Joy read in 2/4 and 2/2 (the same notes, other bar lines)."""
    tunes = [(name, load_sample(name)) for name in sorted(SAMPLES)]
    ode = track_notes(load_sample("ode_to_joy").tracks[0])
    return tunes + [(f"ode_to_joy in {a}/{b}", from_notes(ode, time_signature=(a, b))) for a, b in ((2, 4), (2, 2))]


def test_continuations_stay_in_key_fill_every_bar_and_the_model_matters():
    from composerlab.models.evaluation.transformer import judge
    from composerlab.models.transformer.generate import continue_notes

    rows = {False: [], True: []}
    for name, tune in _readings():
        notes, meter = track_notes(tune.tracks[0]), time_signature_of(tune)
        prompt_bars = count_bars(tune)
        for ablate in (False, True):
            for seed in (0, 1):
                new = continue_notes(notes, 4, seed=seed, meter=meter, ablate=ablate)
                rows[ablate].append(judge(notes, new, prompt_bars, 4, meter))
    model, uniform = rows[False], rows[True]
    assert all(r["in_bars"] and r["empty_bars"] == 0 for r in model + uniform)
    in_key = np.mean([r["in_key"] for r in model])
    assert in_key >= 0.85 and np.mean([r["in_range"] for r in model]) >= 0.8
    # the same sampling and grammar with equal scores: out of key and out of range
    assert np.mean([r["in_key"] for r in uniform]) <= in_key - 0.2
    assert np.mean([r["in_range"] for r in uniform]) <= 0.5

"""Accompanying melodies with the shipped Bach model, from Python and from the command line."""

import warnings

import numpy as np
import pytest
from composerlab.cli import main
from composerlab.models.catalog import MODELS, compose_chain
from composerlab.models.gan.generate import compose, load_model, model_path
from composerlab.music import metrics
from composerlab.music.melody import ClippedWarning, from_notes
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import Note, stack_rolls, steps_per_bar, time_signature_of
from composerlab.music.samples import load_sample

pytestmark = pytest.mark.skipif(not model_path("bach").with_suffix(".weights.h5").exists(),
                                reason="the pretrained Bach model is not in data/models")


@pytest.fixture(scope="module")
def twinkle():
    return compose(load_sample("twinkle"), seed=0)


def test_twinkle_gets_four_in_key_parts(twinkle):
    assert [t.name for t in twinkle.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    rolls = stack_rolls(twinkle) > 0
    assert np.array_equal(rolls[0], stack_rolls(load_sample("twinkle"), rolls.shape[1])[0] > 0)
    means = [np.nonzero(r)[1].mean() for r in rolls]
    assert means == sorted(means, reverse=True)  # the voices keep their order
    assert all(r.any() for r in rolls[1:])
    assert metrics.in_scale_ratio(rolls[1:], metrics.estimate_key(rolls[0])) >= 0.9
    assert metrics.empty_bar_rate(rolls[3]) <= 0.25


@pytest.mark.parametrize("name", ["twinkle", "ode_to_joy", "mary"])
@pytest.mark.parametrize("decoding", ["raw", "chords"])
def test_in_key_melodies_stay_in_key(name, decoding):
    """The model's own note choice (raw), and the chords decoded from it, without the key rule,
    stay in the melody's key."""
    melody = load_sample(name)
    ratios = []
    for seed in range(3):
        rolls = stack_rolls(compose(melody, seed=seed, in_key=False, decoding=decoding)) > 0
        key = metrics.estimate_key(rolls[0])
        assert metrics.in_scale_ratio(rolls[0], key) == 1.0  # the tune itself is in key
        ratios.append(metrics.in_scale_ratio(rolls[1:], key))
    assert np.mean(ratios) >= 0.85


@pytest.mark.parametrize("decoding", ["raw", "chords"])
def test_key_rule_puts_every_note_in_key(decoding):
    for name in ("ode_to_joy", "twinkle"):
        rolls = stack_rolls(compose(load_sample(name), seed=0, in_key=True, decoding=decoding)) > 0
        assert metrics.in_scale_ratio(rolls[1:], metrics.estimate_key(rolls[0])) == 1.0


def test_same_seed_same_notes_other_seed_other_notes(twinkle):
    again = compose(load_sample("twinkle"), seed=0)
    other = compose(load_sample("twinkle"), seed=1)
    assert np.array_equal(stack_rolls(twinkle), stack_rolls(again))
    assert not np.array_equal(stack_rolls(twinkle)[1:], stack_rolls(other)[1:])


def test_short_melody_gets_one_bar():
    short = compose(from_notes([Note(0, 67, 8), Note(8, 65, 8)]), seed=0)
    assert stack_rolls(short).shape[1] == 16


SCALE = [0, 2, 4, 5, 7, 5, 4, 2, 0, -1, 0, 2]


def tune(meter, bars, pickup_beats=0, beat_steps=4):
    """A melody of ``bars`` full bars in ``meter`` (one note a beat), after a pickup of ``pickup_beats``
    beats placed, as the reader places it, at the end of an otherwise silent first bar."""
    bar = steps_per_bar(meter)
    start = bar - pickup_beats * beat_steps if pickup_beats else 0
    notes = [Note(s, 67 + SCALE[i % len(SCALE)], beat_steps)
             for i, s in enumerate(range(start, (bars + (1 if pickup_beats else 0)) * bar, beat_steps))]
    return from_notes(notes, time_signature=meter)


def accompanied_bars(result, meter):
    rolls = stack_rolls(result) > 0
    bar = steps_per_bar(meter)
    per_bar = rolls.reshape(4, -1, bar, 128).any(axis=(2, 3))
    return per_bar[0], per_bar[1:].any(axis=0)


def test_a_long_melody_is_accompanied_to_its_last_bar():
    melody = tune((4, 4), 32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClippedWarning)  # no clipping
        result = compose(melody, seed=0)
    assert stack_rolls(result).shape[1] == 32 * 16
    sung, accompanied = accompanied_bars(result, (4, 4))
    assert sung.all() and accompanied.all()
    assert np.array_equal(stack_rolls(result)[0] > 0, stack_rolls(melody)[0] > 0)


def test_a_cap_on_bars_still_clips_with_a_notice():
    with pytest.warns(ClippedWarning, match="12 bars"):
        clipped = compose(tune((4, 4), 12), seed=0, bars=8)
    assert stack_rolls(clipped).shape[1] == 128


@pytest.mark.parametrize("meter,pickup_beats,beat_steps", [((3, 4), 1, 4), ((2, 4), 1, 4), ((6, 8), 1, 2),
                                                            ((3, 4), 0, 4), ((4, 4), 1, 4)])
def test_every_meter_whole_tune_with_its_pickup_in_place(meter, pickup_beats, beat_steps):
    melody = tune(meter, 20, pickup_beats, beat_steps)
    result = compose(melody, seed=0)
    bar = steps_per_bar(meter)
    assert time_signature_of(result) == meter
    assert stack_rolls(result).shape[1] == (21 if pickup_beats else 20) * bar
    rolls = stack_rolls(result) > 0
    assert np.array_equal(rolls[0], stack_rolls(melody, rolls.shape[1])[0] > 0)  # the tune, step for step
    first = int(np.flatnonzero(rolls[0].any(axis=1))[0])
    assert first == (bar - pickup_beats * beat_steps if pickup_beats else 0)
    assert not rolls[1:, :first].any()  # the beats before the pickup stay silent
    sung, accompanied = accompanied_bars(result, meter)
    assert accompanied[sung].all()  # every bar the melody sings in, the pickup bar too


def test_programs_are_set_per_track():
    result = compose(load_sample("twinkle"), seed=0, programs=(73, 71, 70, 58))
    assert [t.program for t in result.tracks] == [73, 71, 70, 58]
    with pytest.raises(ValueError, match="4 General MIDI"):
        compose(load_sample("twinkle"), programs=(1, 2))


def test_compose_command_writes_midi(tmp_path, capsys):
    out = tmp_path / "twinkle_bach.mid"
    assert main(["compose", "twinkle", "--model", "bach", "--seed", "2", "-o", str(out)]) == 0
    written = read_midi(out)
    assert len(written.tracks) == 4
    assert "wrote" in capsys.readouterr().out


def test_unknown_model_lists_the_known_ones(tmp_path, capsys):
    for name in ("jazz", str(tmp_path / "mine")):
        assert main(["compose", "twinkle", "--model", name, "-o", str(tmp_path / "x.mid")]) == 2
        err = capsys.readouterr().err
        assert f"'{name}' is not a model here; choose one of: bach" in err
    assert not (tmp_path / "x.mid").exists()


def test_trained_model_missing_its_settings_names_the_fix(tmp_path, capsys):
    (tmp_path / "mine.weights.h5").write_bytes(b"")
    assert main(["compose", "twinkle", "--model", str(tmp_path / "mine"), "-o", str(tmp_path / "x.mid")]) == 2
    assert "composerlab.models.gan.training" in capsys.readouterr().err


def test_a_chain_feeds_each_output_to_the_next_model(twinkle):
    once = compose(twinkle, seed=3)
    twice = compose_chain(twinkle, "bach, bach", seed=3)
    assert np.array_equal(twice.tracks[0].pianoroll > 0, once.tracks[0].pianoroll > 0)  # the soprano stays
    assert np.array_equal(twice.stack() > 0, compose(once, seed=3).stack() > 0)


def test_models_command_lists_every_shipped_model(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("COMPOSERLAB_OUT", str(tmp_path))  # no models a learner trained (lab 07 writes one in out/)
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(MODELS)


def test_model_loads_once():
    assert load_model("bach") is load_model("bach")

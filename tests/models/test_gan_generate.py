"""Accompanying melodies with the shipped Bach model, from Python and from the command line."""

import numpy as np
import pytest
from composerlab.cli import main
from composerlab.models.catalog import MODELS, compose_chain
from composerlab.models.gan.generate import compose, load_model, model_path
from composerlab.music import metrics
from composerlab.music.melody import ClippedWarning, from_notes
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import Note, stack_rolls
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
def test_raw_model_keeps_in_key_melodies_in_key(name):
    """The model's own note choice, without the key rule, stays in the melody's key."""
    melody = load_sample(name)
    ratios = []
    for seed in range(3):
        rolls = stack_rolls(compose(melody, seed=seed, in_key=False)) > 0
        key = metrics.estimate_key(rolls[0])
        assert metrics.in_scale_ratio(rolls[0], key) == 1.0  # the tune itself is in key
        ratios.append(metrics.in_scale_ratio(rolls[1:], key))
    assert np.mean(ratios) >= 0.85


def test_key_rule_puts_every_note_in_key():
    rolls = stack_rolls(compose(load_sample("ode_to_joy"), seed=0, in_key=True)) > 0
    assert metrics.in_scale_ratio(rolls[1:], metrics.estimate_key(rolls[0])) == 1.0


def test_same_seed_same_notes_other_seed_other_notes(twinkle):
    again = compose(load_sample("twinkle"), seed=0)
    other = compose(load_sample("twinkle"), seed=1)
    assert np.array_equal(stack_rolls(twinkle), stack_rolls(again))
    assert not np.array_equal(stack_rolls(twinkle)[1:], stack_rolls(other)[1:])


def test_short_and_long_melodies():
    short = compose(from_notes([Note(0, 67, 8), Note(8, 65, 8)]), seed=0)
    assert stack_rolls(short).shape[1] == 16
    long_notes = [Note(4 * i, 60 + [0, 2, 4, 5, 7, 5, 4, 2][i % 8], 4) for i in range(4 * 12)]
    with pytest.warns(ClippedWarning, match="12 bars"):
        clipped = compose(from_notes(long_notes), seed=0)
    assert stack_rolls(clipped).shape[1] == 128


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


def test_models_command_lists_every_shipped_model(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(MODELS)


def test_model_loads_once():
    assert load_model("bach") is load_model("bach")

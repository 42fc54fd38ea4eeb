"""Harmonising melodies with the harmoniser's Gibbs sampling: seeds, meters, pickups, ranges, ablation."""
import numpy as np
import pytest
from composerlab.models.coconet import data, generate
from composerlab.models.coconet.network import Harmoniser, HarmoniserConfig
from composerlab.music.melody import from_notes
from composerlab.music.pianoroll import Note, stack_rolls, steps_per_bar, time_signature_of
from composerlab.music.samples import load_sample


def random_harmoniser(seed=0):
    """An untrained network in numpy (random weights): the sampling's mechanics without a trained model."""
    config = HarmoniserConfig(channels=8, dilations=(1, 2))
    rng = np.random.default_rng(seed)
    shapes = {"embed.a": (3, data.N_INPUTS, 8), "embed.b": (8,), "norm_out.a": (8,), "norm_out.b": (8,),
              "pitches.a": (8, 3 * data.N_PITCHES), "pitches.b": (3 * data.N_PITCHES,),
              "intervals.a": (8, 3 * 3 * 12), "intervals.b": (3 * 3 * 12,)}
    for i in range(2):
        shapes.update({f"norm{i}.a": (8,), f"norm{i}.b": (8,), f"conv{i}.a": (3, 8, 8), f"conv{i}.b": (8,)})
    return Harmoniser({k: rng.normal(0, 0.5, s) for k, s in shapes.items()}, config)


@pytest.fixture
def untrained(monkeypatch):
    model = random_harmoniser()
    monkeypatch.setattr(generate, "load_harmoniser", lambda name="bach": model)
    return model


def test_same_seed_same_voices_other_seed_other_voices(untrained):
    twinkle = load_sample("twinkle")
    first, again = generate.generate(twinkle, seed=3), generate.generate(twinkle, seed=3)
    other = generate.generate(twinkle, seed=4)
    assert np.array_equal(stack_rolls(first), stack_rolls(again))
    assert not np.array_equal(stack_rolls(first), stack_rolls(other))


def test_voices_stay_in_their_ranges_and_the_melody_is_kept(untrained):
    twinkle = load_sample("twinkle")
    out = generate.generate(twinkle, seed=0)
    assert [t.name for t in out.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    rolls = stack_rolls(out)
    melody = stack_rolls(twinkle, rolls.shape[1]).max(axis=0)
    assert np.array_equal(rolls[0] > 0, melody > 0)
    shift = 12 * int(round((data.SOPRANO_CENTRE - np.nonzero(melody)[1].mean()) / 12))
    for v, (low, high) in enumerate(generate.VOICE_RANGES):
        pitches = np.nonzero(rolls[v + 1])[1] + shift
        assert pitches.size and pitches.min() >= low and pitches.max() <= high
        assert (rolls[v + 1] > 0).sum(axis=1).max() == 1  # one note at a time per voice


def test_a_waltz_with_a_pickup_stays_whole_and_in_its_meter(untrained):
    notes = [Note(8 + 4 * i, p, 4) for i, p in enumerate([67, 72, 72, 74, 76, 76, 74, 72, 71, 72, 74])]
    waltz = from_notes(notes + [Note(52, 72, 12)], name="waltz", time_signature=(3, 4))
    out = generate.generate(waltz, seed=1)
    assert time_signature_of(out) == (3, 4)
    rolls = stack_rolls(out) > 0
    assert rolls.shape[1] == 6 * steps_per_bar((3, 4))  # the last note ends at step 64, in bar 6
    assert not rolls[1:, :8].any()  # silent before the pickup
    assert rolls[1:, 8:64].any(axis=2).all()  # every voice sounds from the pickup to the last note's end
    assert not rolls[1:, 64:].any()


@pytest.mark.parametrize("ablate", generate.ABLATIONS)
def test_ablation_needs_no_model_and_keeps_the_sampling(ablate, monkeypatch):
    def no_model(name="bach"):
        raise AssertionError("an ablated run must not use the network")

    monkeypatch.setattr(generate, "load_harmoniser", no_model)
    twinkle = load_sample("twinkle")
    out = generate.generate(twinkle, seed=0, ablate=ablate)
    assert np.array_equal(stack_rolls(out), stack_rolls(generate.generate(twinkle, seed=0, ablate=ablate)))
    assert (stack_rolls(out)[1:] > 0).any(axis=2).any(axis=1).all()


def test_bad_settings_are_refused(untrained):
    with pytest.raises(ValueError, match="ablate is one of uniform, noise"):
        generate.generate(load_sample("twinkle"), ablate="zeros")
    with pytest.raises(ValueError, match="programs needs 4"):
        generate.generate(load_sample("twinkle"), programs=(0, 0))


def test_rounds_hide_whole_runs_of_cells():
    rng = np.random.default_rng(0)
    active = np.ones(64, dtype=bool)
    active[:3] = False
    hidden = generate.block(active, 0.5, 4, rng)
    assert not hidden[:3].any()
    assert 0.3 < hidden.mean() < 0.7
    for v in range(3):  # each voice's hidden cells come in runs of 4 (cut only at the edges)
        changes = np.flatnonzero(np.diff(hidden[3:, v].astype(int))) + 1
        assert changes.size and all((b - a) % 4 == 0 for a, b in zip(changes, changes[1:]))


def test_the_schedule_falls_from_nine_tenths_to_one_tenth():
    shares = [generate.block_share(i, 100) for i in range(100)]
    assert shares[0] == pytest.approx(0.9) and shares[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(shares, shares[1:]))
    assert shares[70] == pytest.approx(0.1)


def test_the_ablate_option_reads_only_the_known_ablations():
    assert [p.option for p in generate.PARAMETERS] == ["--ablate"]
    assert [generate.read_ablation(a) for a in generate.ABLATIONS] == list(generate.ABLATIONS)
    with pytest.raises(ValueError, match="--ablate takes uniform or noise, not 'zeros'"):
        generate.read_ablation("zeros")

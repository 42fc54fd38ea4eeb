"""The shipped harmoniser: every sample melody in its meter, whole; the same seed, the same music; the
trained network against its ablation (the same sampling with equal odds) on what no code targets."""
import numpy as np
import pytest
from composerlab.models.coconet import generate
from composerlab.music import metrics
from composerlab.music.harmony import consonant_beats
from composerlab.music.melody import count_bars, from_notes
from composerlab.music.pianoroll import Note, stack_rolls, steps_per_bar, time_signature_of
from composerlab.music.progressions import cadence_rate, cadences, ends_on_tonic, phrase_ends
from composerlab.music.samples import SAMPLES, load_sample

MARCH = from_notes([Note(12 + 4 * i, p, 4) for i, p in enumerate([62, 67, 67, 71, 71, 69, 67, 69, 71, 72, 74, 71,
                                                                   69, 67, 66, 64, 62, 66, 69])]
                   + [Note(88, 67, 8)], name="march", time_signature=(2, 4))
"""A 2/4 march with a one-beat pickup (bar 1 holds its first note on the second beat), ending on G."""


def melodies():
    return {**{key: load_sample(key) for key in SAMPLES}, "march": MARCH}


@pytest.fixture(scope="module")
def harmonised():
    """Every melody harmonised by the trained network and by its uniform ablation, seed 0."""
    return {name: (music, generate.generate(music, seed=0), generate.generate(music, seed=0, ablate="uniform"))
            for name, music in melodies().items()}


def test_every_melody_gets_four_whole_voices_in_its_meter(harmonised):
    for name, (music, out, _) in harmonised.items():
        meter = time_signature_of(music)
        assert time_signature_of(out) == meter, name
        rolls = stack_rolls(out) > 0
        melody = stack_rolls(music, rolls.shape[1]).max(axis=0) > 0
        assert rolls.shape[1] >= count_bars(music) * steps_per_bar(meter) - steps_per_bar(meter), name
        assert np.array_equal(rolls[0], melody), name
        sounding = np.flatnonzero(melody.any(axis=1))
        first, last = sounding[0], sounding[-1]
        assert rolls[1:, first: last + 1].any(axis=2).mean() > 0.95, name  # the voices sing the whole song
        assert not rolls[1:, :first].any() and not rolls[1:, last + 1:].any(), name


def test_the_same_seed_gives_the_same_music(harmonised):
    music, out, _ = harmonised["we_wish_you"]
    assert np.array_equal(stack_rolls(out), stack_rolls(generate.generate(music, seed=0)))
    assert not np.array_equal(stack_rolls(out), stack_rolls(generate.generate(music, seed=1)))


def figures(music, out) -> dict:
    rolls = stack_rolls(out) > 0
    meter = time_signature_of(music)
    key = metrics.estimate_key(rolls[0])
    return {"cadences": cadence_rate(cadences(rolls, phrase_ends(rolls[0], meter), key, meter)),
            "tonic": float(ends_on_tonic(rolls, key)), "consonant": consonant_beats(rolls, meter)}


def test_the_trained_network_beats_its_ablation_on_cadences_and_endings(harmonised):
    trained = [figures(music, out) for music, out, _ in harmonised.values()]
    ablated = [figures(music, out) for music, _, out in harmonised.values()]
    mean = {k: (np.nanmean([f[k] for f in trained]), np.nanmean([f[k] for f in ablated])) for k in trained[0]}
    # Measured on these ten at seed 0: tonic endings 0.6 against 0.3, cadence rate 0.54 against 0.36,
    # consonant beats 0.85 against 0.13 (the bench's 40 tunes: 0.75 / 0.10, 0.57 / 0.23, 0.80 / 0.08).
    assert mean["tonic"][0] - mean["tonic"][1] >= 0.2
    assert mean["cadences"][0] - mean["cadences"][1] >= 0.1
    assert mean["consonant"][0] - mean["consonant"][1] >= 0.5

"""Musical key: the estimate, keys by name and by text, each key's scale, the tables for tensors."""
import numpy as np
import pytest
from composerlab.music import key as keys
from composerlab.music.pianoroll import stack_rolls
from composerlab.music.samples import load_sample


def test_the_estimate_of_a_plain_tune_and_of_no_notes():
    assert keys.estimate_key(stack_rolls(load_sample("twinkle"))[0] > 0) == (0, "major")
    assert keys.estimate_key(np.zeros((16, 128), bool)) == (0, "major")
    assert keys.key_name((6, "minor")) == "F# minor" and keys.key_name((10, "major")) == "Bb major"
    assert keys.key_of_music(load_sample("twinkle")) == "C major"


def test_scales_and_pitches_in_a_key():
    assert np.flatnonzero(keys.scale_mask((0, "major"))).tolist() == [0, 2, 4, 5, 7, 9, 11]
    assert np.flatnonzero(keys.scale_mask((9, "minor"))).tolist() == [0, 2, 4, 5, 7, 8, 9, 11]  # G# leads to A
    assert keys.pitches_in_key((0, "major"), 60, 3).tolist() == [True, False, True]


def test_every_key_has_an_index_and_the_tables_estimate_as_the_numpy_estimate():
    assert all(keys.key_at(keys.key_index(k)) == k for k in [(t, m) for m in keys.MODES for t in range(12)])
    profiles, masks = keys.key_tables()
    roll = stack_rolls(load_sample("ode_to_joy"))[0] > 0
    histogram = keys.pitch_class_histogram(roll)
    centred = (histogram - histogram.mean()) / np.linalg.norm(histogram - histogram.mean())
    assert keys.key_at(int(np.argmax(profiles @ centred))) == keys.estimate_key(roll)
    assert np.array_equal(masks[keys.key_index((7, "minor"))] > 0, keys.scale_mask((7, "minor")))


@pytest.mark.parametrize("text, key", [("G minor", (7, "minor")), ("Bb major", (10, "major")),
                                       ("F# minor", (6, "minor")), ((2, "major"), (2, "major"))])
def test_keys_are_parsed(text, key):
    assert keys.parse_key(text) == key


def test_a_bad_key_is_named():
    with pytest.raises(ValueError, match="'H dur' is not a key; write it as 'G minor' or 'Bb major'"):
        keys.parse_key("H dur")


@pytest.mark.parametrize("text, pitch_class", [("Db major", 1), ("C# major", 1), ("Cb major", 11), ("E# minor", 5)])
def test_enharmonic_tonics_are_read_by_music21(text, pitch_class):
    assert keys.parse_key(text) == (pitch_class, text.split()[1])

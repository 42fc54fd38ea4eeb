"""Metrics on hand-made piano rolls whose answers are known."""
import numpy as np
import pypianoroll.metrics as ppm
import pytest
from composerlab.music import metrics


def roll_of(notes, steps=32):
    """(pitch, start, length) triples -> boolean (steps, 128) roll."""
    roll = np.zeros((steps, 128), dtype=bool)
    for pitch, start, length in notes:
        roll[start:start + length, pitch] = True
    return roll


def test_empty_bar_rate_counts_empty_bars_not_full_ones():
    roll = roll_of([(60, 0, 4)], steps=64)  # one note in bar 1 of 4
    assert metrics.empty_bar_rate(roll) == pytest.approx(0.75)
    # pypianoroll's empty_beat_rate returns the share of *non-empty* beats: 1 of 16.
    assert ppm.empty_beat_rate(roll, 4) == pytest.approx(1 / 16)


def test_pitch_classes_fold_octaves():
    roll = roll_of([(60, 0, 2), (72, 2, 2), (64, 4, 2), (61, 6, 2)])
    assert metrics.pitches_used(roll) == 4
    assert metrics.pitch_classes_used(roll) == 3  # C, C#, E
    assert metrics.pitch_classes_per_bar(roll) == pytest.approx(3.0)


def test_qualified_note_rate_measures_each_note():
    roll = roll_of([(60, 0, 1), (62, 1, 4), (64, 5, 1), (65, 6, 8)])
    assert metrics.qualified_note_rate(roll) == pytest.approx(0.5)
    assert np.sort(metrics.note_lengths(roll)).tolist() == [1, 1, 4, 8]
    assert np.isnan(metrics.qualified_note_rate(roll_of([])))


def test_polyphonic_rate_counts_steps_with_three_pitches():
    roll = roll_of([(60, 0, 16), (64, 0, 8), (67, 0, 4)])
    assert metrics.polyphonic_rate(roll) == pytest.approx(4 / 32)


def test_estimate_key_and_in_scale_ratio():
    c_major = roll_of([(p, 2 * i, 2) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60])])
    assert metrics.estimate_key(c_major) == (0, "major")
    assert metrics.in_scale_ratio(c_major, (0, "major")) == pytest.approx(1.0)
    # 2 of 4 notes (C#, F#) are outside C major, whatever their length.
    assert metrics.in_scale_ratio(roll_of([(60, 0, 8), (61, 8, 1), (66, 9, 1), (67, 10, 8)]),
                                  (0, "major")) == pytest.approx(0.5)
    a_minor = roll_of([(p, 2 * i, 2) for i, p in enumerate([69, 72, 71, 69, 68, 69, 64, 69])])
    assert metrics.estimate_key(a_minor) == (9, "minor")
    assert metrics.in_scale_ratio(a_minor, (9, "minor")) == pytest.approx(1.0)  # G# is the leading note


def test_tonal_distance_zero_for_same_harmony_and_larger_for_far_keys():
    c_chord = roll_of([(60, 0, 16), (64, 0, 16), (67, 0, 16)])
    c_chord_high = roll_of([(72, 0, 16), (76, 0, 16), (79, 0, 16)])
    f_sharp_chord = roll_of([(66, 0, 16), (70, 0, 16), (73, 0, 16)])
    g_chord = roll_of([(67, 0, 16), (71, 0, 16), (74, 0, 16)])
    assert metrics.tonal_distance(c_chord, c_chord_high) == pytest.approx(0.0, abs=1e-9)
    assert metrics.tonal_distance(c_chord, f_sharp_chord) > metrics.tonal_distance(c_chord, g_chord) > 0
    assert np.isnan(metrics.tonal_distance(c_chord, roll_of([])))


def test_evaluate_a_four_part_cadence():
    composition = np.stack([
        roll_of([(72, 0, 16), (71, 16, 16)]),
        roll_of([(67, 0, 16), (67, 16, 16)]),
        roll_of([(64, 0, 16), (62, 16, 16)]),
        roll_of([(48, 0, 16), (43, 16, 16)]),
    ])
    result = metrics.evaluate(composition, key=(0, "major"))
    assert set(result) == set(metrics.METRIC_NAMES)
    assert result["empty_bar_rate"] == 0.0
    assert result["polyphonic_rate"] == 1.0
    assert result["in_scale_ratio"] == 1.0
    assert result["qualified_note_rate"] == 1.0
    assert result["pitch_classes_used"] == pytest.approx(3.0)  # C E G, then G B D
    # The harmony measures: C major then G major on every beat, no parallels (C-G to B-G is oblique).
    assert (result["consonant_beats"], result["chord_fit"], result["parallels_per_bar"]) == (1.0, 1.0, 0.0)

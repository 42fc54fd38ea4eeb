"""Harmony measures on hand-made rolls whose answers are known."""
import numpy as np
import pytest
from composerlab.music import harmony


def composition(*voices, steps=16):
    """Each voice a list of (pitch, start, length) -> boolean (voices, steps, 128)."""
    out = np.zeros((len(voices), steps, 128), dtype=bool)
    for v, notes in enumerate(voices):
        for pitch, start, length in notes:
            out[v, start:start + length, pitch] = True
    return out


def test_beats_of_each_meter():
    assert harmony.beat_steps(32, (4, 4)).tolist() == [0, 4, 8, 12, 16, 20, 24, 28]
    assert harmony.beat_steps(24, (3, 4)).tolist() == [0, 4, 8, 12, 16, 20]
    assert harmony.beat_steps(16, (2, 4)).tolist() == [0, 4, 8, 12]
    assert harmony.beat_steps(24, (6, 8)).tolist() == [0, 6, 12, 18]
    assert harmony.beat_steps(12, (3, 8)).tolist() == [0, 2, 4, 6, 8, 10]
    assert harmony.beat_steps(10, (4, 4)).tolist() == [0, 4, 8]


def test_c_major_triad_is_consonant_and_a_chord():
    triad = composition([(72, 0, 16)], [(67, 0, 16)], [(64, 0, 16)], [(48, 0, 16)])  # C G E C, a bar long
    assert harmony.consonant_beats(triad) == 1.0
    assert harmony.chord_fit(triad) == 1.0
    assert harmony.parallels_per_bar(triad) == 0.0


def test_cluster_is_dissonant_and_no_chord():
    cluster = composition([(62, 0, 16)], [(61, 0, 16)], [(60, 0, 16)])  # C C# D
    assert harmony.consonant_beats(cluster) == 0.0
    assert harmony.chord_fit(cluster) == 0.0


def test_seventh_chord_fits_but_is_not_consonant():
    g7 = composition([(65, 0, 16)], [(59, 0, 16)], [(55, 0, 16)], [(43, 0, 16)])  # G B F: a dominant seventh
    assert harmony.consonant_beats(g7) == 0.0  # B-F is a tritone, G-F a seventh
    assert harmony.chord_fit(g7) == 1.0


def test_one_foreign_note_needs_three_chord_tones():
    suspension = composition([(65, 0, 16)], [(64, 0, 16)], [(60, 0, 16)], [(55, 0, 16)])  # C E G + F
    assert harmony.fits_chord(np.isin(np.arange(12), [0, 4, 7, 5]))
    assert harmony.chord_fit(suspension) == 1.0
    # Two chord tones and a foreign one: C E + C# is inside no triad or seventh chord.
    assert not harmony.fits_chord(np.isin(np.arange(12), [0, 1, 4]))
    # (C E F# is: the half-diminished seventh F# A C E.)
    assert harmony.fits_chord(np.isin(np.arange(12), [0, 4, 6]))
    assert not harmony.fits_chord(np.isin(np.arange(12), [0, 1, 2, 3]))


def test_only_beats_with_two_notes_count():
    # Beat 1: a lone note (skipped); beat 2: C and D together (dissonant); beats 3 and 4: a C major third.
    music = composition([(60, 0, 4), (62, 4, 4), (64, 8, 8)], [(60, 4, 12)])
    assert harmony.consonant_beats(music) == pytest.approx(2 / 3)
    # Off-beat clashes do not count: a passing D at step 2 between two beats.
    passing = composition([(60, 0, 2), (62, 2, 2), (64, 4, 12)], [(48, 0, 16)])
    assert harmony.consonant_beats(passing) == 1.0
    assert np.isnan(harmony.consonant_beats(composition([(60, 0, 16)])))
    # Two notes an octave apart (one pitch class) are a beat with harmony: consonant, inside a chord.
    octave = composition([(72, 0, 16)], [(60, 0, 16)])
    assert (harmony.consonant_beats(octave), harmony.chord_fit(octave)) == (1.0, 1.0)


def test_the_meter_decides_the_beats():
    # A clash at step 6: the second beat of 6/8, but the middle of a beat in 3/4.
    music = composition([(60, 0, 6), (61, 6, 2), (64, 8, 4)], [(48, 0, 12)], steps=12)
    assert harmony.consonant_beats(music, (6, 8)) == 0.5
    assert harmony.consonant_beats(music, (3, 4)) == 1.0


def test_parallel_fifths_between_two_voices():
    # C-G, D-A, E-B: two parallel fifths in one bar of 4/4 (voices a fifth apart, moving up together).
    fifths = composition([(67, 0, 4), (69, 4, 4), (71, 8, 8)], [(60, 0, 4), (62, 4, 4), (64, 8, 8)])
    assert harmony.parallel_motions(fifths) == 2
    assert harmony.parallels_per_bar(fifths) == 2.0
    # Octaves apart by two octaves count too, and over 2 bars the rate halves.
    octaves = composition([(72, 0, 8), (74, 8, 24)], [(48, 0, 8), (50, 8, 24)], steps=32)
    assert harmony.parallels_per_bar(octaves) == 0.5


def test_contrary_and_oblique_motion_are_not_parallels():
    # C-G (a fifth) to D-F (a third) by contrary motion: none.
    contrary = composition([(67, 0, 8), (65, 8, 8)], [(60, 0, 8), (62, 8, 8)])
    assert harmony.parallel_motions(contrary) == 0
    # A fifth to a twelfth by contrary motion (G4->D5 up, C4->G3 down) is not a parallel...
    opposite = composition([(67, 0, 8), (74, 8, 8)], [(60, 0, 8), (55, 8, 8)])
    assert harmony.parallel_motions(opposite) == 0
    # ...while both voices falling a fourth, a fifth apart (G4->D4, C4->G3), is.
    falling = composition([(67, 0, 8), (62, 8, 8)], [(60, 0, 8), (55, 8, 8)])
    assert harmony.parallel_motions(falling) == 1
    # Parallel fourths and a held fifth (one voice still) are allowed.
    fourths = composition([(65, 0, 8), (67, 8, 8)], [(60, 0, 8), (62, 8, 8)])
    assert harmony.parallel_motions(fourths) == 0
    held = composition([(67, 0, 16)], [(60, 0, 8), (60, 8, 8)])
    assert harmony.parallel_motions(held) == 0


def test_reference_ranges_hold_the_chorales_typical_values():
    assert harmony.in_reference_range("consonant_beats", 0.75)
    assert not harmony.in_reference_range("consonant_beats", 0.4)
    assert harmony.in_reference_range("chord_fit", 1.0)
    assert set(harmony.evaluate_harmony(np.zeros((4, 16, 128), bool))) == set(harmony.HARMONY_NAMES)

"""Chord reading, progressions and cadences on hand-made rolls whose answers are known."""
import numpy as np
import pytest
from composerlab.music import progressions as pr

C_MAJOR = (0, "major")


def chords_in_c(*bars, beats_per_chord=4):
    """Four voices holding one chord per ``beats_per_chord`` quarter notes: each bar a (S, A, T, B) tuple of pitches."""
    step = 4 * beats_per_chord
    out = np.zeros((4, step * len(bars), 128), dtype=bool)
    for b, pitches in enumerate(bars):
        for v, pitch in enumerate(pitches):
            out[v, b * step:(b + 1) * step, pitch] = True
    return out


I, IV, V, V7, VI = (72, 67, 64, 48), (72, 69, 65, 53), (71, 67, 62, 55), (71, 65, 62, 55), (72, 69, 64, 57)
I_HIGH = (76, 67, 60, 48)  # the tonic with E on top: a new melody note after a C


def weights(*pitch_classes):
    return np.bincount(pitch_classes, minlength=12)


def test_read_chord_names_triads_and_sevenths():
    assert pr.read_chord(weights(0, 4, 7)) == pr.Chord(0, "major")
    assert pr.read_chord(weights(9, 0, 4)) == pr.Chord(9, "minor")
    assert pr.read_chord(weights(11, 2, 5)) == pr.Chord(11, "diminished")
    assert pr.read_chord(weights(7, 11, 2, 5)) == pr.Chord(7, "major")  # G7 reads as G major
    assert pr.read_chord(weights(0, 4, 7, 7, 0, 5)) == pr.Chord(0, "major")  # F passing over C major
    assert pr.read_chord(weights(0)) is None  # one pitch class is no chord


def test_bass_breaks_a_tie():
    # C and E alone fit C major and A minor equally: the bass decides.
    assert pr.read_chord(weights(0, 4), bass=0) == pr.Chord(0, "major")
    assert pr.read_chord(weights(0, 4), bass=9) == pr.Chord(9, "minor")


def test_beat_chords_and_changes():
    music = chords_in_c(I, IV, V7, I, beats_per_chord=2)
    chords = pr.beat_chords(music, (4, 4))
    assert [c.root for c in chords] == [0, 0, 5, 5, 7, 7, 0, 0]
    assert [c.root for c in pr.chord_changes(chords)] == [0, 5, 7, 0]
    # 3/4: one chord per beat of three.
    waltz = chords_in_c(I, V, I, beats_per_chord=1)
    assert [c.root for c in pr.beat_chords(waltz, (3, 4))] == [0, 7, 0]


def test_root_motions_count_intervals_between_changes():
    chords = pr.beat_chords(chords_in_c(I, IV, V, I))
    motions = pr.root_motions(chords)
    assert motions[5] == 2 and motions[2] == 1 and motions.sum() == 3  # C->F, G->C up a fourth; F->G a tone


def test_progression_counts_are_relative_to_the_key():
    chords = pr.beat_chords(chords_in_c(I, V))
    in_c = pr.progression_counts(chords, C_MAJOR)
    in_g = pr.progression_counts(chords, (7, "major"))
    assert in_c[pr.symbol(pr.Chord(0, "major"), 0), pr.symbol(pr.Chord(7, "major"), 0)] == 1
    assert in_g[pr.symbol(pr.Chord(0, "major"), 7), pr.symbol(pr.Chord(7, "major"), 7)] == 1
    assert pr.symbol(pr.Chord(7, "major"), 7) == 0  # G major is the tonic of G


def test_cross_entropy_is_low_for_the_reference_progressions():
    cadence = pr.beat_chords(chords_in_c(I, IV, V, I))
    table = pr.transition_table(pr.progression_counts(cadence, C_MAJOR) * 100)
    familiar = pr.progression_cross_entropy(cadence, C_MAJOR, table)
    strange = pr.progression_cross_entropy(pr.beat_chords(chords_in_c(I, VI, IV)), C_MAJOR, table)
    uniform = pr.progression_cross_entropy(cadence, C_MAJOR, pr.transition_table(np.zeros((48, 48))))
    assert familiar < 0.1
    assert uniform == pytest.approx(np.log2(pr.N_SYMBOLS))
    assert strange > 5
    assert np.isnan(pr.progression_cross_entropy(pr.beat_chords(chords_in_c(I)), C_MAJOR, table))


def test_distribution_distance():
    assert pr.distribution_distance([1, 0, 0], [2, 0, 0]) == 0.0
    assert pr.distribution_distance([1, 0], [0, 1]) == 1.0
    assert pr.distribution_distance([1, 1], [1, 0]) == 0.5
    assert np.isnan(pr.distribution_distance([0, 0], [1, 0]))


def melody(notes, steps):
    roll = np.zeros((steps, 128), dtype=np.uint8)
    for pitch, start, length in notes:
        roll[start:start + length, pitch] = 90 if start % 8 else 89  # neighbours apart
    return roll


def test_phrase_ends_from_held_notes():
    # Twinkle's first two phrases: six quarters and a half note, twice.
    line = [(p, 4 * i, 4) for i, p in enumerate([60, 60, 67, 67, 69, 69])] + [(67, 24, 8)]
    line += [(p, 32 + 4 * i, 4) for i, p in enumerate([65, 65, 64, 64, 62, 62])] + [(60, 56, 8)]
    assert pr.phrase_ends(melody(line, 64), (4, 4)).tolist() == [24, 56]
    # A rest after a note holds it too.
    with_rest = [(60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 2), (67, 20, 4), (65, 24, 4), (64, 28, 4)]
    assert pr.phrase_ends(melody(with_rest, 32), (4, 4)).tolist() == [12, 28]
    # Fermatas, when given, are the phrase ends (and the last note).
    assert pr.phrase_ends(melody(line, 64), (4, 4), fermatas=[12]).tolist() == [12, 56]
    assert pr.phrase_ends(np.zeros((16, 128)), (4, 4)).tolist() == []


def test_beat_length_per_meter():
    assert pr.beat_length((4, 4)) == 4 and pr.beat_length((3, 4)) == 4
    assert pr.beat_length((6, 8)) == 6 and pr.beat_length((2, 2)) == 8


def test_cadences_and_tonic_ending():
    music = chords_in_c(I, IV, V, I, IV, V, VI, I_HIGH, beats_per_chord=1)
    ends = [12, 20, 24, 28]  # on I after V, on V, on vi, on I after vi
    labels = pr.cadences(music, ends, C_MAJOR)
    assert labels == ["authentic", "half", "other", "tonic"]
    assert pr.cadence_rate(labels) == 0.75
    assert pr.ends_on_tonic(music, C_MAJOR)
    assert not pr.ends_on_tonic(music, (7, "major"))
    assert not pr.ends_on_tonic(chords_in_c(I, V), C_MAJOR)  # a half cadence at the end
    assert pr.cadences(np.zeros((4, 16, 128)), [0], C_MAJOR) == ["none"]


def test_evaluate_progressions_gathers_every_figure():
    music = chords_in_c(I, IV, V, I)
    table = pr.transition_table(pr.progression_counts(pr.beat_chords(music), C_MAJOR))
    figures = pr.evaluate_progressions(music, C_MAJOR, table, pr.root_motions(pr.beat_chords(music)))
    assert figures["root_motion_distance"] == 0.0
    assert figures["ends_on_tonic"] == 1.0
    assert figures["chord_changes"] == 4
    # The soprano holds C for two bars (a phrase end at step 0: a tonic, not reached from V), then B, then C
    # (the last note: an authentic cadence).
    assert figures["phrases"] == 2 and figures["cadence_rate"] == 1.0 and figures["authentic_rate"] == 0.5

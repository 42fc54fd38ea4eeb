"""Harmony measures on the beats: consonance, chord fit, parallel fifths and octaves.

A composition is a boolean (tracks, steps, 128) piano roll on the 16th-note grid, bar lines at steps
0, bar, 2 * bar...; a beat is the first step of each beat of the bar (:func:`beat_steps`), and only
beats where two or more notes sound count. Lab 03 shows them during training; ``bench/bench_gan.py``
and ``bench/bench_harmony.py`` report them.
"""
from __future__ import annotations

import numpy as np

from composerlab.music.pianoroll import STEPS_PER_BEAT, steps_per_bar

HARMONY_NAMES = ("consonant_beats", "chord_fit", "parallels_per_bar")
"""The measures :func:`evaluate_harmony` returns."""

DISSONANT_INTERVAL_CLASSES = (1, 2, 6)
"""Seconds and sevenths (interval classes 1 and 2, either way up) and the tritone (6)."""

CHORDS = {
    "major": (0, 4, 7), "minor": (0, 3, 7), "diminished": (0, 3, 6), "augmented": (0, 4, 8),
    "dominant seventh": (0, 4, 7, 10), "major seventh": (0, 4, 7, 11), "minor seventh": (0, 3, 7, 10),
    "half-diminished seventh": (0, 3, 6, 10), "diminished seventh": (0, 3, 6, 9),
}
"""Chord shapes above their root, in semitones: the four triads and five seventh chords."""

CHORALE_REFERENCE = {
    "consonant_beats": {"mean": 0.749, "p10": 0.646, "p90": 0.847},
    "chord_fit": {"mean": 0.956, "p10": 0.900, "p90": 1.000},
    "parallels_per_bar": {"mean": 0.013, "p10": 0.000, "p90": 0.067},
}
"""Mean, 10th and 90th percentile of each measure over the 355 whole four-voice 4/4 Bach chorales of
music21's corpus (one value per chorale). ``python bench/bench_harmony.py --reference`` measures them again;
an 8-bar excerpt varies more than a whole chorale (that bench prints the excerpts' ranges too)."""


def beat_steps(n_steps: int, time_signature: tuple[int, int] = (4, 4)) -> np.ndarray:
    """The steps that are beats in ``n_steps`` steps of ``time_signature``.

    A beat is one step, the first of each beat of the bar, where the notes sounding then (struck or held)
    make the chord a listener hears on that beat: in simple meters (x/4, x/2) one per quarter note (in
    4/4 steps 0, 4, 8, 12 of each 16-step bar; in 3/4 steps 0, 4, 8 of each 12-step bar); in compound
    meters (6/8, 9/8, 12/8) one per dotted quarter (steps 0 and 6 of a 6/8 bar); in other x/8 meters
    one per eighth note.
    """
    numerator, denominator = time_signature
    bar = steps_per_bar(time_signature)
    if denominator == 8 and numerator % 3 == 0 and numerator > 3:
        beat = 3 * STEPS_PER_BEAT // 2
    else:
        beat = 4 * STEPS_PER_BEAT // denominator
    beat = max(1, beat)
    in_bar = np.arange(0, bar, beat)
    bars = -(-n_steps // bar)
    steps = (np.arange(bars)[:, None] * bar + in_bar[None, :]).ravel()
    return steps[steps < n_steps]


def _bool(composition) -> np.ndarray:
    composition = np.asarray(composition) > 0
    return composition if composition.ndim == 3 else composition[None]


def _pitch_class_sets(composition: np.ndarray, time_signature) -> list[np.ndarray]:
    """Per beat with two or more notes sounding: the (12,) booleans of its pitch classes."""
    composition = _bool(composition)
    steps = beat_steps(composition.shape[1], time_signature)
    sounding = composition[:, steps].any(axis=0)  # (beats, 128): tracks merged, one voice per pitch
    notes = composition[:, steps].sum(axis=(0, 2))  # two tracks on one pitch are two notes
    out = []
    for beat, count in zip(sounding, notes):
        if count >= 2:
            classes = np.zeros(12, bool)
            classes[np.flatnonzero(beat) % 12] = True
            out.append(classes)
    return out


def is_consonant(classes: np.ndarray) -> bool:
    """Whether no two of the pitch classes (12 booleans) form a second, seventh or tritone."""
    present = np.flatnonzero(classes)
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            d = (b - a) % 12
            if min(d, 12 - d) in DISSONANT_INTERVAL_CLASSES:
                return False
    return True


def _chord_masks() -> np.ndarray:
    masks = []
    for shape in CHORDS.values():
        for root in range(12):
            mask = np.zeros(12, bool)
            mask[(root + np.array(shape)) % 12] = True
            masks.append(mask)
    return np.array(masks)


_CHORD_MASKS = _chord_masks()


def fits_chord(classes: np.ndarray) -> bool:
    """Whether the pitch classes fit inside one triad or seventh chord of :data:`CHORDS`.

    One foreign pitch class is allowed when at least three chord tones sound
    (a suspension or passing note over a full chord).
    """
    classes = np.asarray(classes, bool)
    inside = (_CHORD_MASKS & classes).sum(axis=1)
    outside = classes.sum() - inside
    return bool(((outside == 0) | ((outside == 1) & (inside >= 3))).any())


def consonant_beats(composition: np.ndarray, time_signature: tuple[int, int] = (4, 4)) -> float:
    """Share of beats (two or more notes sounding) free of seconds, sevenths and tritones; NaN without such beats.

    ``composition`` is (tracks, steps, 128) or one (steps, 128) track; every
    track sounds together (the melody included). Octaves are folded: C4 with
    D5 is a ninth, counted as a second.
    """
    sets = _pitch_class_sets(composition, time_signature)
    return float(np.mean([is_consonant(s) for s in sets])) if sets else float("nan")


def chord_fit(composition: np.ndarray, time_signature: tuple[int, int] = (4, 4)) -> float:
    """Share of beats (two or more notes sounding) whose pitch classes fit one chord (:func:`fits_chord`); NaN without such beats."""
    sets = _pitch_class_sets(composition, time_signature)
    return float(np.mean([fits_chord(s) for s in sets])) if sets else float("nan")


def _voice_line(track: np.ndarray) -> np.ndarray:
    """(steps,) the highest pitch sounding in a track at each step, -1 where it rests."""
    top = 127 - np.argmax(track[:, ::-1], axis=1)
    return np.where(track.any(axis=1), top, -1)


def parallel_motions(composition: np.ndarray) -> int:
    """Parallel fifths and octaves (unisons included) between every pair of tracks.

    Each track is read as one voice (its highest pitch where it holds a
    chord). A parallel is a step at which two voices that were a perfect fifth
    (or octave, or unison; compound intervals folded) apart both move, in the
    same direction, to the same perfect interval again. Voices that move one
    after the other, or one of which rests in between, are not counted.
    """
    composition = _bool(composition)
    lines = [_voice_line(track) for track in composition]
    count = 0
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            a, b = lines[i], lines[j]
            both = (a >= 0) & (b >= 0)
            step = both[:-1] & both[1:]
            move_a, move_b = np.diff(a), np.diff(b)
            same_way = step & (np.sign(move_a) == np.sign(move_b)) & (move_a != 0)
            before = np.abs(a[:-1] - b[:-1]) % 12
            after = np.abs(a[1:] - b[1:]) % 12
            perfect = ((before == 7) | (before == 0)) & (after == before)
            count += int(np.count_nonzero(same_way & perfect))
    return count


def parallels_per_bar(composition: np.ndarray, time_signature: tuple[int, int] = (4, 4)) -> float:
    """Parallel fifths and octaves (:func:`parallel_motions`) per bar; NaN for an empty roll."""
    composition = _bool(composition)
    bars = composition.shape[1] / steps_per_bar(time_signature)
    return float(parallel_motions(composition) / bars) if bars else float("nan")


def evaluate_harmony(composition: np.ndarray, time_signature: tuple[int, int] = (4, 4)) -> dict:
    """The three harmony measures of one composition, keyed by :data:`HARMONY_NAMES`."""
    return {
        "consonant_beats": consonant_beats(composition, time_signature),
        "chord_fit": chord_fit(composition, time_signature),
        "parallels_per_bar": parallels_per_bar(composition, time_signature),
    }


def in_reference_range(name: str, value: float, reference: dict | None = None) -> bool:
    """Whether ``value`` lies inside the 10th-90th percentile range of ``reference`` (the chorales')."""
    row = (reference or CHORALE_REFERENCE)[name]
    return bool(row["p10"] <= value <= row["p90"])

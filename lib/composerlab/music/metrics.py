"""Measurements of generated music, compared with the data it learned from.

A piano roll here is a boolean (steps, 128) array for one track, or (tracks, steps, 128) for a
composition whose first track is the melody. pypianoroll.metrics is used where it is right (pitches
used, polyphonic rate); where its 1.0.4 functions are not (empty beats, pitch-class folding, qualified
notes), ours say why beside each one. Introduced in lab 03; lab 04 compares the GAN's output with the
chorales.
"""
from __future__ import annotations

import numpy as np
import pypianoroll.metrics as ppm

from composerlab.music.harmony import HARMONY_NAMES, evaluate_harmony
from composerlab.music.key import estimate_key, scale_mask
from composerlab.music.pianoroll import STEPS_PER_BAR, STEPS_PER_BEAT

METRIC_NAMES = (
    "empty_bar_rate", "pitches_used", "pitch_classes_used", "qualified_note_rate",
    "polyphonic_rate", "in_scale_ratio", "tonal_distance",
) + HARMONY_NAMES
"""The per-composition metrics :func:`evaluate` returns, in table order (the harmony measures of
:mod:`composerlab.music.harmony` last)."""


def _bool(roll) -> np.ndarray:
    return np.asarray(roll) > 0


def chroma(roll: np.ndarray) -> np.ndarray:
    """(steps, 12) counts of sounding notes per pitch class (C = 0), folding all octaves."""
    roll = _bool(roll)
    padded = np.zeros(roll.shape[:-1] + (132,), dtype=np.int32)
    padded[..., :128] = roll
    return padded.reshape(roll.shape[:-1] + (11, 12)).sum(axis=-2)


def empty_bar_rate(roll: np.ndarray, steps_per_bar: int = STEPS_PER_BAR) -> float:
    """Share of bars in which the track plays nothing (0 = never silent).

    pypianoroll's ``empty_beat_rate`` returns the share of non-empty beats,
    hence our own.
    """
    roll = _bool(roll)
    bars = roll.shape[0] // steps_per_bar
    if bars == 0:
        return float("nan")
    sounding = roll[: bars * steps_per_bar].reshape(bars, -1).any(axis=1)
    return float(1.0 - sounding.mean())


def pitches_used(roll: np.ndarray) -> int:
    """Number of distinct pitches the track plays (pypianoroll's ``n_pitches_used``)."""
    return int(ppm.n_pitches_used(_bool(roll)))


def pitch_classes_used(roll: np.ndarray) -> int:
    """Number of distinct pitch classes (C, C#, ...) the track plays.

    pypianoroll's ``n_pitch_classes_used`` folds pitches into wrong groups (it reshapes 120 pitches to
    (12, 10) instead of (10, 12), so a "pitch class" there is 10 adjacent semitones), hence our own.
    """
    return int(np.count_nonzero(chroma(roll).any(axis=0)))


def pitch_classes_per_bar(roll: np.ndarray, steps_per_bar: int = STEPS_PER_BAR) -> float:
    """Mean number of distinct pitch classes in each non-empty bar."""
    roll = _bool(roll)
    bars = roll.shape[0] // steps_per_bar
    counts = [pitch_classes_used(roll[b * steps_per_bar: (b + 1) * steps_per_bar]) for b in range(bars)]
    counts = [c for c in counts if c]
    return float(np.mean(counts)) if counts else float("nan")


def note_lengths(roll: np.ndarray) -> np.ndarray:
    """Lengths in steps of every note (a run of one pitch) in the track."""
    roll = _bool(roll).astype(np.int8)
    padded = np.pad(roll, ((1, 1), (0, 0))).T  # pitch-major, so runs stay within a pitch
    diff = np.diff(padded, axis=1)
    onsets, offsets = np.nonzero(diff > 0), np.nonzero(diff < 0)
    return offsets[1] - onsets[1]


def qualified_note_rate(roll: np.ndarray, threshold: int = 2) -> float:
    """Share of notes at least ``threshold`` steps long (an 8th note at the default); NaN without notes.

    pypianoroll's version pairs onsets and offsets of different pitches, hence our own.
    """
    lengths = note_lengths(roll)
    return float(np.mean(lengths >= threshold)) if lengths.size else float("nan")


def polyphonic_rate(roll: np.ndarray, threshold: int = 2) -> float:
    """Share of steps with more than ``threshold`` pitches sounding (pypianoroll's, which is right)."""
    return float(ppm.polyphonic_rate(_bool(roll), threshold))


def _onset_pitches(roll: np.ndarray) -> np.ndarray:
    roll = _bool(roll)
    onsets = roll & ~np.pad(roll, ((1, 0), (0, 0)))[:-1]
    return np.nonzero(onsets)[1]


def in_scale_ratio(roll: np.ndarray, key: tuple[int, str]) -> float:
    """Share of notes (onsets, not steps) whose pitch class is in ``key``; NaN without notes.

    ``roll`` is one track (steps, 128) or several (tracks, steps, 128). The
    original lab measured against C major whatever the melody, and pypianoroll
    folds pitch classes wrongly; we measure against the melody's own key (see
    :func:`composerlab.music.key.estimate_key`).
    """
    roll = _bool(roll)
    tracks = roll if roll.ndim == 3 else roll[None]
    pitches = np.concatenate([_onset_pitches(t) for t in tracks])
    if pitches.size == 0:
        return float("nan")
    return float(scale_mask(key)[pitches % 12].mean())


def _tonal_matrix(radii=(1.0, 1.0, 0.5)) -> np.ndarray:
    r1, r2, r3 = radii
    pc = np.arange(12)
    return np.array([
        r1 * np.sin(pc * 7 * np.pi / 6), r1 * np.cos(pc * 7 * np.pi / 6),
        r2 * np.sin(pc * 3 * np.pi / 2), r2 * np.cos(pc * 3 * np.pi / 2),
        r3 * np.sin(pc * 2 * np.pi / 3), r3 * np.cos(pc * 2 * np.pi / 3),
    ])


def tonal_distance(roll_a: np.ndarray, roll_b: np.ndarray, resolution: int = STEPS_PER_BEAT) -> float:
    """Mean distance between two tracks' tonal centroids (Harte et al. 2006), beat by beat.

    0 means the two tracks outline the same harmony. Beats where either track
    is silent are skipped (pypianoroll divides by zero there and folds pitch
    classes wrongly). NaN when no beat has both.
    """
    beats = min(len(roll_a), len(roll_b)) // resolution
    centroids = []
    for roll in (roll_a, roll_b):
        c = chroma(_bool(roll)[: beats * resolution]).reshape(beats, resolution, 12).sum(axis=1).astype(float)
        centroids.append(c)
    both = (centroids[0].sum(1) > 0) & (centroids[1].sum(1) > 0)
    if not both.any():
        return float("nan")
    matrix = _tonal_matrix()
    points = [matrix @ (c[both] / c[both].sum(1, keepdims=True)).T for c in centroids]
    return float(np.linalg.norm(points[0] - points[1], axis=0).mean())


def evaluate(composition: np.ndarray, key: tuple[int, str] | None = None) -> dict:
    """All metrics of one composition: (tracks, steps, 128), the melody first.

    Per-track metrics (empty bars, pitches used, qualified notes, in-scale
    ratio) are taken over the accompaniment tracks (all but the melody), since
    the melody is given; polyphonic rate and pitch classes per bar over the
    whole texture; tonal distance averaged over every pair of tracks; the
    harmony measures (consonant beats, chord fit, parallels per bar, in 4/4:
    see :mod:`composerlab.music.harmony`) over every track, the melody included.
    ``key`` defaults to the melody's own (:func:`composerlab.music.key.estimate_key`).
    """
    composition = _bool(composition)
    melody, parts = composition[0], composition[1:]
    key = estimate_key(melody) if key is None else key
    merged = composition.any(axis=0)
    pairs = [(i, j) for i in range(len(composition)) for j in range(i + 1, len(composition))]
    return {
        "empty_bar_rate": float(np.mean([empty_bar_rate(p) for p in parts])),
        "pitches_used": float(np.mean([pitches_used(p) for p in parts])),
        "pitch_classes_used": pitch_classes_per_bar(merged),
        "qualified_note_rate": _qualified_over(parts),
        "polyphonic_rate": polyphonic_rate(merged),
        "in_scale_ratio": in_scale_ratio(parts, key),
        "tonal_distance": float(np.nanmean([tonal_distance(composition[i], composition[j]) for i, j in pairs])),
        **evaluate_harmony(composition),
    }


def _qualified_over(tracks: np.ndarray, threshold: int = 2) -> float:
    lengths = np.concatenate([note_lengths(t) for t in tracks])
    return float(np.mean(lengths >= threshold)) if lengths.size else float("nan")


def evaluate_many(compositions, keys=None) -> dict:
    """Mean of each metric over many compositions (NaNs skipped)."""
    return means([evaluate(c, None if keys is None else keys[i]) for i, c in enumerate(compositions)])


def means(rows: list[dict]) -> dict:
    """Each metric's mean over ``rows`` (one :func:`evaluate` each), NaNs skipped."""
    return {name: float(np.nanmean([r[name] for r in rows])) for name in METRIC_NAMES}

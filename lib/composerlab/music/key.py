"""Musical key: a piano roll's key (the Krumhansl-Schmuckler estimate), keys by name, and each key's scale.

A key is ``(tonic pitch class, mode)``: ``(7, "minor")`` is G minor. Every model and measure of the
kit reads keys through this module.
"""
from __future__ import annotations

import re

import music21
import numpy as np
import pypianoroll

MODES = ("major", "minor")
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
"""Krumhansl-Kessler key profiles (tonic first)."""
MAJOR_SCALE = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], bool)
# Minor keys count the raised leading note as in the key: Bach's minor
# cadences use it every time, and a minor melody "in key" uses it too.
MINOR_SCALE = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1], bool)
PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
"""How a tonic is written in a key's name: one spelling per pitch class (music21 spells a pitch class
alone as ``E-`` or ``G#``, with no key to choose between enharmonic names, so the kit fixes one)."""
_KEY_TEXT = re.compile(r"([A-G][#b]?) (major|minor)")


def pitch_class_histogram(roll: np.ndarray) -> np.ndarray:
    """(12,) how many steps each pitch class (C = 0) sounds in a (steps, 128) roll, all octaves folded."""
    counts = np.zeros(132, dtype=np.int64)
    counts[:128] = (np.asarray(roll) > 0).sum(axis=0)
    return counts.reshape(11, 12).sum(axis=0).astype(float)


def key_correlations(histogram: np.ndarray) -> np.ndarray:
    """(24,) Krumhansl-Schmuckler fit of a pitch-class histogram to every key: its correlation with the key's
    profile, index ``12 * mode + tonic`` (major 0-11, minor 12-23); nan for a flat histogram."""
    histogram = np.asarray(histogram, dtype=float)
    return np.array([np.corrcoef(histogram, np.roll(profile, tonic))[0, 1]
                     for profile in (MAJOR_PROFILE, MINOR_PROFILE) for tonic in range(12)])


def key_index(key: tuple[int, str]) -> int:
    """The index of ``key`` among the 24 keys, as :func:`key_correlations` orders them."""
    return 12 * MODES.index(key[1]) + key[0]


def key_at(index: int) -> tuple[int, str]:
    """The key at ``index`` among the 24 (:func:`key_index` the other way)."""
    return index % 12, MODES[index // 12]


def estimate_key(roll: np.ndarray) -> tuple[int, str]:
    """The key of a (steps, 128) roll (Krumhansl-Schmuckler on note durations): (tonic pitch class, mode).

    A roll without notes is in C major.
    """
    histogram = pitch_class_histogram(roll)
    if not histogram.any():
        return 0, "major"
    return key_at(int(np.argmax(key_correlations(histogram))))  # the first best, as C major for a flat histogram


def key_of_music(multitrack: pypianoroll.Multitrack) -> str:
    """The key of every pitched track together, by name ("C major"); "unknown" without notes."""
    rolls = [t.pianoroll for t in multitrack.tracks if not t.is_drum and t.pianoroll.any()]
    if not rolls:
        return "unknown"
    merged = np.zeros((max(r.shape[0] for r in rolls), 128), dtype=bool)
    for roll in rolls:
        merged[: roll.shape[0]] |= roll > 0
    return key_name(estimate_key(merged))


def key_name(key: tuple[int, str]) -> str:
    """(0, "major") -> "C major"."""
    return f"{PITCH_CLASS_NAMES[key[0]]} {key[1]}"


def parse_key(key) -> tuple[int, str]:
    """``"G minor"``, ``"Bb major"``, ``"C# minor"`` or ``(7, "minor")`` as (tonic pitch class, mode).

    A tonic is a letter A-G with an optional ``#`` or ``b``; music21 gives its pitch class.

    Raises
    ------
    ValueError
        For anything else, with how to write a key.
    """
    if isinstance(key, tuple) and len(key) == 2 and key[1] in MODES and isinstance(key[0], (int, np.integer)):
        return int(key[0]) % 12, key[1]
    found = _KEY_TEXT.fullmatch(key) if isinstance(key, str) else None
    if found is None:
        raise ValueError(f"{key!r} is not a key; write it as 'G minor' or 'Bb major'")
    return music21.pitch.Pitch(found.group(1)).pitchClass, found.group(2)


def scale_mask(key: tuple[int, str]) -> np.ndarray:
    """(12,) booleans: which pitch classes belong to ``key``."""
    tonic, mode = key
    return np.roll(MAJOR_SCALE if mode == "major" else MINOR_SCALE, tonic)


def pitches_in_key(key: tuple[int, str], lowest: int, n_pitches: int) -> np.ndarray:
    """(n_pitches,) booleans: which of the MIDI pitches ``lowest`` .. ``lowest + n_pitches - 1`` are in ``key``."""
    return scale_mask(key)[(lowest + np.arange(n_pitches)) % 12]


def key_tables() -> tuple[np.ndarray, np.ndarray]:
    """The 24 keys as matrices, for estimating keys in tensors: (24, 12) float32 profiles, centred and of
    unit length, so a histogram's correlation with each is a matrix product; and (24, 12) float32 scales.

    Rows in :func:`key_index` order (C..B major, then C..B minor), so ties break as in :func:`estimate_key`.
    """
    profiles, masks = [], []
    for index in range(24):
        tonic, mode = key_at(index)
        rolled = np.roll(MAJOR_PROFILE if mode == "major" else MINOR_PROFILE, tonic)
        centred = rolled - rolled.mean()
        profiles.append(centred / np.linalg.norm(centred))
        masks.append(scale_mask((tonic, mode)))
    return np.array(profiles, np.float32), np.array(masks, np.float32)

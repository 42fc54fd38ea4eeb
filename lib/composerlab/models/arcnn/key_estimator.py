"""The AR-CNN's key: what the network reads as a tune's key, and a small learned estimator of it.

The network reads a key beside the roll: each pitch class's weight in the tune (:func:`key_profile`).
On a tune a fifth of whose notes are wrong, the wrong notes pull that weight, and the usual key finder
(:func:`composerlab.music.key.estimate_key`) is misled too, so the edit loop gives the network the key
an estimator reads from traces a wrong note leaves (the last note, long notes, downbeats, semitone
neighbours), with the pitch classes outside its scale weighing a tenth (:func:`key_input`).

The estimator is a conditional logistic regression over the 24 keys: each candidate key reads the tune
from its tonic (:func:`key_features`) and scores it with one weight per feature, so a transposed tune
gets the transposed key. Its weights ship as ``data/models/arcnn_key.json``; they are fitted in
:mod:`composerlab.models.evaluation.arcnn_key`, on tunes detuned as the quality measure detunes them.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from composerlab.errors import ParameterError
from composerlab.models.corpora.chorales import LOWEST_PITCH
from composerlab.music.key import (
    MAJOR_PROFILE,
    MINOR_PROFILE,
    MODES,
    key_at,
    key_correlations,
    parse_key,
    scale_mask,
)
from composerlab.music.pianoroll import note_runs, steps_per_bar
from composerlab.paths import models_dir

LONG_NOTE = 8
"""A note of at least this many 16th-note steps (a half note) is a long note."""
OUTSIDE_WEIGHT = 0.1
"""In the key the network reads, the weight of a pitch class outside the estimated key's scale, against 1 inside."""
FILE = "arcnn_key.json"
"""The shipped estimator's weights, in ``data/models/``."""


def _notes(roll: np.ndarray) -> list[tuple[int, int, int]]:
    return sorted(note_runs(roll), key=lambda n: (n[1], n[0]))


def strong_beat(meter: tuple = (4, 4)) -> int:
    """Steps between strong beats in ``meter``: half a bar in 4/4 and 2/2 (beats 1 and 3 of 4/4) and in
    6/8 (its two dotted beats), else a whole bar (3/4, 2/4)."""
    bar = steps_per_bar(tuple(meter))
    return bar // 2 if tuple(meter) in ((4, 4), (2, 2), (6, 8)) else bar


def tune_features(roll: np.ndarray, meter: tuple = (4, 4)) -> np.ndarray:
    """(6, 12) pitch-class traces of a boolean (steps, 128) roll in ``meter``, from C.

    Rows: shares of sounding time, of notes, of notes starting on a strong beat (:func:`strong_beat`)
    and of long notes' time by pitch class; the first note's and the last note's pitch class
    (one-hot; with several notes at once, the lowest).
    """
    roll = np.asarray(roll, dtype=bool)
    out = np.zeros((6, 12))
    notes = _notes(roll)
    if not notes:
        return out
    pcs = np.array([p % 12 for p, _, _ in notes])
    lengths = np.array([e - s for _, s, e in notes], dtype=float)
    strong = np.array([s % strong_beat(meter) == 0 for _, s, _ in notes], dtype=float)
    for row, weights in enumerate((lengths, np.ones(len(notes)), strong, lengths * (lengths >= LONG_NOTE))):
        out[row] = np.bincount(pcs, weights=weights, minlength=12)
        out[row] /= max(out[row].sum(), 1e-9)
    out[4, notes[0][0] % 12] = 1.0
    last_start = max(s for _, s, _ in notes)
    out[5, min(p for p, s, _ in notes if s == last_start) % 12] = 1.0
    return out


def key_features(roll: np.ndarray, meter: tuple = (4, 4)) -> np.ndarray:
    """(24, n_features) features of each candidate key (index ``12 * mode + tonic``) of a tune in ``meter``,
    see the module text."""
    traces = tune_features(roll, meter)
    duration = traces[0]
    base = traces.shape[0] * 12 + 7
    out = np.zeros((24, 2 * base))
    # each key's fit to the tune as it is (Krumhansl's), and to the tune with its out-of-key time moved back
    # a semitone
    as_is = key_correlations(duration) if duration.std() > 0 else np.zeros(24)
    for m, (mode, profile) in enumerate(zip(MODES, (MAJOR_PROFILE, MINOR_PROFILE))):
        for tonic in range(12):
            rotated = np.roll(traces, -tonic, axis=1).ravel()
            mended = repaired(duration, scale_mask((tonic, mode)))
            fits = [as_is[12 * m + tonic],
                    np.corrcoef(mended, np.roll(profile, tonic))[0, 1] if mended.std() > 0 else 0.0]
            out[12 * m + tonic, m * base: (m + 1) * base] = np.concatenate(
                [rotated, fits, outweighed(traces[0], (tonic, mode)), outweighed(traces[1], (tonic, mode)), [1.0]])
    return out


def repaired(profile: np.ndarray, scale: np.ndarray, keep: float = 0.0) -> np.ndarray:
    """A pitch-class ``profile`` with each out-of-``scale`` class's weight moved to its in-scale semitone neighbours.

    What the profile of a tune detuned by semitones would be with its wrong notes put back, if
    ``scale`` is its key's (``keep``: share left where it was).
    """
    profile = np.asarray(profile, float)
    out = np.where(scale, profile, keep * profile)
    for pc in np.flatnonzero(~scale):
        near = [(pc + d) % 12 for d in (-1, 1) if scale[(pc + d) % 12]]
        for q in near:
            out[q] += (1 - keep) * profile[pc] / len(near)
    return out


def outweighed(profile: np.ndarray, key: tuple[int, str]) -> list[float]:
    """How far the out-of-key pitch classes of ``profile`` outweigh their in-key semitone neighbours.

    A note moved a semitone out of the key leaves most notes of its pitch where they were, so in the
    right key an out-of-key class weighs less than the in-key classes beside it; under a wrong key
    that shares most of its scale (the parallel or relative key) one of the tune's own classes
    counts as out of key and outweighs them. Returns (summed excess weight, classes that outweigh).
    """
    scale = scale_mask(key)
    excess = []
    for pc in np.flatnonzero(~scale):
        near = sum(profile[(pc + d) % 12] for d in (-1, 1) if scale[(pc + d) % 12])
        excess.append(max(0.0, profile[pc] - near))
    return [float(sum(excess)), float(sum(e > 0 for e in excess))]


class KeyEstimator:
    """Scores the 24 keys of a tune with one weight per feature (see :func:`key_features`).

    Parameters
    ----------
    weights : ndarray
        (n_features,) weights, fitted by :func:`composerlab.models.evaluation.arcnn_key.train_estimator`, or :meth:`load`.
    info : dict
        What its training measured, saved beside the weights.
    """

    def __init__(self, weights: np.ndarray, info: dict | None = None):
        self.weights = np.asarray(weights, dtype=float)
        self.info = info or {}

    def scores(self, roll: np.ndarray, meter: tuple = (4, 4)) -> np.ndarray:
        """(24,) scores of the keys (index ``12 * mode + tonic``) for a boolean (steps, 128) roll in ``meter``."""
        return key_features(roll, meter) @ self.weights

    def estimate(self, roll: np.ndarray, meter: tuple = (4, 4)) -> tuple[int, str]:
        """The key of ``roll``: (tonic pitch class, "major" or "minor"), as :func:`~composerlab.music.key.estimate_key`
        gives it."""
        if not np.asarray(roll).any():
            return 0, "major"
        return key_at(int(np.argmax(self.scores(roll, meter))))

    def save(self, path: Path) -> None:
        """Write the weights and ``info`` to a JSON file."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps({**self.info, "weights": self.weights.round(6).tolist()}, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "KeyEstimator":
        """An estimator saved by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        return cls(np.array(data.pop("weights")), data)


@lru_cache(maxsize=4)
def load_estimator(path: str | None = None) -> KeyEstimator:
    """The shipped estimator (``data/models/arcnn_key.json``) or one saved at ``path``; cached."""
    return KeyEstimator.load(Path(path) if path else models_dir() / FILE)


def estimate_tune_key(roll: np.ndarray, meter: tuple = (4, 4)) -> tuple[int, str]:
    """The key of a melody in ``meter`` that may hold wrong notes, by the shipped estimator: (tonic,
    "major" / "minor")."""
    return load_estimator().estimate(roll, meter)


def key_input(profile: np.ndarray, scale: np.ndarray, weight: float = OUTSIDE_WEIGHT) -> np.ndarray:
    """The key the network reads: (12,) ``profile`` weights, those outside ``scale`` times ``weight``, summing to 1.

    ``profile`` is a tune's pitch-class weights (as :func:`key_profile` gives), ``scale`` the estimated
    key's 12 booleans: the wrong notes the tune holds no longer pull the network towards another key.
    """
    profile = np.asarray(profile, float).ravel()
    out = profile * np.where(np.asarray(scale, bool), 1.0, weight)
    return out / max(out.sum(), 1e-9)


def key_profile(rolls: np.ndarray, lowest_pitch: int = LOWEST_PITCH) -> np.ndarray:
    """What the network reads as the key of (n, steps, pitches) rolls: (n, 12) weights by pitch class.

    The same measure as the network's own key input: each cell that continues a note counts 1, each
    sounding cell 0.25 more, folded to pitch classes (scaled inside the network to sum to 12).
    """
    rolls = np.asarray(rolls, dtype=np.float32)
    cells = (rolls[:, 1:] * rolls[:, :-1]).sum(axis=1) + 0.25 * rolls.sum(axis=1)
    fold = np.zeros((rolls.shape[-1], 12), np.float32)
    fold[np.arange(rolls.shape[-1]), (lowest_pitch + np.arange(rolls.shape[-1])) % 12] = 1.0
    return cells @ fold


def scale_of(key, roll: np.ndarray, meter: tuple = (4, 4)):
    """The (12,) scale of ``key`` (see ``key`` in :func:`composerlab.models.arcnn.generate.edit`): estimated
    from ``roll`` (in ``meter``) by the estimator for "estimate", given otherwise; None for None."""
    if key is None:
        return None
    if isinstance(key, str) and key == "estimate":
        return scale_mask(estimate_tune_key(roll, meter))
    try:
        return scale_mask(parse_key(key))
    except ValueError:
        raise ParameterError("key", f"must be 'estimate', None or a key such as 'G minor', got {key!r}") from None


def key_shares(x: np.ndarray, lowest_pitch: int) -> np.ndarray:
    """The key the network reads from roll ``x`` (see :func:`key_profile`), summing to 1."""
    profile = key_profile(x[None], lowest_pitch)
    return profile / max(float(profile.sum()), 1e-6)

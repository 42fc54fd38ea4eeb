"""The key of a tune a fifth of whose notes are wrong: a small learned key estimator.

The AR-CNN repairs a detuned tune well when it reads the tune's right key
(see the model card), but the usual key finder (Krumhansl-Schmuckler, in
:func:`composerlab.music.metrics.estimate_key`) is misled by the wrong
notes: with 20% of the notes a semitone out of the key it names the clean
tune's key in about half of the tunes. A wrong note moved a semitone leaves
other traces, though: the tune still ends on its tonic, its long notes and
downbeats are mostly right, and the moved notes sit a semitone beside a
pitch class the tune uses a lot. This module weighs such traces.

The estimator is a conditional logistic regression over the 24 keys: for
each candidate key it reads the tune from that key's tonic (the pitch-class
shares of its sounding time, of its notes, of its downbeats and of its long
notes; the pitch classes of its first and last notes; the Krumhansl
correlation), scores it with one weight per feature and mode, and names the
key that scores highest. So a tune transposed gives the same key
transposed. It is trained (:func:`train`) on melodies detuned the way the
quality measure detunes a tune, labelled with the key of the clean melody;
the training tunes are the training chorales' four voices and folk tunes
from other books than the bench's (:data:`TRAIN_BOOKS`). At inference it
reads only the detuned music.

Used by :func:`composerlab.models.arcnn.generate.edit` for the key the
network reads (:func:`key_input`). Retrain (seconds)::

    python -m composerlab.models.arcnn.keys            # writes out/models/arcnn_key.json
    python -m composerlab.models.arcnn.keys --install  # and replaces the shipped one

Introduced in lab 05.
"""
from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from composerlab.music import metrics

MODES = ("major", "minor")
TRAIN_BOOKS = ("essenFolksong/altdeu20.abc", "essenFolksong/ballad20.abc", "essenFolksong/ballad30.abc",
               "essenFolksong/boehme10.abc", "essenFolksong/erk10.abc", "essenFolksong/han1.abc",
               "essenFolksong/kinder0.abc", "oneills1850/0101-0200.abc", "oneills1850/0201-0300.abc",
               "oneills1850/0301-0350.abc", "oneills1850/0351-0400.abc")
"""Corpus books of the estimator's folk tunes (40 each): none of the bench's (:data:`~composerlab.models.arcnn.quality.FOLK_BOOKS`)
nor of the 40 other tunes the card checks on (``ballad10``, ``0051-0100``)."""
CHECK_BOOKS = ("essenFolksong/ballad10.abc", "oneills1850/0051-0100.abc")
"""Folk tunes (20 of each) used to choose the estimator's settings, never trained on."""
LONG_NOTE = 8
"""A note of at least this many 16th-note steps (a half note) is a long note."""
OUTSIDE_WEIGHT = 0.1
"""In the key the network reads, the weight of a pitch class outside the estimated key's scale, against 1 inside."""
FILE = "arcnn_key.json"
"""The shipped estimator's weights, in ``data/models/``."""


def _notes(roll: np.ndarray) -> list[tuple[int, int, int]]:
    from composerlab.models.arcnn.data import note_runs

    return sorted(note_runs(roll), key=lambda n: (n[1], n[0]))


def tune_features(roll: np.ndarray) -> np.ndarray:
    """(6, 12) pitch-class traces of a boolean (steps, 128) roll, from C.

    Rows: shares of sounding time, of notes, of notes starting on a strong beat (beats 1 and 3 of
    a 4/4 bar) and of long notes' time by pitch class; the first note's and the last note's pitch
    class (one-hot; with several notes at once, the lowest).
    """
    roll = np.asarray(roll, dtype=bool)
    out = np.zeros((6, 12))
    notes = _notes(roll)
    if not notes:
        return out
    pcs = np.array([p % 12 for p, _, _ in notes])
    lengths = np.array([e - s for _, s, e in notes], dtype=float)
    strong = np.array([s % 8 == 0 for _, s, _ in notes], dtype=float)
    for row, weights in enumerate((lengths, np.ones(len(notes)), strong, lengths * (lengths >= LONG_NOTE))):
        out[row] = np.bincount(pcs, weights=weights, minlength=12)
        out[row] /= max(out[row].sum(), 1e-9)
    out[4, notes[0][0] % 12] = 1.0
    last_start = max(s for _, s, _ in notes)
    out[5, min(p for p, s, _ in notes if s == last_start) % 12] = 1.0
    return out


def key_features(roll: np.ndarray) -> np.ndarray:
    """(24, n_features) features of each candidate key (index ``12 * mode + tonic``), see the module text."""
    traces = tune_features(roll)
    duration = traces[0]
    base = traces.shape[0] * 12 + 7
    out = np.zeros((24, 2 * base))
    # each key's fit to the tune as it is (Krumhansl's), and to the tune with its out-of-key time moved back
    # a semitone
    as_is = metrics.key_correlations(duration) if duration.std() > 0 else np.zeros(24)
    for m, (mode, profile) in enumerate(zip(MODES, (metrics.MAJOR_PROFILE, metrics.MINOR_PROFILE))):
        for tonic in range(12):
            rotated = np.roll(traces, -tonic, axis=1).ravel()
            mended = repaired(duration, metrics.scale_mask((tonic, mode)))
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
    scale = metrics.scale_mask(key)
    excess = []
    for pc in np.flatnonzero(~scale):
        near = sum(profile[(pc + d) % 12] for d in (-1, 1) if scale[(pc + d) % 12])
        excess.append(max(0.0, profile[pc] - near))
    return [float(sum(excess)), float(sum(e > 0 for e in excess))]


def _key_of(index: int) -> tuple[int, str]:
    return index % 12, MODES[index // 12]


def _index_of(key: tuple[int, str]) -> int:
    return 12 * MODES.index(key[1]) + key[0]


class KeyEstimator:
    """Scores the 24 keys of a tune with one weight per feature (see :func:`key_features`).

    Parameters
    ----------
    weights : ndarray
        (n_features,) weights, from :func:`fit` or :meth:`load`.
    info : dict
        What :func:`train` measured, saved beside the weights.
    """

    def __init__(self, weights: np.ndarray, info: dict | None = None):
        self.weights = np.asarray(weights, dtype=float)
        self.info = info or {}

    def scores(self, roll: np.ndarray) -> np.ndarray:
        """(24,) scores of the keys (index ``12 * mode + tonic``) for a boolean (steps, 128) roll."""
        return key_features(roll) @ self.weights

    def estimate(self, roll: np.ndarray) -> tuple[int, str]:
        """The key of ``roll``: (tonic pitch class, "major" or "minor"), as :func:`metrics.estimate_key` gives."""
        if not np.asarray(roll).any():
            return 0, "major"
        return _key_of(int(np.argmax(self.scores(roll))))

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
    from composerlab.paths import models_dir

    return KeyEstimator.load(Path(path) if path else models_dir() / FILE)


def estimate_key(roll: np.ndarray) -> tuple[int, str]:
    """The key of a melody that may hold wrong notes, by the shipped estimator: (tonic, "major" / "minor")."""
    return load_estimator().estimate(roll)


def parse_key(key) -> tuple[int, str]:
    """``"G minor"``, ``"Bb major"`` or ``(7, "minor")`` as (tonic pitch class, mode); ValueError otherwise."""
    if isinstance(key, tuple) and len(key) == 2 and key[1] in MODES and isinstance(key[0], (int, np.integer)):
        return int(key[0]) % 12, key[1]
    names = {name: pc for pc, name in enumerate(metrics.PITCH_CLASS_NAMES)}
    names.update({"Db": 1, "D#": 3, "Gb": 6, "G#": 8, "A#": 10, "Cb": 11, "B#": 0, "Fb": 4, "E#": 5})
    parts = key.split() if isinstance(key, str) else []
    if len(parts) != 2 or parts[0] not in names or parts[1] not in MODES:
        raise ValueError(f"{key!r} is not a key; write it as 'G minor' or 'Bb major'")
    return names[parts[0]], parts[1]


def key_input(profile: np.ndarray, scale: np.ndarray, weight: float = OUTSIDE_WEIGHT) -> np.ndarray:
    """The key the network reads: (12,) ``profile`` weights, those outside ``scale`` times ``weight``, summing to 1.

    ``profile`` is a tune's pitch-class weights (as :func:`~composerlab.models.arcnn.network.key_profile`
    gives), ``scale`` the estimated key's 12 booleans: the wrong notes the tune holds no longer
    pull the network towards another key.
    """
    profile = np.asarray(profile, float).ravel()
    out = profile * np.where(np.asarray(scale, bool), 1.0, weight)
    return out / max(out.sum(), 1e-9)


def training_tunes() -> tuple[list, int]:
    """The estimator's training melodies, 8-bar (128, 128) rolls, and how many are chorale voices.

    Every voice of every training chorale (the AR-CNN's split: never a validation chorale), cut
    into 8-bar windows every 4 bars, and 40 tunes of each book in :data:`TRAIN_BOOKS`.
    """
    from composerlab.models.arcnn.quality import folk_tunes
    from composerlab.models.gan import data as chorales

    rolls = []
    for chorale in chorales.load_chorales():
        if chorales.is_validation(chorale.name):
            continue
        for voice in chorale.roll:
            for start in range(0, max(1, voice.shape[0] - 127), 64):
                window = voice[start: start + 128]
                if window.any():
                    rolls.append(np.pad(window, ((0, 128 - window.shape[0]), (0, 0))))
    n_chorale = len(rolls)
    for book in TRAIN_BOOKS:
        rolls += list(folk_tunes(40, books=(book,)).values())
    return rolls, n_chorale


def detuned_examples(rolls, copies: int = 3, share=(0.1, 0.3), clean_share: float = 0.2, seed: int = 0):
    """(features (n, 24, F), labels (n,)): each roll ``copies`` times, detuned as the quality measure does.

    The label is the clean roll's key (Krumhansl, as the measure reads it); in ``clean_share`` of the
    copies nothing is moved, so the estimator keeps finding the key of clean tunes.
    """
    from composerlab.models.arcnn.quality import detune

    rng = np.random.default_rng(seed)
    features, labels = [], []
    for roll in rolls:
        key = metrics.estimate_key(roll)
        for _ in range(copies):
            moved = 0.0 if rng.random() < clean_share else rng.uniform(*share)
            detuned = detune(roll, key, moved, int(rng.integers(2 ** 31)))[0] if moved else roll
            features.append(key_features(detuned))
            labels.append(_index_of(key))
    return np.stack(features), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """Weights of the conditional logistic regression: softmax over the 24 keys, cross-entropy (+ L2)."""
    from scipy.optimize import minimize

    n = len(labels)

    def loss(w):
        scores = features @ w
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        p /= p.sum(axis=1, keepdims=True)
        value = -np.log(p[np.arange(n), labels] + 1e-12).mean() + l2 * w @ w
        p[np.arange(n), labels] -= 1.0
        grad = np.einsum("nk,nkf->f", p, features) / n + 2 * l2 * w
        return value, grad

    return minimize(loss, np.zeros(features.shape[2]), jac=True, method="L-BFGS-B").x


def accuracy(estimator, rolls, seed: int = 0, share: float = 0.2) -> float:
    """Share of ``rolls`` whose clean key (Krumhansl) the estimator names, the i-th detuned by ``share``
    with seed ``seed + i`` as the bench does (0: the clean rolls)."""
    from composerlab.models.arcnn.quality import detune

    hits = []
    for i, roll in enumerate(rolls):
        key = metrics.estimate_key(roll)
        detuned = detune(roll, key, share, seed + i)[0] if share else roll
        hits.append(estimator.estimate(detuned) == key)
    return float(np.mean(hits))


def train(copies: int = 3, seed: int = 0) -> KeyEstimator:
    """Fit an estimator on :func:`training_tunes`, detuned ``copies`` times each; measure it on :data:`CHECK_BOOKS`."""
    from composerlab.models.arcnn.quality import folk_tunes

    started = time.perf_counter()
    rolls, n_chorale = training_tunes()
    features, labels = detuned_examples(rolls, copies, seed=seed)
    weights = fit(features, labels)
    estimator = KeyEstimator(weights)
    check = list(folk_tunes(20, books=CHECK_BOOKS).values())
    estimator.info = {
        "training_tunes": {"chorale_voice_windows": n_chorale, "folk_tunes": len(rolls) - n_chorale,
                           "folk_books": list(TRAIN_BOOKS)},
        "copies": copies, "seed": seed, "examples": int(len(labels)),
        "check_books": list(CHECK_BOOKS),
        "check_accuracy_clean": accuracy(estimator, check, share=0),
        "check_accuracy_detuned": float(np.mean([accuracy(estimator, check, seed=s) for s in (0, 100, 200)])),
        "seconds": round(time.perf_counter() - started, 1),
        "command": "python -m composerlab.models.arcnn.keys",
    }
    return estimator


def main(argv=None) -> int:
    import argparse
    import shutil

    from composerlab.paths import models_dir, out_dir

    parser = argparse.ArgumentParser(description="Train the AR-CNN's key estimator for detuned tunes.")
    parser.add_argument("--copies", type=int, default=3, help="detuned copies of each training tune")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--install", action="store_true", help=f"replace the shipped data/models/{FILE}")
    args = parser.parse_args(argv)
    estimator = train(args.copies, args.seed)
    path = out_dir() / "models" / FILE
    estimator.save(path)
    print(f"wrote {path}: {estimator.info['examples']} examples in {estimator.info['seconds']} s; check tunes: "
          f"{estimator.info['check_accuracy_clean']:.0%} clean, {estimator.info['check_accuracy_detuned']:.0%} detuned")
    if args.install:
        shutil.copyfile(path, models_dir() / FILE)
        print(f"installed {models_dir() / FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

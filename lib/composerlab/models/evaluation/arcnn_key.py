"""The AR-CNN's key estimator fitted on tunes detuned as the repair measure detunes them, and measured.

:func:`train_estimator` fits :class:`~composerlab.models.arcnn.key_estimator.KeyEstimator` on the
voices of the training chorales (8-bar windows, 4/4) and the whole tunes of the folk books the AR-CNN
learns from, each in its own meter, detuned as :func:`composerlab.models.evaluation.arcnn.detune`
detunes a tune; it is measured on the tunes of :data:`~composerlab.models.evaluation.arcnn.CHECK_BOOKS`.
From a terminal: ``python -m composerlab.models.evaluation.arcnn_key [--install]``.
"""
from __future__ import annotations

import argparse
import shutil
import time

import numpy as np
from scipy.optimize import minimize

from composerlab.models.arcnn.key_estimator import FILE, KeyEstimator, key_features
from composerlab.models.corpora.chorales import load_chorales
from composerlab.models.corpora.folk import book_files, parse_book
from composerlab.models.corpora.split import is_validation
from composerlab.models.evaluation.arcnn import CHECK_BOOKS, TRAIN_BOOKS, detune_roll
from composerlab.music.key import estimate_key, key_index
from composerlab.paths import models_dir, out_dir


def tune_rolls(books, per_book: int | None = None) -> list[tuple[np.ndarray, tuple]]:
    """(boolean (steps, 128) roll, meter) of the whole tunes of ``books`` (the first ``per_book`` of each)."""
    files = dict(book_files())
    out = []
    for book in books:
        for tune in parse_book(book, files[book])[:per_book]:
            end = int((tune.notes[:, 0] + tune.notes[:, 2]).max())
            roll = np.zeros((end, 128), bool)
            for start, pitch, length in tune.notes:
                roll[start: start + length, pitch] = True
            out.append((roll, tuple(tune.meter)))
    return out


def estimator_tunes(per_book: int = 60) -> tuple[list, int]:
    """The estimator's training melodies as (roll, meter), and how many are chorale voices.

    Every voice of every training chorale (the AR-CNN's split: never a validation chorale), cut
    into 8-bar windows every 4 bars, and the first ``per_book`` tunes of each book of
    :data:`~composerlab.models.evaluation.arcnn.TRAIN_BOOKS`, whole, in their meters.
    """
    rolls = []
    for chorale in load_chorales():
        if is_validation(chorale.name):
            continue
        for voice in chorale.roll:
            for start in range(0, max(1, voice.shape[0] - 127), 64):
                window = voice[start: start + 128]
                if window.any():
                    rolls.append((np.pad(window, ((0, 128 - window.shape[0]), (0, 0))), (4, 4)))
    n_chorale = len(rolls)
    return rolls + tune_rolls(TRAIN_BOOKS, per_book), n_chorale


def detuned_examples(items, copies: int = 3, share=(0.1, 0.3), clean_share: float = 0.2, seed: int = 0):
    """(features (n, 24, F), labels (n,)): each (roll, meter) ``copies`` times, detuned as the measure does.

    The label is the clean roll's key (Krumhansl, as the measure reads it); in ``clean_share`` of the
    copies nothing is moved, so the estimator keeps finding the key of clean tunes.
    """
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for roll, meter in items:
        key = estimate_key(roll)
        for _ in range(copies):
            moved = 0.0 if rng.random() < clean_share else rng.uniform(*share)
            detuned = detune_roll(roll, key, moved, int(rng.integers(2 ** 31))) if moved else roll
            features.append(key_features(detuned, meter))
            labels.append(key_index(key))
    return np.stack(features), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """Weights of the conditional logistic regression: softmax over the 24 keys, cross-entropy (+ L2)."""
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


def accuracy(estimator, items, seed: int = 0, share: float = 0.2) -> float:
    """Share of (roll, meter) ``items`` whose clean key (Krumhansl) the estimator names, the i-th detuned by
    ``share`` with seed ``seed + i`` as the bench does (0: the clean rolls)."""
    hits = []
    for i, (roll, meter) in enumerate(items):
        key = estimate_key(roll)
        detuned = detune_roll(roll, key, share, seed + i) if share else roll
        hits.append(estimator.estimate(detuned, meter) == key)
    return float(np.mean(hits))


def train_estimator(copies: int = 3, seed: int = 0, per_book: int = 60) -> KeyEstimator:
    """Fit a key estimator on :func:`estimator_tunes`, detuned ``copies`` times each; measure it on 20 tunes of
    each of :data:`~composerlab.models.evaluation.arcnn.CHECK_BOOKS`."""
    started = time.perf_counter()
    items, n_chorale = estimator_tunes(per_book)
    features, labels = detuned_examples(items, copies, seed=seed)
    estimator = KeyEstimator(fit(features, labels))
    check = tune_rolls(CHECK_BOOKS, 20)
    estimator.info = {
        "training_tunes": {"chorale_voice_windows": n_chorale, "folk_tunes": len(items) - n_chorale,
                           "folk_books": list(TRAIN_BOOKS), "per_book": per_book},
        "copies": copies, "seed": seed, "examples": int(len(labels)),
        "check_books": list(CHECK_BOOKS), "check_tunes": len(check),
        "check_accuracy_clean": accuracy(estimator, check, share=0),
        "check_accuracy_detuned": float(np.mean([accuracy(estimator, check, seed=s) for s in (0, 100, 200)])),
        "seconds": round(time.perf_counter() - started, 1),
        "command": "python -m composerlab.models.evaluation.arcnn_key",
    }
    return estimator


def main(argv=None) -> int:
    """``python -m composerlab.models.evaluation.arcnn_key``: train the key estimator (``--install``: ship it)."""
    parser = argparse.ArgumentParser(description="Train the AR-CNN's key estimator for detuned tunes.")
    parser.add_argument("--copies", type=int, default=3, help="detuned copies of each training tune")
    parser.add_argument("--per-book", type=int, default=60, help="tunes of each folk book")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--install", action="store_true", help=f"replace the shipped data/models/{FILE}")
    args = parser.parse_args(argv)
    estimator = train_estimator(args.copies, args.seed, args.per_book)
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

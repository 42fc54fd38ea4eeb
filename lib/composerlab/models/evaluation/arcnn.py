"""How well the AR-CNN edits, and the key estimator fitted to the same detuned tunes.

Two measurements on melodies the network never trained on (the validation chorales' sopranos and folk
tunes): **fixing wrong notes** (:func:`fix_report`: 20% of a tune's notes moved a semitone out of its
key, a default edit, the out-of-key notes before and after) and **adding notes** (:func:`addition_report`:
are the added notes in the key, are the beats consonant). The key estimator the edit loop reads
(:mod:`composerlab.models.arcnn.key_estimator`) is fitted on tunes detuned the same way
(:func:`train_estimator`; ``python -m composerlab.models.evaluation.arcnn [--install]``).
Used by ``bench/bench_arcnn.py`` and lab 05.
"""
from __future__ import annotations

import argparse
import shutil
import time

import numpy as np
from scipy.optimize import minimize

from composerlab.models.arcnn.generate import edit_roll
from composerlab.models.arcnn.key_estimator import FILE, KeyEstimator, estimate_tune_key, key_features
from composerlab.models.corpora.chorales import load_chorales
from composerlab.models.corpora.folk import folk_tunes
from composerlab.models.corpora.split import is_validation
from composerlab.music.harmony import consonant_beats
from composerlab.music.key import estimate_key, key_index, key_name, scale_mask
from composerlab.music.metrics import in_scale_ratio
from composerlab.music.pianoroll import DEFAULT_BARS, STEPS_PER_BAR, note_runs
from composerlab.paths import models_dir, out_dir

TRAIN_BOOKS = ("essenFolksong/altdeu20.abc", "essenFolksong/ballad20.abc", "essenFolksong/ballad30.abc",
               "essenFolksong/boehme10.abc", "essenFolksong/erk10.abc", "essenFolksong/han1.abc",
               "essenFolksong/kinder0.abc", "oneills1850/0101-0200.abc", "oneills1850/0201-0300.abc",
               "oneills1850/0301-0350.abc", "oneills1850/0351-0400.abc")
"""Corpus books of the estimator's folk tunes (40 each): none of the bench's
(:data:`~composerlab.models.corpora.folk.BENCH_BOOKS`) nor of :data:`CHECK_BOOKS`."""
CHECK_BOOKS = ("essenFolksong/ballad10.abc", "oneills1850/0051-0100.abc")
"""Folk tunes (20 of each) used to choose the estimator's settings, never trained on."""


def chorale_sopranos(limit: int | None = None) -> dict[str, np.ndarray]:
    """The first 8 bars of each validation chorale's soprano (never trained on): name -> roll."""
    out = {}
    for chorale in load_chorales(limit):
        if is_validation(chorale.name):
            roll = chorale.roll[0, : DEFAULT_BARS * STEPS_PER_BAR]
            out[chorale.name] = np.pad(roll, ((0, DEFAULT_BARS * STEPS_PER_BAR - roll.shape[0]), (0, 0)))
    return out


def detune(roll: np.ndarray, key, share: float = 0.2, seed: int = 0):
    """Move ``share`` of the notes a semitone out of ``key``; return (roll, moved notes, untouched notes).

    Only in-key notes with a semitone neighbour outside the key are moved
    (in a minor key the leading note has none: both its neighbours are in
    the scale); a note with two such neighbours goes up or down at random.
    """
    rng = np.random.default_rng(seed)
    scale = scale_mask(key)
    notes = note_runs(roll)
    candidates = [i for i, (p, _, _) in enumerate(notes)
                  if scale[p % 12] and not (scale[(p - 1) % 12] and scale[(p + 1) % 12])]
    chosen = set(rng.choice(candidates, min(len(candidates), int(round(share * len(notes)))), replace=False).tolist())
    out = roll.copy()
    moved = []
    for i in sorted(chosen):
        pitch, start, end = notes[i]
        steps = [d for d in (-1, 1) if not scale[(pitch + d) % 12]]
        step = int(rng.choice(steps))
        out[start:end, pitch] = False
        out[start:end, pitch + step] = True
        moved.append((pitch, start, end))
    untouched = [n for i, n in enumerate(notes) if i not in chosen]
    return out, moved, untouched


def out_of_key_share(roll: np.ndarray, key) -> float:
    """Share of notes (onsets) whose pitch class is outside ``key``; NaN without notes."""
    ratio = in_scale_ratio(roll, key)
    return float("nan") if np.isnan(ratio) else 1.0 - ratio


def fix_report(name: str, roll: np.ndarray, seed: int = 0, share: float = 0.2, model: str = "arcnn",
               **params) -> dict:
    """Detune one melody, edit it with ``params`` (defaults otherwise), and measure the repair.

    Returns the key, the out-of-key share before and after, its fall, the
    share of untouched notes whose every cell is still there, the share of
    moved notes put back on their own pitch, the edit's counts, the key the
    estimator reads from the detuned tune (``"key_read"``: what a default
    run's network is told), and the detuned roll (``"detuned"``) and the
    :class:`~composerlab.models.arcnn.generate.EditResult` (``"edit"``) to
    look at and listen to.
    """
    key = estimate_key(roll)
    detuned, moved, untouched = detune(roll, key, share, seed)
    result = edit_roll(detuned, seed=seed, model=model, name=name, **params)
    out = result.output_roll
    before, after = out_of_key_share(detuned, key), out_of_key_share(out, key)
    kept = np.mean([out[s:e, p].all() for p, s, e in untouched]) if untouched else float("nan")
    restored = np.mean([out[s:e, p].all() for p, s, e in moved]) if moved else float("nan")
    return {"tune": name, "key": key_name(key), "notes": len(moved) + len(untouched), "moved": len(moved),
            "key_read": key_name(estimate_tune_key(detuned)),
            "detuned": detuned, "edit": result,
            "out_of_key_before": before, "out_of_key_after": after,
            "fall": (before - after) / before if before else float("nan"),
            "untouched_kept": float(kept), "moved_restored": float(restored),
            "added_cells": int(result.added_cells.sum()), "removed_cells": int(result.removed_cells.sum())}


def chorale_consonance(limit: int | None = None) -> float:
    """Consonant beats (:func:`~composerlab.music.harmony.consonant_beats`) over every corpus chorale, all four
    voices merged: the rate the AR-CNN learned from."""
    good = total = 0
    for chorale in load_chorales(limit):
        merged = chorale.roll.any(axis=0)
        n = int((merged[::4].sum(axis=1) >= 2).sum())  # the beats consonant_beats counts (4/4)
        rate = consonant_beats(merged)
        if n:
            good += rate * n
            total += n
    return good / total


def addition_report(name: str, roll: np.ndarray, seed: int = 0, model: str = "arcnn", **params) -> dict:
    """Edit a bare melody with ``params`` (defaults otherwise); measure the notes it added."""
    key = estimate_key(roll)
    result = edit_roll(roll, seed=seed, model=model, name=name, **params)
    added = result.added_cells
    return {"tune": name, "key": key_name(key), "added_cells": int(added.sum()),
            "added_notes": len(note_runs(added)),
            "added_in_key": in_scale_ratio(added, key) if added.any() else float("nan"),
            "consonant_beats": consonant_beats(result.output_roll),
            "removed_cells": int(result.removed_cells.sum())}


def estimator_tunes() -> tuple[list, int]:
    """The key estimator's training melodies, 8-bar (128, 128) rolls, and how many are chorale voices.

    Every voice of every training chorale (the AR-CNN's split: never a validation chorale), cut
    into 8-bar windows every 4 bars, and 40 tunes of each book in :data:`TRAIN_BOOKS`.
    """
    rolls = []
    for chorale in load_chorales():
        if is_validation(chorale.name):
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
    """(features (n, 24, F), labels (n,)): each roll ``copies`` times, detuned as :func:`detune` does.

    The label is the clean roll's key (Krumhansl, as the measure reads it); in ``clean_share`` of the
    copies nothing is moved, so the estimator keeps finding the key of clean tunes.
    """
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for roll in rolls:
        key = estimate_key(roll)
        for _ in range(copies):
            moved = 0.0 if rng.random() < clean_share else rng.uniform(*share)
            detuned = detune(roll, key, moved, int(rng.integers(2 ** 31)))[0] if moved else roll
            features.append(key_features(detuned))
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


def accuracy(estimator, rolls, seed: int = 0, share: float = 0.2) -> float:
    """Share of ``rolls`` whose clean key (Krumhansl) the estimator names, the i-th detuned by ``share``
    with seed ``seed + i`` as the bench does (0: the clean rolls)."""
    hits = []
    for i, roll in enumerate(rolls):
        key = estimate_key(roll)
        detuned = detune(roll, key, share, seed + i)[0] if share else roll
        hits.append(estimator.estimate(detuned) == key)
    return float(np.mean(hits))


def train_estimator(copies: int = 3, seed: int = 0) -> KeyEstimator:
    """Fit a key estimator on :func:`estimator_tunes`, detuned ``copies`` times each; measure it on
    :data:`CHECK_BOOKS`."""
    started = time.perf_counter()
    rolls, n_chorale = estimator_tunes()
    features, labels = detuned_examples(rolls, copies, seed=seed)
    estimator = KeyEstimator(fit(features, labels))
    check = list(folk_tunes(20, books=CHECK_BOOKS).values())
    estimator.info = {
        "training_tunes": {"chorale_voice_windows": n_chorale, "folk_tunes": len(rolls) - n_chorale,
                           "folk_books": list(TRAIN_BOOKS)},
        "copies": copies, "seed": seed, "examples": int(len(labels)),
        "check_books": list(CHECK_BOOKS),
        "check_accuracy_clean": accuracy(estimator, check, share=0),
        "check_accuracy_detuned": float(np.mean([accuracy(estimator, check, seed=s) for s in (0, 100, 200)])),
        "seconds": round(time.perf_counter() - started, 1),
        "command": "python -m composerlab.models.evaluation.arcnn",
    }
    return estimator


def main(argv=None) -> int:
    """``python -m composerlab.models.evaluation.arcnn``: train the key estimator (``--install``: ship it)."""
    parser = argparse.ArgumentParser(description="Train the AR-CNN's key estimator for detuned tunes.")
    parser.add_argument("--copies", type=int, default=3, help="detuned copies of each training tune")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--install", action="store_true", help=f"replace the shipped data/models/{FILE}")
    args = parser.parse_args(argv)
    estimator = train_estimator(args.copies, args.seed)
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

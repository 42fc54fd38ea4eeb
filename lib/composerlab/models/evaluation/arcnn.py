"""How well the AR-CNN edits: repairs and a tune in tune, per meter, on tunes it never learned from.

Measured on whole folk tunes in 4/4, 3/4, 2/4 and 6/8 that neither the network nor the key estimator
learned from (:func:`bench_tunes`), as notes with their onsets: **fixing wrong notes** (:func:`fix_report`:
20% of a tune's notes moved a semitone out of its key, a default edit, the out-of-key notes of its line
before and after, the untouched notes kept) and **a tune already in tune** (:func:`clean_report`: the
share of its notes kept, the notes it adds). The key estimator the edit loop reads is fitted on tunes
detuned the same way (:mod:`composerlab.models.evaluation.arcnn_key`). Used by ``bench/bench_arcnn.py`` and
lab 05.
"""
from __future__ import annotations

import numpy as np
import pypianoroll

from composerlab.models.arcnn.data import MELODY_BOOKS
from composerlab.models.arcnn.generate import edit
from composerlab.models.arcnn.key_estimator import estimate_tune_key
from composerlab.models.corpora.chorales import load_chorales
from composerlab.models.corpora.folk import book_files, parse_book
from composerlab.models.corpora.split import is_validation
from composerlab.music.harmony import consonant_beats
from composerlab.music.key import estimate_key, key_name, scale_mask
from composerlab.music.melody import count_bars, from_notes
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    STEPS_PER_BAR,
    Note,
    note_runs,
    stack_rolls,
    time_signature_of,
    track_notes,
)

TRAIN_BOOKS = MELODY_BOOKS
"""Corpus books of the estimator's folk tunes, the AR-CNN's folk melodies too: none of the bench's
(:data:`BENCH_BOOKS`) nor of :data:`CHECK_BOOKS`."""
CHECK_BOOKS = ("essenFolksong/ballad10.abc", "oneills1850/0051-0100.abc")
"""Folk tunes (20 of each) the estimator is checked on and its settings were chosen on, never trained on."""
BENCH_BOOKS = ("oneills1850/0001-0050.abc", "essenFolksong/altdeu10.abc", "essenFolksong/ballad40.abc")
"""The books of the bench's whole tunes (:func:`bench_tunes`): none of :data:`TRAIN_BOOKS` nor :data:`CHECK_BOOKS`."""
BENCH_METERS = ((4, 4), (3, 4), (2, 4), (6, 8))
"""The meters the bench measures, each on its own tunes."""


def chorale_sopranos(limit: int | None = None) -> dict[str, np.ndarray]:
    """The first 8 bars of each validation chorale's soprano (never trained on): name -> roll."""
    out = {}
    for chorale in load_chorales(limit):
        if is_validation(chorale.name):
            roll = chorale.roll[0, : DEFAULT_BARS * STEPS_PER_BAR]
            out[chorale.name] = np.pad(roll, ((0, DEFAULT_BARS * STEPS_PER_BAR - roll.shape[0]), (0, 0)))
    return out


def bench_tunes(meter, count: int = 12, books=BENCH_BOOKS, min_notes: int = 16,
                max_bars: int = 48) -> dict[str, pypianoroll.Multitrack]:
    """``count`` whole folk tunes in ``meter`` that neither the AR-CNN nor its key estimator learned from:
    name -> melody, taken from ``books`` in turn (each book's first tunes of that meter)."""
    files = dict(book_files())
    pools = [[t for t in parse_book(book, files[book])
              if tuple(t.meter) == tuple(meter) and len(t.notes) >= min_notes and t.bars <= max_bars]
             for book in books]
    chosen = []
    for i in range(max(map(len, pools), default=0)):
        chosen += [pool[i] for pool in pools if i < len(pool)]
    return {t.name: from_notes(t.as_notes(), name=t.name, time_signature=tuple(t.meter)) for t in chosen[:count]}


def detune(notes: list[Note], key, share: float = 0.2, seed: int = 0):
    """Move ``share`` of the notes a semitone out of ``key``, onsets and lengths kept; return (notes, moved
    originals, untouched notes).

    Only in-key notes with a semitone neighbour outside the key are moved (in a minor key the leading
    note has none: both its neighbours are in the scale); a note with two such neighbours goes up or
    down at random.
    """
    rng = np.random.default_rng(seed)
    scale = scale_mask(key)
    candidates = [i for i, n in enumerate(notes)
                  if scale[n.pitch % 12] and not (scale[(n.pitch - 1) % 12] and scale[(n.pitch + 1) % 12])]
    chosen = set(rng.choice(candidates, min(len(candidates), int(round(share * len(notes)))), replace=False).tolist())
    out, moved = [], []
    for i, note in enumerate(notes):
        if i in chosen:
            step = int(rng.choice([d for d in (-1, 1) if not scale[(note.pitch + d) % 12]]))
            out.append(Note(note.start, note.pitch + step, note.length, note.velocity))
            moved.append(note)
        else:
            out.append(note)
    return out, moved, [n for i, n in enumerate(notes) if i not in chosen]


def detune_roll(roll: np.ndarray, key, share: float = 0.2, seed: int = 0) -> np.ndarray:
    """A boolean (steps, 128) roll with ``share`` of its notes moved as :func:`detune` moves them."""
    notes = [Note(s, p, e - s) for p, s, e in note_runs(roll)]
    out = np.zeros_like(roll, dtype=bool)
    for note in detune(notes, key, share, seed)[0]:
        out[note.start: note.end, note.pitch] = True
    return out


def out_of_key_share(notes: list[Note], key) -> float:
    """Share of ``notes`` whose pitch class is outside ``key``; NaN without notes."""
    if not notes:
        return float("nan")
    return float(np.mean([not scale_mask(key)[n.pitch % 12] for n in notes]))


def melody_notes(music: pypianoroll.Multitrack) -> list[Note]:
    """The notes of a melody's first track."""
    return track_notes(music.tracks[0])


def fix_report(name: str, music: pypianoroll.Multitrack, seed: int = 0, share: float = 0.2, model: str = "arcnn",
               **params) -> dict:
    """Detune one melody, edit it with ``params`` (defaults otherwise), and measure the repair on its line.

    The measures read the melody's own track as the AR-CNN edited it (the notes it wrote itself sit in
    a track of their own and are counted apart): the out-of-key share before and after and its fall,
    the share of untouched notes that come out unchanged (onset, pitch and length), the share of moved
    notes put back on their own pitch, the notes it wrote (how many, how many in key). Also the key the
    estimator reads from the detuned tune (``"key_read"``), the detuned melody (``"detuned"``) and the
    :class:`~composerlab.models.arcnn.result.EditResult` (``"edit"``) to look at and listen to.
    """
    clean = melody_notes(music)
    meter = time_signature_of(music)
    key = estimate_key(stack_rolls(music)[0] > 0)
    notes, moved, untouched = detune(clean, key, share, seed)
    detuned = from_notes(notes, program=int(music.tracks[0].program), name=name, time_signature=meter)
    result = edit(detuned, seed=seed, model=model, **params)
    line, added = set(melody_notes(result.music)), track_notes(result.music.tracks[-1])
    before, after = out_of_key_share(notes, key), out_of_key_share(sorted(line), key)
    return {"tune": name, "meter": meter_text(meter), "key": key_name(key), "notes": len(clean), "moved": len(moved),
            "bars": count_bars(music), "key_read": key_name(estimate_tune_key(stack_rolls(detuned)[0] > 0, meter)),
            "detuned": detuned, "edit": result, "out_of_key_before": before, "out_of_key_after": after,
            "fall": (before - after) / before if before else float("nan"),
            "untouched_kept": float(np.mean([n in line for n in untouched])) if untouched else float("nan"),
            "moved_restored": float(np.mean([n in line for n in moved])) if moved else float("nan"),
            "added_notes": len(added), "added_in_key": 1 - out_of_key_share(added, key) if added else float("nan"),
            "added_cells": int(result.added_cells.sum()), "removed_cells": int(result.removed_cells.sum())}


def clean_report(name: str, music: pypianoroll.Multitrack, seed: int = 0, model: str = "arcnn", **params) -> dict:
    """Edit a melody that is already in tune with ``params`` (defaults otherwise): is it still recognisable?

    ``"kept"`` is the share of its notes that come out unchanged (onset, pitch and length, in its own
    track); ``"added_notes"``, ``"added_in_key"`` and ``"consonant_beats"`` describe the notes it wrote.
    """
    key = estimate_key(stack_rolls(music)[0] > 0)
    meter = time_signature_of(music)
    result = edit(music, seed=seed, model=model, **params)
    added = track_notes(result.music.tracks[-1])
    return {"tune": name, "meter": meter_text(meter), "key": key_name(key), "notes": len(melody_notes(music)),
            "kept": result.kept_share(), "added_notes": len(added),
            "added_in_key": 1 - out_of_key_share(added, key) if added else float("nan"),
            "consonant_beats": consonant_beats(result.output_roll, meter), "edit": result}


def meter_text(meter) -> str:
    return f"{meter[0]}/{meter[1]}"


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

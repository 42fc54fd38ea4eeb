"""How well the AR-CNN edits: fixing wrong notes, and adding notes to a bare melody.

Two measurements, on melodies the network never trained on: the sopranos of
the validation chorales and folk tunes from music21's corpus (the Essen
collection and O'Neill's *Music of Ireland*, 1850).

- **Fixing wrong notes** (:func:`fix_report`): move 20% of a tune's notes a
  semitone out of its key, run a default edit, and count the out-of-key
  notes before and after, and how many of the untouched notes survive.
- **Adding notes** (:func:`addition_report`): run a default edit on the bare
  tune and ask whether the added notes lie on the key's scale and whether
  the beats form consonant sonorities, beside the chorales' own rate.

Used by ``bench/bench_arcnn.py`` and lab 05.
"""
from __future__ import annotations

import warnings

import numpy as np

from composerlab.music import metrics
from composerlab.music.harmony import consonant_beats
from composerlab.music.pianoroll import DEFAULT_BARS, STEPS_PER_BAR
from composerlab.paths import cache_dir

FOLK_BOOKS = ("essenFolksong/altdeu10.abc", "oneills1850/0001-0050.abc")
"""Corpus books the folk tunes come from."""
FOLK_CACHE_VERSION = 1


def melody_roll_of(multitrack, steps: int = DEFAULT_BARS * STEPS_PER_BAR) -> np.ndarray:
    """The first ``steps`` steps of a tune's top line, boolean (steps, 128)."""
    from composerlab.music.melody import melody
    from composerlab.music.pianoroll import stack_rolls

    roll = stack_rolls(melody(multitrack))[0, :steps] > 0
    return np.pad(roll, ((0, steps - roll.shape[0]), (0, 0)))


def folk_tunes(per_book: int = 20, min_notes: int = 16, books=FOLK_BOOKS) -> dict[str, np.ndarray]:
    """The first ``per_book`` tunes in x/4 time of each corpus book in ``books``: name -> 8-bar melody roll.

    The bench's tunes come from :data:`FOLK_BOOKS`; the key estimator learns from other books
    (:mod:`composerlab.models.arcnn.keys`). Parsed from the corpus once and cached in ``.cache/``.
    """
    bench_books = tuple(books) == FOLK_BOOKS  # the bench's tunes keep their short names (and cache file)
    tag = "" if bench_books else "_" + "_".join(b.replace("/", "-").removesuffix(".abc") for b in books)
    path = cache_dir() / f"arcnn_folk_tunes_v{FOLK_CACHE_VERSION}_{per_book}{tag}.npz"
    if path.exists():
        with np.load(path) as data:
            return {str(k): np.unpackbits(v)[: 128 * 128].reshape(128, 128).astype(bool)
                    for k, v in zip(data["names"], data["rolls"])}
    import music21

    from composerlab.music.notation import from_music21

    tunes = {}
    for book in books:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opus = music21.corpus.parse(book)
        kept = 0
        for number, score in enumerate(opus.scores, start=1):
            if kept >= per_book:
                break
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    multitrack = from_music21(score, source=f"{book}#{number}")
            except Exception:  # a few corpus tunes have spellings music21 cannot lay out
                continue
            if multitrack.time_signature[1] != 4:
                continue
            roll = melody_roll_of(multitrack)
            onsets = roll & ~np.pad(roll, ((1, 0), (0, 0)))[:-1]
            if onsets.sum() < min_notes:
                continue
            tunes[f"{book.split('/')[0]}#{number}" if bench_books else f"{book}#{number}"] = roll
            kept += 1
    np.savez_compressed(path, names=np.array(list(tunes)), rolls=np.stack([np.packbits(r) for r in tunes.values()]))
    return tunes


def chorale_sopranos(limit: int | None = None) -> dict[str, np.ndarray]:
    """The first 8 bars of each validation chorale's soprano (never trained on): name -> roll."""
    from composerlab.models.gan import data as chorales

    out = {}
    for chorale in chorales.load_chorales(limit):
        if chorales.is_validation(chorale.name):
            roll = chorale.roll[0, : DEFAULT_BARS * STEPS_PER_BAR]
            out[chorale.name] = np.pad(roll, ((0, DEFAULT_BARS * STEPS_PER_BAR - roll.shape[0]), (0, 0)))
    return out


def notes_of(roll: np.ndarray) -> list[tuple[int, int, int]]:
    """(pitch, start, end) of each note of a monophonic or merged roll."""
    from composerlab.models.arcnn.data import note_runs

    return note_runs(roll)


def detune(roll: np.ndarray, key, share: float = 0.2, seed: int = 0):
    """Move ``share`` of the notes a semitone out of ``key``; return (roll, moved notes, untouched notes).

    Only in-key notes with a semitone neighbour outside the key are moved
    (in a minor key the leading note has none: both its neighbours are in
    the scale); a note with two such neighbours goes up or down at random.
    """
    rng = np.random.default_rng(seed)
    scale = metrics.scale_mask(key)
    notes = notes_of(roll)
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
    ratio = metrics.in_scale_ratio(roll, key)
    return float("nan") if np.isnan(ratio) else 1.0 - ratio


def _as_music(roll: np.ndarray, name: str):
    from composerlab.music.melody import from_notes
    from composerlab.music.pianoroll import roll_to_notes

    return from_notes(roll_to_notes(roll), name=name)


def fix_report(name: str, roll: np.ndarray, seed: int = 0, share: float = 0.2, model: str = "arcnn",
               **params) -> dict:
    """Detune one melody, edit it with ``params`` (defaults otherwise), and measure the repair.

    Returns the key, the out-of-key share before and after, its fall, the
    share of untouched notes whose every cell is still there, the share of
    moved notes put back on their own pitch, the edit's counts, the key the
    estimator reads from the detuned tune (``"key_read"``: what a default
    run's network is told), and the
    detuned roll (``"detuned"``) and the :class:`EditResult` (``"edit"``) to
    look at and listen to.
    """
    from composerlab.models.arcnn.generate import edit

    key = metrics.estimate_key(roll)
    detuned, moved, untouched = detune(roll, key, share, seed)
    result = edit(_as_music(detuned, name), seed=seed, model=model, **params)
    out = result.output_roll
    before, after = out_of_key_share(detuned, key), out_of_key_share(out, key)
    kept = np.mean([out[s:e, p].all() for p, s, e in untouched]) if untouched else float("nan")
    restored = np.mean([out[s:e, p].all() for p, s, e in moved]) if moved else float("nan")
    from composerlab.models.arcnn.keys import estimate_key

    return {"tune": name, "key": metrics.key_name(key), "notes": len(moved) + len(untouched), "moved": len(moved),
            "key_read": metrics.key_name(estimate_key(detuned)),
            "detuned": detuned, "edit": result,
            "out_of_key_before": before, "out_of_key_after": after,
            "fall": (before - after) / before if before else float("nan"),
            "untouched_kept": float(kept), "moved_restored": float(restored),
            "added_cells": int(result.added_cells.sum()), "removed_cells": int(result.removed_cells.sum())}


def consonant_beat_rate(roll: np.ndarray) -> float:
    """Share of 4/4 beats, among those where two or more pitches sound, with no second, seventh or tritone.

    The kit's one harmony measure (:func:`composerlab.music.harmony.consonant_beats`) on a merged roll;
    NaN when no beat has two pitches.
    """
    return consonant_beats(roll)


def chorale_consonance(limit: int | None = None) -> float:
    """:func:`consonant_beat_rate` over every corpus chorale (all four voices): the rate the AR-CNN learned from."""
    from composerlab.models.gan import data as chorales

    good = total = 0
    for chorale in chorales.load_chorales(limit):
        merged = chorale.roll.any(axis=0)
        n = int((merged[::4].sum(axis=1) >= 2).sum())  # the beats consonant_beats counts (4/4)
        rate = consonant_beat_rate(merged)
        if n:
            good += rate * n
            total += n
    return good / total


def addition_report(name: str, roll: np.ndarray, seed: int = 0, model: str = "arcnn", **params) -> dict:
    """Edit a bare melody with ``params`` (defaults otherwise); measure the notes it added."""
    from composerlab.models.arcnn.generate import edit

    key = metrics.estimate_key(roll)
    result = edit(_as_music(roll, name), seed=seed, model=model, **params)
    added = result.added_cells
    return {"tune": name, "key": metrics.key_name(key), "added_cells": int(added.sum()),
            "added_notes": len(notes_of(added)),
            "added_in_key": metrics.in_scale_ratio(added, key) if added.any() else float("nan"),
            "consonant_beats": consonant_beat_rate(result.output_roll),
            "removed_cells": int(result.removed_cells.sum())}

"""The AI judge's data: Bach chorales against the rest of the music21 corpus, split by piece, as windows.

Positives are Bach's chorales; negatives the corpus's other composers, folk books and single pieces, plus
chorales spoiled on purpose (:data:`SPOILERS`) so that noise added to real Bach scores low. Pieces are
split per composer before any window is cut; the parsed pieces are cached (:data:`CACHE`). Introduced in
``facilitator/train_ai_judge.ipynb``.
"""
from __future__ import annotations

import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import music21
import numpy as np

from composerlab.models.corpora.cache import Cache, pack_rolls, unpack_rolls
from composerlab.models.judge.network import (
    N_PITCHES,
    WINDOW_STEPS,
    encode_windows,
    merged_rolls,
    pitch_histogram,
)
from composerlab.music.notation import from_music21, load_corpus
from composerlab.music.pianoroll import steps_per_bar, time_signature_of

CACHE = Cache("ai_judge_corpus", version=2)
MAX_STEPS = 64 * 16
"""Longest stretch of a corpus piece kept (64 bars of 4/4): enough windows, bounded memory."""

NEGATIVE_SOURCES: dict[str, tuple[tuple[str, ...], int]] = {
    # composer group: (corpus folders, how many files at most)
    "palestrina": (("palestrina",), 90),
    "monteverdi": (("monteverdi",), 45),
    "trecento": (("trecento",), 20),
    "josquin": (("josquin",), 8),
    "mozart": (("mozart",), 16),
    "haydn": (("haydn",), 9),
    "beethoven": (("beethoven",), 8),
    "schumann": (("schumann_robert", "schumann_clara"), 12),
    "folk": (("essenFolksong", "oneills1850", "airdsAirs", "miscFolk", "ryansMammoth"), 60),
    "other": (("handel", "corelli", "cpebach", "chopin", "joplin", "weber", "verdi", "ciconia", "luca",
               "lusitano", "johnson_j_r", "liliuokalani", "schoenberg", "webern", "schubert", "beach"), 20),
}
"""Where the negatives come from. Large files are skipped first (parsing time)."""

TUNES_PER_BOOK = 6
"""Tunes taken from each folk-song book (an ABC file of many tunes)."""
MAX_FILE_BYTES = 400_000
SPOILERS = ("random_notes", "clusters", "noise", "tune_over_random_chords")
"""Ways a Bach window is spoiled to make a synthetic negative."""


@dataclass
class Piece:
    """One parsed corpus piece, merged into one roll."""

    name: str
    composer: str
    bar_steps: int
    sounding: np.ndarray  # (n_steps, 128) bool
    starts: np.ndarray  # (n_steps, 128) bool

    @property
    def is_bach(self) -> bool:
        return self.composer == "bach"


def corpus_catalogue(seed: int = 0) -> list[tuple[str, str]]:
    """The (corpus path, composer group) pairs the dataset is built from."""
    root = _corpus_root()
    paths = sorted(Path(p) for p in music21.corpus.getCorePaths())
    by_folder: dict[str, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.relative_to(root).parts[0], []).append(path)

    bach = [p for p in by_folder["bach"] if p.suffix in (".mxl", ".xml") and p.name.startswith("bwv")
            and not p.name.startswith("bwv846")]  # bwv846 is a prelude, not a chorale
    jobs = [(p.relative_to(root).as_posix(), "bach") for p in bach]
    rng = np.random.default_rng(seed)
    for composer, (folders, limit) in NEGATIVE_SOURCES.items():
        per_folder = -(-limit // len(folders))  # a group of several collections takes from each
        for folder in folders:
            files = [p for p in by_folder.get(folder, [])
                     if p.suffix in (".mxl", ".xml", ".krn", ".abc") and p.stat().st_size <= MAX_FILE_BYTES]
            # one encoding per work (some come as both .krn and .mxl)
            seen, unique = set(), []
            for p in files:
                if (p.parent, p.stem) not in seen:
                    seen.add((p.parent, p.stem))
                    unique.append(p)
            if len(unique) > per_folder:
                unique = [unique[i] for i in sorted(rng.choice(len(unique), per_folder, replace=False))]
            jobs += [(p.relative_to(root).as_posix(), composer) for p in unique]
    return jobs


def _corpus_root() -> Path:
    return Path(music21.__file__).parent / "corpus"


def _parse_job(job: tuple[str, str]) -> list[Piece] | str:
    """Parse one corpus file into pieces (a folk book gives several); a string says why not."""
    name, composer = job
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = music21.corpus.parse(name)
            scores = list(parsed.scores)[:TUNES_PER_BOOK] if isinstance(parsed, music21.stream.Opus) else [parsed]
            pieces = []
            for i, score in enumerate(scores):
                label = name if len(scores) == 1 else f"{name}#{i + 1}"
                try:
                    multitrack = from_music21(score, source=label)
                except Exception:  # a tune without notes in a book: skip it, keep the others
                    continue
                sounding, starts = merged_rolls(multitrack)
                pieces.append(Piece(label, composer, steps_per_bar(time_signature_of(multitrack)),
                                    sounding[:MAX_STEPS], starts[:MAX_STEPS]))
            return pieces or f"{name}: no usable notes"
    except Exception as exc:  # music21 raises many types on odd corpus files
        return f"{name}: {type(exc).__name__}: {str(exc)[:120]}"


def load_corpus_pieces(seed: int = 0, limit: int | None = None, workers: int | None = None,
                       refresh: bool = False, verbose: bool = True) -> list[Piece]:
    """Parse the catalogue (in parallel), or read it back from the cache.

    Parameters
    ----------
    limit : int, optional
        Take only this many files per composer group (a quick smoke run); not cached.
    workers : int, optional
        Parser processes (default: the CPU count, at most 4).
    refresh : bool
        Parse again even if a cache exists.
    """
    key = f"seed{seed}"
    jobs = corpus_catalogue(seed)
    if limit is not None:
        # A quick run takes the smallest files of each group: they parse fastest.
        root = _corpus_root()
        jobs = sorted(jobs, key=lambda job: (root / job[0]).stat().st_size)
        per_group: dict[str, int] = {}
        picked = []
        for job in jobs:
            per_group[job[1]] = per_group.get(job[1], 0) + 1
            if per_group[job[1]] <= limit:
                picked.append(job)
        jobs = picked
    elif CACHE.exists(key) and not refresh:
        return _read_cache(key)
    began = time.perf_counter()
    workers = workers or min(4, os.cpu_count() or 1)
    pieces, skipped = [], []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_parse_job, jobs, chunksize=4))
    else:
        results = [_parse_job(job) for job in jobs]
    for result in results:
        (skipped.append if isinstance(result, str) else pieces.extend)(result)
    if verbose:
        print(f"parsed {len(pieces)} pieces from {len(jobs)} corpus files in "
              f"{time.perf_counter() - began:.0f} s ({len(skipped)} skipped)")
    if limit is None:
        _write_cache(key, pieces)
    return pieces


def _write_cache(key: str, pieces: list[Piece]) -> None:
    meta = {"names": [p.name for p in pieces], "composers": [p.composer for p in pieces],
            "bar_steps": [p.bar_steps for p in pieces]}
    sounding = {f"sounding_{k}": v for k, v in pack_rolls([p.sounding for p in pieces]).items()}
    starts = {f"starts_{k}": v for k, v in pack_rolls([p.starts for p in pieces]).items()}
    CACHE.save({**sounding, **starts}, key, meta=meta)


def _read_cache(key: str) -> list[Piece]:
    arrays, meta = CACHE.load(key)

    def rolls(prefix):
        return unpack_rolls({k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)})

    return [Piece(name, composer, int(bar), sounding, starts)
            for name, composer, bar, sounding, starts in zip(meta["names"], meta["composers"], meta["bar_steps"],
                                                              rolls("sounding_"), rolls("starts_"))]


def split_pieces(pieces: list[Piece], seed: int = 0, fractions=(0.7, 0.15, 0.15)) -> dict[str, list[Piece]]:
    """Split by piece, per composer group: {"train", "validation", "test"} -> pieces.

    Every group with at least three pieces has at least one in each split.
    """
    rng = np.random.default_rng(seed)
    splits = {"train": [], "validation": [], "test": []}
    for composer in sorted({p.composer for p in pieces}):
        group = sorted((p for p in pieces if p.composer == composer), key=lambda p: p.name)
        order = rng.permutation(len(group))
        n_val = max(1, round(fractions[1] * len(group))) if len(group) >= 3 else 0
        n_test = max(1, round(fractions[2] * len(group))) if len(group) >= 3 else 0
        for rank, index in enumerate(order):
            split = "test" if rank < n_test else "validation" if rank < n_test + n_val else "train"
            splits[split].append(group[index])
    return splits


def spoil(window: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    """A copy of a (128, 84, 2) window with Bach spoiled in one of the :data:`SPOILERS` ways."""
    out = window.copy()
    on, start = out[..., 0], out[..., 1]
    played = np.flatnonzero(on.any(axis=1))
    end = int(played[-1]) + 1 if played.size else WINDOW_STEPS
    pitches = np.flatnonzero(on.any(axis=0))
    low, high = (int(pitches.min()), int(pitches.max())) if pitches.size else (24, 60)
    n_notes = max(4, int(start.sum()))

    def add(step: int, pitch: int, length: int) -> None:
        if 0 <= pitch < N_PITCHES and 0 <= step < WINDOW_STEPS:
            on[step:step + length, pitch] = 1
            start[step, pitch] = 1

    if kind == "random_notes":
        for _ in range(int(rng.integers(n_notes // 3 + 2, n_notes + 3))):
            add(int(rng.integers(0, end)), int(rng.integers(low - 4, high + 5)), int(rng.choice([1, 2, 2, 4, 4, 8])))
    elif kind == "clusters":
        onsets = np.flatnonzero(start.any(axis=1))
        for step in rng.choice(onsets, size=min(len(onsets), int(rng.integers(3, 10))), replace=False):
            base = int(rng.integers(low, high + 1))
            for pitch in range(base, base + int(rng.integers(3, 6))):
                add(int(step), pitch, int(rng.choice([2, 4, 8])))
    elif kind == "noise":
        for _ in range(int(rng.integers(n_notes, 3 * n_notes + 4))):
            add(int(rng.integers(0, end)), int(rng.integers(12, 72)), int(rng.integers(1, 3)))
    elif kind == "tune_over_random_chords":
        top = np.where(on.any(axis=1), N_PITCHES - 1 - np.argmax(on[:, ::-1], axis=1), -1)
        on[:], start[:] = 0, 0
        for step, pitch in enumerate(top):
            if pitch >= 0:
                on[step, pitch] = 1
                start[step, pitch] = window[step, pitch, 1] or (step > 0 and top[step - 1] != pitch)
        beat = int(rng.choice([4, 8]))
        for step in range(0, end, beat):
            for pitch in rng.choice(np.arange(max(0, low - 12), max(1, high - 2)), size=3, replace=False):
                add(step, int(pitch), beat)
    else:
        raise ValueError(f"unknown spoiler {kind!r}; choose one of {', '.join(SPOILERS)}")
    return out


@dataclass
class WindowSet:
    """Windows of one split, with labels and where each came from."""

    windows: np.ndarray  # (n, 128, 84, 2) uint8
    labels: np.ndarray  # (n,) 1 = Bach
    composers: np.ndarray  # (n,) composer group, or "spoiled:<kind>"
    pieces: np.ndarray  # (n,) piece name


def make_windows(pieces: list[Piece], seed: int = 0, hop_bars: int = 2, max_per_piece: int = 8,
                 spoiled_share: float = 0.3, balance: bool = True) -> WindowSet:
    """Windows of a split, balanced: as many non-Bach windows as Bach ones.

    Non-Bach windows are ``1 - spoiled_share`` real corpus music (at most
    ``max_per_piece`` per piece, spread over it) and ``spoiled_share`` Bach
    windows of the same split spoiled by :func:`spoil`. With ``balance=False``
    every real non-Bach window is kept (for figures per composer).
    """
    rng = np.random.default_rng(seed)
    chunks = {True: [], False: []}
    for piece in pieces:
        windows = encode_windows(piece.sounding, piece.starts, piece.bar_steps, hop_bars,
                                 max_windows=max_per_piece)
        chunks[piece.is_bach] += [(w, piece.composer, piece.name) for w in windows]
    bach, other = chunks[True], chunks[False]
    n_spoiled = int(round(spoiled_share * len(bach)))
    n_real = len(bach) - n_spoiled
    if balance and len(other) > n_real:
        other = [other[i] for i in sorted(rng.choice(len(other), n_real, replace=False))]
    spoiled = []
    for i in range(n_spoiled):
        window, _, name = bach[int(rng.integers(len(bach)))]
        kind = SPOILERS[i % len(SPOILERS)]
        spoiled.append((spoil(window, kind, rng), f"spoiled:{kind}", name))
    rows = bach + other + spoiled
    empty = np.zeros((0, WINDOW_STEPS, N_PITCHES, 2), np.uint8)
    return WindowSet(
        windows=np.stack([r[0] for r in rows]) if rows else empty,
        labels=np.array([1] * len(bach) + [0] * (len(other) + len(spoiled)), dtype=np.int8),
        composers=np.array([r[1] for r in rows]),
        pieces=np.array([r[2] for r in rows]),
    )


def bach_pitch_distribution(pieces: list[Piece]) -> np.ndarray:
    """Notes per MIDI pitch over the Bach pieces given (the training chorales)."""
    return sum((pitch_histogram(p.starts) for p in pieces if p.is_bach), np.zeros(128))


def load_piece(name: str):
    """A catalogue piece as a Multitrack, e.g. ``"bach/bwv66.6.mxl"`` or a book's tune ``"essenFolksong/x.abc#2"``."""
    return load_corpus(name)

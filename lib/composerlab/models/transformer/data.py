"""The Transformer's data: chorale sopranos and folk tunes, split by piece, as token streams and windows.

The sopranos come from the chorale cache and the folk tunes from the ABC books
(:mod:`composerlab.models.corpora.folk`), every melody on the 16th-note grid in its own meter
(4/4, 2/2, 3/4, 2/4, 6/8), a pickup in its place. Each tune becomes ``BOS``, its meter, its REMI
tokens and ``EOS``; the training tunes make one stream (cached), cut into random windows, each
transposed at random. Introduced in lab 06.
"""
from __future__ import annotations

import argparse
import zlib
from dataclasses import dataclass, field
from multiprocessing import Pool

import numpy as np
from tqdm.auto import tqdm

from composerlab.models.corpora.cache import Cache
from composerlab.models.corpora.chorales import load_chorales
from composerlab.models.corpora.folk import FOLK_COLLECTIONS, Tune, book_files, is_book_cached, notes_array, parse_book
from composerlab.models.corpora.split import is_validation
from composerlab.models.transformer.tokens import HIGHEST_PITCH, LOWEST_PITCH, tokenizer
from composerlab.music.pianoroll import roll_to_notes

MAX_SHIFT_DOWN, MAX_SHIFT_UP = 5, 6
"""Random transposition of a training window, semitones down and up."""
TOKEN_CACHE = Cache("transformer_tokens", version=3)


def chorale_sopranos(limit: int | None = None) -> list[Tune]:
    """The soprano line of every 4/4 chorale in the chorale cache (parsed once, shared with labs 02-04).

    The cache keeps cells, not notes: a soprano's repeated note is read as one held note."""
    tunes = []
    for chorale in load_chorales(limit):
        notes = roll_to_notes(chorale.roll[0])
        if notes:
            tunes.append(Tune(f"bach/{chorale.name}", notes_array(notes), (4, 4)))
    return tunes


def load_tunes(books: int | None = None, chorales: int | None = None, progress: bool = False,
               build: bool = True, collections=FOLK_COLLECTIONS) -> list[Tune]:
    """Chorale sopranos and folk tunes in the model's pitch range, duplicates left out.

    Parameters
    ----------
    books : int, optional
        Use only the first ``books`` ABC files of each collection (small runs for tests).
    chorales : int, optional
        Use only the first ``chorales`` chorales (0: none).
    progress : bool
        A progress bar over the ABC files.
    build : bool
        Parse books that are not cached yet; False keeps only those already cached.
    collections : sequence of str
        Which of :data:`~composerlab.models.corpora.folk.FOLK_COLLECTIONS` to read.
    """
    files = [f for f in book_files() if f[0].split("/")[0] in collections]
    if books is not None:
        kept = []
        for collection in collections:
            kept += [f for f in files if f[0].startswith(collection + "/")][:books]
        files = kept
    tunes = chorale_sopranos(chorales) if chorales != 0 else []
    for book, path in tqdm(files, desc="folk tunes", disable=not progress):
        if build or is_book_cached(book):
            tunes += parse_book(book, path)
    kept, seen = [], set()
    for tune in tunes:
        pitches = tune.notes[:, 1]
        if len(pitches) < 8 or pitches.min() < LOWEST_PITCH or pitches.max() > HIGHEST_PITCH:
            continue
        fingerprint = zlib.crc32(np.ascontiguousarray(tune.notes[:32, :2] - [tune.notes[0, 0], 0]).tobytes())
        if fingerprint in seen:  # the same tune in two books would leak across the split
            continue
        seen.add(fingerprint)
        kept.append(tune)
    return kept


def split(tunes: list[Tune], share: float = 0.1) -> tuple[list[Tune], list[Tune]]:
    """(train, validation), by piece: a fixed hash of each tune's name decides, never chance."""
    train = [t for t in tunes if not is_validation(t.name, share)]
    validation = [t for t in tunes if is_validation(t.name, share)]
    return train, validation


@dataclass
class TokenData:
    """Token streams of the training and validation tunes."""

    train: np.ndarray
    validation: np.ndarray
    train_tunes: int
    validation_tunes: int
    validation_names: list = field(default_factory=list)

    def summary(self) -> dict:
        return {"train_tunes": self.train_tunes, "validation_tunes": self.validation_tunes,
                "train_tokens": int(len(self.train)), "validation_tokens": int(len(self.validation))}


def encode_tunes(tunes) -> list[np.ndarray]:
    """Each tune's ids: ``BOS``, its meter, REMI tokens, ``EOS``."""
    tok = tokenizer()
    return [np.concatenate([tok.encode(t.as_notes(), t.meter), [tok.eos]]).astype(np.int16) for t in tunes]


def token_data(books: int | None = None, chorales: int | None = None, build_books: bool = True,
               collections=FOLK_COLLECTIONS) -> TokenData:
    """Tokenised tunes, split by piece; the token streams are cached beside the parsed notes.

    The arguments choose the tunes as in :func:`load_tunes`.
    """
    tunes = load_tunes(books=books, chorales=chorales, build=build_books, collections=collections)
    key = f"{zlib.crc32(chr(10).join(t.name for t in tunes).encode()):08x}"
    saved = TOKEN_CACHE.load(key)
    if saved is not None:
        arrays, meta = saved
        return TokenData(arrays["train"], arrays["validation"], meta["train_tunes"], meta["validation_tunes"],
                         meta["validation_names"])
    train, validation = split(tunes)
    streams = [np.concatenate(encode_tunes(part)) if part else np.zeros(0, np.int16) for part in (train, validation)]
    result = TokenData(streams[0], streams[1], len(train), len(validation), [t.name for t in validation])
    TOKEN_CACHE.save({"train": result.train, "validation": result.validation}, key,
                     meta={"train_tunes": len(train), "validation_tunes": len(validation),
                           "validation_names": result.validation_names})
    return result


def meter_marks(stream: np.ndarray) -> np.ndarray:
    """For every token of ``stream``, the ``Meter`` id of the tune it belongs to (the pad id before any)."""
    tok = tokenizer()
    is_meter = tok.kinds[stream] == "Meter"
    last = np.maximum.accumulate(np.where(is_meter, np.arange(len(stream)), -1))
    return np.where(last >= 0, stream[np.maximum(last, 0)], tok.pad).astype(np.int32)


def transposed_windows(stream: np.ndarray, starts: np.ndarray, length: int, rng: np.random.Generator | None,
                       meters: np.ndarray | None = None):
    """Windows of ``length`` tokens at ``starts``, each transposed at random (``rng`` None: not transposed).

    With ``meters`` (:func:`meter_marks` of ``stream``) a window that starts inside a tune opens with
    its tune's ``Meter`` token in place of its first token, so the model always reads the meter, as the
    sampler gives it (:func:`composerlab.models.transformer.generate.sample_tokens`).
    """
    tok = tokenizer()
    windows = np.stack([stream[s: s + length] for s in starts]).astype(np.int32)
    if meters is not None:
        inside = ~np.isin(tok.kinds[windows[:, 0]], ("BOS", "Meter"))
        windows[:, 0] = np.where(inside, meters[np.asarray(starts)], windows[:, 0])
    if rng is None:
        return windows
    is_pitch = tok.kinds[windows] == "Pitch"
    pitch = np.where(is_pitch, tok.values[windows], 0)
    low = np.where(is_pitch, pitch, 10_000).min(axis=1)
    high = np.where(is_pitch, pitch, -1).max(axis=1)
    shift = rng.integers(-MAX_SHIFT_DOWN, MAX_SHIFT_UP + 1, size=len(starts))
    has = is_pitch.any(axis=1)
    shift = np.where(has, np.clip(shift, LOWEST_PITCH - low, HIGHEST_PITCH - high), 0)
    return windows + is_pitch * shift[:, None]


def validation_windows(stream: np.ndarray, context: int, limit: int | None = None) -> np.ndarray:
    """Non-overlapping windows of ``context + 1`` tokens covering the validation stream, each opening with
    its tune's meter (see :func:`transposed_windows`)."""
    if len(stream) < context + 1:
        return np.zeros((0, context + 1), np.int32)
    starts = np.arange(0, len(stream) - context, context)[: limit]
    return transposed_windows(stream, starts, context + 1, None, meter_marks(stream))


def main(argv=None) -> int:
    """``python -m composerlab.models.transformer.data``: parse (and cache) every book, print a summary."""
    parser = argparse.ArgumentParser(description="Parse the folk-tune books once and summarise the melodies.")
    parser.add_argument("--books", type=int, default=None, help="first N files of each collection")
    parser.add_argument("--workers", type=int, default=1, help="books parsed at once")
    args = parser.parse_args(argv)
    if args.workers > 1:
        with Pool(args.workers) as pool:
            pool.starmap(parse_book, book_files()[::-1], chunksize=4)  # the small books first
    tunes = load_tunes(books=args.books, progress=True)
    train, validation = split(tunes)
    notes = sum(len(t.notes) for t in tunes)
    print(f"tunes: {len(tunes)} ({len(train)} train, {len(validation)} validation), notes: {notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

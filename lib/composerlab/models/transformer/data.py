"""Melodies for the Transformer: chorale sopranos and folk tunes from the music21 corpus.

Every melody is a list of notes on the kit's 16th-note grid, bars of 16 steps
(4/4, 2/2, and 2/4 read two bars at a time). The sopranos come from the GAN's
chorale cache (:func:`composerlab.models.gan.data.load_chorales`); the folk
tunes from three ABC collections that ship inside music21: essenFolksong,
ryansMammoth and oneills1850. Tunes in 3/4, 6/8 and other meters are left out:
their bars do not fit a 16-step bar. Parsing thousands of ABC tunes takes many
minutes, so each book is parsed once and its notes cached under
:func:`composerlab.paths.cache_dir` (one file per book, so an interrupted build
keeps what it did). The split is by piece, with the same fixed hash of the
name as the GAN (:func:`composerlab.models.gan.data.is_validation`). Introduced
in lab 06.
"""
from __future__ import annotations

import argparse
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from composerlab.models.gan.data import is_validation
from composerlab.music.pianoroll import STEPS_PER_BAR, Note, steps_per_bar
from composerlab.paths import cache_dir

CACHE_VERSION = 1
FOLK_COLLECTIONS = ("essenFolksong", "ryansMammoth", "oneills1850")
"""music21 corpus folders of ABC tunes the model learns from."""
DUPLE_METERS = {(4, 4), (2, 2), (2, 4)}
"""Meters whose bars line up with 16-step bars (2/4 bars are read in pairs)."""
LOWEST_PITCH = 48
"""Lowest melody pitch the model knows (C3)."""
HIGHEST_PITCH = 95
"""Highest melody pitch the model knows (B6)."""
_METER_LINE = re.compile(r"^M:\s*(\S+)", re.MULTILINE)


@dataclass
class Tune:
    """One melody: ``notes`` is an (n, 3) int array of (start step, pitch, length), sorted by start."""

    name: str
    notes: np.ndarray

    @property
    def bars(self) -> int:
        end = int((self.notes[:, 0] + self.notes[:, 2]).max()) if len(self.notes) else 0
        return max(1, -(-end // STEPS_PER_BAR))

    def as_notes(self) -> list[Note]:
        return [Note(int(s), int(p), int(n)) for s, p, n in self.notes]


def notes_array(notes) -> np.ndarray:
    """Notes (:class:`~composerlab.music.pianoroll.Note`) -> a sorted (n, 3) int32 array."""
    rows = sorted((n.start, n.pitch, n.length) for n in notes)
    return np.array(rows, dtype=np.int32).reshape(-1, 3)


def _abc_tunes(path: Path) -> list[tuple[int, str]]:
    """An ABC book split into its tunes: (number in the book from 1, text with the book's header)."""
    text = path.read_text(encoding="latin-1")
    parts = re.split(r"(?m)^(?=X:)", text)
    header = parts[0] if not parts[0].lstrip().startswith("X:") else ""
    tunes = [p for p in parts if p.lstrip().startswith("X:")]
    return [(i + 1, header + tune) for i, tune in enumerate(tunes)]


def _meter(text: str) -> tuple[int, int] | None:
    found = _METER_LINE.search(text)
    if not found:
        return (4, 4)  # ABC's default meter
    value = found.group(1)
    if value in ("C", "C|"):
        return (4, 4) if value == "C" else (2, 2)
    top, _, bottom = value.partition("/")
    return (int(top), int(bottom)) if top.isdigit() and bottom.isdigit() else None


def parse_abc_tune(text: str, name: str) -> Tune | None:
    """One ABC tune as a :class:`Tune` of its melody, or None when it is not in a duple meter or has no notes."""
    import music21

    from composerlab.music.melody import melody
    from composerlab.music.notation import from_music21
    from composerlab.music.pianoroll import time_signature_of, track_notes

    if _meter(text) not in DUPLE_METERS:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            score = music21.converter.parseData(text, format="abc")
            if isinstance(score, music21.stream.Opus):
                score = score.scores[0]
            line = melody(from_music21(score, source=name))
        except Exception:  # a few corpus tunes have spellings music21 cannot lay out
            return None
    if time_signature_of(line) not in DUPLE_METERS or steps_per_bar(time_signature_of(line)) % 8:
        return None
    notes = track_notes(line.tracks[0])
    return Tune(name, notes_array(notes)) if notes else None


def _book_files() -> list[tuple[str, Path]]:
    import music21

    root = Path(music21.__file__).parent / "corpus"
    files = []
    for collection in FOLK_COLLECTIONS:
        files += [(f"{collection}/{p.name}", p) for p in sorted((root / collection).glob("*.abc"))]
    return files


def _book_cache(book: str) -> Path:
    folder = cache_dir() / f"transformer_tunes_v{CACHE_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (book.replace("/", "__") + ".npz")


def _save(path: Path, tunes: list[Tune]) -> None:
    lengths = np.array([len(t.notes) for t in tunes], dtype=np.int64)
    notes = np.concatenate([t.notes for t in tunes]) if tunes else np.zeros((0, 3), np.int32)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, names=np.array([t.name for t in tunes], dtype=str), lengths=lengths, notes=notes)
    tmp.replace(path)


def _load(path: Path) -> list[Tune]:
    with np.load(path) as data:
        names, lengths, notes = [str(n) for n in data["names"]], data["lengths"], data["notes"]
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    return [Tune(n, notes[a:b]) for n, a, b in zip(names, bounds[:-1], bounds[1:])]


def parse_book(book: str, path: Path) -> list[Tune]:
    """Every duple-meter tune of one ABC file, parsed and cached (``book`` is its corpus name)."""
    cached = _book_cache(book)
    if cached.exists():
        return _load(cached)
    tunes = [t for t in (parse_abc_tune(text, f"{book}#{n}") for n, text in _abc_tunes(path)) if t]
    _save(cached, tunes)
    return tunes


def chorale_sopranos(limit: int | None = None) -> list[Tune]:
    """The soprano line of every 4/4 chorale in the GAN's cache (parsed once, shared with labs 02-04)."""
    from composerlab.models.gan.data import load_chorales
    from composerlab.music.pianoroll import roll_to_notes

    tunes = []
    for chorale in load_chorales(limit):
        notes = roll_to_notes(chorale.roll[0])
        if notes:
            tunes.append(Tune(f"bach/{chorale.name}", notes_array(notes)))
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
        Which of :data:`FOLK_COLLECTIONS` to read.
    """
    from tqdm.auto import tqdm

    files = [f for f in _book_files() if f[0].split("/")[0] in collections]
    if books is not None:
        kept = []
        for collection in collections:
            kept += [f for f in files if f[0].startswith(collection + "/")][:books]
        files = kept
    tunes = chorale_sopranos(chorales) if chorales != 0 else []
    for book, path in tqdm(files, desc="folk tunes", disable=not progress):
        if build or _book_cache(book).exists():
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


def main(argv=None) -> int:
    """``python -m composerlab.models.transformer.data``: parse (and cache) every book, print a summary."""
    parser = argparse.ArgumentParser(description="Parse the folk-tune books once and summarise the melodies.")
    parser.add_argument("--books", type=int, default=None, help="first N files of each collection")
    parser.add_argument("--workers", type=int, default=1, help="books parsed at once")
    args = parser.parse_args(argv)
    if args.workers > 1:
        from multiprocessing import Pool

        files = _book_files()
        with Pool(args.workers) as pool:
            pool.starmap(parse_book, files[::-1], chunksize=4)  # the small books first
    tunes = load_tunes(books=args.books, progress=True)
    train, validation = split(tunes)
    notes = sum(len(t.notes) for t in tunes)
    print(f"tunes: {len(tunes)} ({len(train)} train, {len(validation)} validation), notes: {notes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

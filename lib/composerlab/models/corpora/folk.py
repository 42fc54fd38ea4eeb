"""Folk tunes from the ABC books inside music21 (essenFolksong, ryansMammoth, oneills1850), parsed once.

Two readings, for two uses:

- :func:`parse_book`: every tune of one book in a meter of :data:`MELODY_METERS`, as notes on the
  16th-note grid with its meter (a pickup keeps its place before the first bar line): the melodies
  the Transformer learns from (one cache file per book, so an interrupted build keeps what it did);
- :func:`folk_tunes`: the first tunes in x/4 of a few books, as 8-bar melody rolls: the tunes the
  AR-CNN is measured on and its key estimator learns from.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import music21
import numpy as np

from composerlab.models.corpora.cache import Cache
from composerlab.music.melody import melody
from composerlab.music.notation import from_music21
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    STEPS_PER_BAR,
    Note,
    stack_rolls,
    steps_per_bar,
    time_signature_of,
    track_notes,
)

FOLK_COLLECTIONS = ("essenFolksong", "ryansMammoth", "oneills1850")
"""music21 corpus folders of ABC tunes."""
MELODY_METERS = ((4, 4), (2, 2), (3, 4), (2, 4), (6, 8))
"""The meters of the tunes the melody models learn from and are measured on (bars of 8 to 16 steps)."""
BENCH_BOOKS = ("essenFolksong/altdeu10.abc", "oneills1850/0001-0050.abc")
"""The books of the AR-CNN's bench tunes (:func:`folk_tunes` by default)."""
BOOK_CACHE = Cache("book", version=3, folder="folk_books")
ROLL_CACHE = Cache("folk_tunes", version=2)
_METER_LINE = re.compile(r"^M:\s*(\S+)", re.MULTILINE)


@dataclass
class Tune:
    """One melody: ``notes`` is an (n, 3) int array of (start step, pitch, length), sorted by start;
    ``meter`` its time signature (bar lines every :func:`~composerlab.music.pianoroll.steps_per_bar` steps
    from step 0, so a pickup sits at the end of bar 0)."""

    name: str
    notes: np.ndarray
    meter: tuple = (4, 4)

    @property
    def bar_steps(self) -> int:
        return steps_per_bar(tuple(self.meter))

    @property
    def bars(self) -> int:
        end = int((self.notes[:, 0] + self.notes[:, 2]).max()) if len(self.notes) else 0
        return max(1, -(-end // self.bar_steps))

    def as_notes(self) -> list[Note]:
        return [Note(int(s), int(p), int(n)) for s, p, n in self.notes]


def notes_array(notes) -> np.ndarray:
    """Notes (:class:`~composerlab.music.pianoroll.Note`) -> a sorted (n, 3) int32 array."""
    rows = sorted((n.start, n.pitch, n.length) for n in notes)
    return np.array(rows, dtype=np.int32).reshape(-1, 3)


def abc_tunes(path: Path) -> list[tuple[int, str]]:
    """An ABC book split into its tunes: (number in the book from 1, text with the book's header)."""
    text = path.read_text(encoding="latin-1")
    parts = re.split(r"(?m)^(?=X:)", text)
    header = parts[0] if not parts[0].lstrip().startswith("X:") else ""
    tunes = [p for p in parts if p.lstrip().startswith("X:")]
    return [(i + 1, header + tune) for i, tune in enumerate(tunes)]


def abc_meter(text: str) -> tuple[int, int] | None:
    """The meter an ABC tune's ``M:`` line gives (4/4 without one, as ABC says); None when unreadable."""
    found = _METER_LINE.search(text)
    if not found:
        return (4, 4)  # ABC's default meter
    value = found.group(1)
    if value in ("C", "C|"):
        return (4, 4) if value == "C" else (2, 2)
    top, _, bottom = value.partition("/")
    return (int(top), int(bottom)) if top.isdigit() and bottom.isdigit() else None


def parse_abc_tune(text: str, name: str) -> Tune | None:
    """One ABC tune as a :class:`Tune` of its melody, or None when its meter is not one of
    :data:`MELODY_METERS` (or changes) or it has no notes."""
    meter = abc_meter(text)
    if meter not in MELODY_METERS or len(set(_METER_LINE.findall(text))) > 1:
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
    if time_signature_of(line) != meter:
        return None
    notes = track_notes(line.tracks[0])
    return Tune(name, notes_array(notes), meter) if notes else None


def book_files(collections=FOLK_COLLECTIONS) -> list[tuple[str, Path]]:
    """(corpus name, path) of every ABC book of ``collections``, in name order."""
    root = Path(music21.__file__).parent / "corpus"
    files = []
    for collection in collections:
        files += [(f"{collection}/{p.name}", p) for p in sorted((root / collection).glob("*.abc"))]
    return files


def _book_key(book: str) -> str:
    return book.replace("/", "__")


def is_book_cached(book: str) -> bool:
    """Whether :func:`parse_book` has cached the book called ``book``."""
    return BOOK_CACHE.exists(_book_key(book))


def parse_book(book: str, path: Path) -> list[Tune]:
    """Every tune of one ABC file in a meter of :data:`MELODY_METERS`, parsed and cached (``book`` is its
    corpus name)."""
    saved = BOOK_CACHE.load(_book_key(book))
    if saved is None:
        tunes = [t for t in (parse_abc_tune(text, f"{book}#{n}") for n, text in abc_tunes(path)) if t]
        lengths = np.array([len(t.notes) for t in tunes], dtype=np.int64)
        notes = np.concatenate([t.notes for t in tunes]) if tunes else np.zeros((0, 3), np.int32)
        BOOK_CACHE.save({"lengths": lengths, "notes": notes}, _book_key(book),
                        meta={"names": [t.name for t in tunes], "meters": [list(t.meter) for t in tunes]})
        saved = BOOK_CACHE.load(_book_key(book))
    arrays, meta = saved
    bounds = np.concatenate([[0], np.cumsum(arrays["lengths"])]).astype(int)
    return [Tune(n, arrays["notes"][a:b], tuple(m))
            for n, m, a, b in zip(meta["names"], meta["meters"], bounds[:-1], bounds[1:])]


def melody_roll_of(multitrack, steps: int = DEFAULT_BARS * STEPS_PER_BAR) -> np.ndarray:
    """The first ``steps`` steps of a tune's top line, boolean (steps, 128)."""
    roll = stack_rolls(melody(multitrack))[0, :steps] > 0
    return np.pad(roll, ((0, steps - roll.shape[0]), (0, 0)))


def folk_tunes(per_book: int = 20, min_notes: int = 16, books=BENCH_BOOKS) -> dict[str, np.ndarray]:
    """The first ``per_book`` tunes in x/4 time of each corpus book in ``books``: name -> 8-bar melody roll.

    A tune of :data:`BENCH_BOOKS` is named by its collection and number (``essenFolksong#3``), any other
    by its book and number. Parsed from the corpus once and cached.
    """
    bench_books = tuple(books) == BENCH_BOOKS
    key = f"{per_book}" + ("" if bench_books else "_" + "_".join(b.replace("/", "-").removesuffix(".abc")
                                                                  for b in books))
    saved = ROLL_CACHE.load(key)
    if saved is None:
        tunes = _read_tunes(books, per_book, min_notes, bench_books)
        ROLL_CACHE.save({"rolls": np.stack([np.packbits(r) for r in tunes.values()])}, key,
                        meta={"names": list(tunes)})
        saved = ROLL_CACHE.load(key)
    arrays, meta = saved
    return {name: np.unpackbits(bits)[: 128 * 128].reshape(128, 128).astype(bool)
            for name, bits in zip(meta["names"], arrays["rolls"])}


def _read_tunes(books, per_book: int, min_notes: int, short_names: bool) -> dict[str, np.ndarray]:
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
            tunes[f"{book.split('/')[0]}#{number}" if short_names else f"{book}#{number}"] = roll
            kept += 1
    return tunes

"""The genres: each a corpus that ships with music21, how its model sounds and trains, read once and cached.

Beside ``bach`` the kit ships three genre models, each named for ``--model``:

=============  ================================================  =====================================
name           corpus (music21's ``corpus`` folder)              played by (General MIDI)
=============  ================================================  =====================================
``palestrina`` Palestrina's mass movements (Humdrum), 4-6 voices  voices: choir aahs, voice oohs
``monteverdi`` Monteverdi's madrigals, books 3-5 (MusicXML)       a voice over viols (viola, cello)
``quartet``    string quartets of Haydn, Mozart and Beethoven     strings: violin, violin, viola, cello
=============  ================================================  =====================================

:data:`GENRES` is the one registry of them: the catalog, the GAN, the genre runs and their figures read
it. A corpus file becomes a four-part :class:`~composerlab.models.corpora.pieces.Piece` with its lowest
part always kept (``keep_bass``), so a five-voice madrigal or mass keeps its bass line.
"""
from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import music21
from tqdm.auto import tqdm

from composerlab.errors import MusicFileError
from composerlab.models.corpora.cache import Cache, pack_rolls, unpack_rolls
from composerlab.models.corpora.pieces import FolderMusic, Piece, piece_roll
from composerlab.music.melody import read_music
from composerlab.music.notation import is_notation_name
from composerlab.paths import models_dir

CACHE = Cache("pieces", version=2, folder="genres")
TRAINING_SAMPLE = 12
"""Training pieces a decoding weight is chosen on (:func:`training_pieces`)."""
SAMPLE_BYTES = 60_000
"""Only training files up to this size were sampled: music21 parses a long Beethoven movement for minutes."""


@dataclass(frozen=True)
class Genre:
    """One genre model: where its music comes from, how it sounds, how long it trains.

    Parameters
    ----------
    name : str
        The ``--model`` name.
    summary : str
        Its one line in ``composerlab models``, the studio and its card.
    collections : tuple of str
        music21 corpus collections (``music21.corpus.getComposer``).
    programs : tuple of 4 int
        General MIDI programs of melody and the three parts, for the audio and the player.
    instruments : str
        The programs in words, for the card.
    iterations : int
        Training length of the shipped model.
    learning_rate : float
        Its Adam learning rate.
    settings : dict
        Other :class:`~composerlab.models.gan.network.GANConfig` values (the quartet's wider pitch range).
    every : int
        Keep every ``every``-th file by name (Palestrina's 1,318 movements are more than a run needs).
    exclude : tuple of str
        Corpus files left out (path endings), with the reason in :data:`GENRES`' comments.
    voicing : dict
        The genre's own chord-decoding weights (:class:`~composerlab.models.gan.chords.VoicingWeights`)
        beside its share of dissonant beats, which comes from its corpus.
    held_out : int
        Pieces held out from training to measure the model on (0: a tenth of the corpus). A small corpus
        holds out more than a tenth: five pieces' figures swing too far from the corpus's to judge a model by.
    chosen_on : tuple of str
        The training pieces its decoding weights were chosen on (:data:`TRAINING_SAMPLE` of them, files up to
        :data:`SAMPLE_BYTES`, evenly spaced by name among those not held out), by corpus name without the
        collection. They are fixed so that they stay training pieces when a split grows: a piece that chose
        a weight never measures the model.
    """

    name: str
    summary: str
    collections: tuple
    programs: tuple
    instruments: str
    iterations: int
    learning_rate: float = 1e-3
    settings: dict = field(default_factory=dict)
    every: int = 1
    exclude: tuple = ()
    voicing: dict = field(default_factory=dict)
    held_out: int = 0
    chosen_on: tuple = ()

    @property
    def weights(self) -> str:
        """The shipped model's files in ``data/models/``: ``<weights>.weights.h5``, ``.json``, ``.md``."""
        return f"{self.name}_gan"


GENRES: dict[str, Genre] = {
    "palestrina": Genre(
        "palestrina", "Palestrina GAN: Renaissance masses, three voices under your melody (choir)",
        ("palestrina",), (52, 53, 53, 52), "choir aahs (melody, bass), voice oohs (inner voices)",
        iterations=6000, learning_rate=5e-4, every=6,
        # Bach's parallel weight already keeps Palestrina's none: no weight of its own
        chosen_on=("Agnus.krn", "Agnus_I_03.krn", "Benedictus_22.krn", "Credo_03_d.krn", "Credo_32_i.krn",
                   "Credo_66_f.krn", "Credo_93_c.krn", "Gloria_51.krn", "Kyrie_100.krn", "Kyrie_95_b.krn",
                   "Sanctus_44.krn", "Sanctus_rpt_02_c.krn")),
    "monteverdi": Genre(
        "monteverdi", "Monteverdi GAN: madrigals, three parts under your melody (a voice over viols)",
        ("monteverdi",), (53, 41, 41, 42), "voice oohs (melody) over a viol consort: viola, viola, cello",
        iterations=6000, learning_rate=5e-4, held_out=10,
        # chosen on training madrigals, never the held-out ones: registers that move phrase by phrase (follow,
        # wander) and a parallel cost that brings the parallels a bar to the madrigals' own (the figures of each
        # weight tried: bench/bench_genres.py)
        voicing={"parallel": 1.0, "follow": 0.3, "wander": 6.0},
        chosen_on=tuple(f"madrigal.{n}.mxl" for n in ("3.1", "3.13", "3.18", "3.3", "3.7", "4.10", "4.13", "4.17",
                                                      "4.4", "4.8", "5.3", "5.8"))),
    "quartet": Genre(
        "quartet", "String quartet GAN: Haydn, Mozart, Beethoven; violin II, viola, cello under your melody",
        ("haydn", "mozart", "beethoven"), (40, 40, 41, 42), "violin, violin, viola, cello",
        iterations=6000, learning_rate=5e-4, held_out=10,
        # the first violin climbs above the chorales' range (C#6): pitches C2 to D#7
        settings={"lowest_pitch": 36, "n_pitches": 64},
        # chosen on the training movements, never the held-out ones (the figures: bench/bench_genres.py). The
        # parts rest and play detached notes where the model rests them (rests) and rest through bars it mostly
        # rests (tacet); doublings in octaves are the quartets' idiom, so parallels earn a small reward. The
        # generator keeps each voice within about an octave: registers that move phrase by phrase (follow,
        # wander), cheaper chromatic chords and leaps widen them towards the movements'
        voicing={"parallel": -1.5, "follow": 0.3, "wander": 13.0, "chromatic": 1.0, "leap": 0.2, "rests": 0.35,
                 "tacet": 0.45},
        # k545 is a piano sonata; Beethoven's op. 18 no. 1 is there twice (Humdrum and MusicXML)
        exclude=("mozart/k545/movement1_exposition.mxl", "opus18no1/movement1.krn", "opus18no1/movement2.krn",
                 "opus18no1/movement3.krn", "opus18no1/movement4.krn"),
        chosen_on=("haydn/opus1no1/movement1.mxl", "haydn/opus1no1/movement3.mxl", "haydn/opus74no1/movement2.mxl",
                   "mozart/k155/movement2.mxl", "mozart/k156/movement2.mxl", "mozart/k156/movement4.mxl",
                   "mozart/k458/movement4.mxl", "mozart/k80/movement2.mxl", "mozart/k80/movement4.mxl",
                   "beethoven/opus18no1/movement2.mxl", "beethoven/opus59no1/movement1.mxl",
                   "beethoven/opus59no2/movement4.mxl")),
}
"""The genre models, by ``--model`` name."""


def get_genre(name: str) -> Genre:
    """The genre called ``name``; a ValueError lists the genres for any other name."""
    if name not in GENRES:
        raise ValueError(f"no genre '{name}': the genres are {', '.join(GENRES)}")
    return GENRES[name]


def chosen_on(name: str) -> tuple[str, ...]:
    """The corpus names of the training pieces that chose ``name``'s decoding weights (:attr:`Genre.chosen_on`)."""
    return tuple(n if "/" in n else f"{name}/{n}" for n in get_genre(name).chosen_on)


def genre_split(name: str) -> dict:
    """A genre's split of its corpus, as :func:`composerlab.models.gan.custom.build_dataset` takes it: its
    :attr:`Genre.held_out` pieces (by default a tenth), and the pieces that chose its decoding weights kept
    for training."""
    held_out = get_genre(name).held_out
    return {"keep": frozenset(chosen_on(name)), **({"held_out": held_out} if held_out else {})}


def corpus_files(name: str) -> list[Path]:
    """The music21 corpus files a genre learns from: its collections' scores, by name, every ``every``-th."""
    genre = get_genre(name)
    files = []
    for collection in genre.collections:
        paths = sorted((Path(str(p)) for p in music21.corpus.getComposer(collection) if is_notation_name(str(p))),
                       key=str)
        files += [p for p in paths if not any(p.as_posix().endswith(e) for e in genre.exclude)]
    return files[:: genre.every]


def corpus_name(path: Path) -> str:
    """A corpus file as it is named in cards: ``palestrina/Agnus_01.krn``."""
    return path.as_posix().split("/corpus/", 1)[-1]


def is_cached(name: str) -> bool:
    """Whether the genre's whole corpus has been read and cached."""
    return CACHE.exists(name)


def read_genre(name: str, limit: int | None = None, progress: bool = True) -> FolderMusic:
    """The pieces of a genre's corpus (melody + three parts each), read once and cached.

    ``limit`` reads only the first ``limit`` files, without the cache (for tests). A file
    the reader refuses is listed in ``skipped`` with its reason, as in your own runs.
    """
    if limit is None and is_cached(name):
        return _load(name)
    return _parse_and_keep(name, corpus_files(name)[:limit], progress, name if limit is None else None)


def parse_files(name: str, files: list[Path], progress: bool = True) -> FolderMusic:
    """Parse corpus ``files`` of a genre into pieces (melody + three parts each); refused files in ``skipped``."""
    found = FolderMusic(f"music21 corpus: {', '.join(get_genre(name).collections)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21's notes on the scores' own quirks
        for file in tqdm(files, desc=f"reading {name}", disable=not progress):
            try:
                piece = piece_roll(read_music(file), keep_bass=True)
            except MusicFileError as err:
                found.skipped.append((corpus_name(file), err.reason))
                continue
            piece.name = corpus_name(file)
            found.pieces.append(piece)
    return found


def parse_seconds(name: str) -> float | None:
    """How long reading the genre's corpus took the time it was cached (None: not cached)."""
    saved = CACHE.load(name)
    return saved[1].get("parse_seconds") if saved else None


def shipped_info(name: str) -> dict:
    """The shipped genre model's json (``data/models/<name>_gan.json``)."""
    return json.loads((models_dir() / f"{get_genre(name).weights}.json").read_text())


def measured_pieces(name: str, progress: bool = False) -> list[Piece]:
    """The pieces the shipped model of a genre was measured on (``report.pieces`` in its json), read alone.

    Cached apart from the whole corpus, so measuring a shipped model needs none of the rest parsed (the
    quartets take about half an hour with music21).
    """
    key = f"{name}_held"
    if CACHE.exists(key):
        return _load(key).pieces
    wanted = shipped_info(name)["report"]["pieces"]
    files = {corpus_name(f): f for f in corpus_files(name)}
    missing = [w for w in wanted if w not in files]
    if missing:
        raise FileNotFoundError(f"held-out pieces of {name} not in music21's corpus: {', '.join(missing)}")
    return _parse_and_keep(name, [files[w] for w in wanted], progress, key).pieces


def training_pieces(name: str, count: int = TRAINING_SAMPLE, progress: bool = False) -> list[Piece]:
    """The training pieces a genre's decoding weights are chosen on (:attr:`Genre.chosen_on`), never held-out
    ones; read alone and cached."""
    key = f"{name}_train{count}"
    if CACHE.exists(key):
        return _load(key).pieces
    wanted = set(chosen_on(name)[:count])
    picked = [f for f in corpus_files(name) if corpus_name(f) in wanted]
    return _parse_and_keep(name, picked, progress, key).pieces


def _parse_and_keep(name: str, files: list[Path], progress: bool, key: str | None) -> FolderMusic:
    """Parse ``files`` of genre ``name``; cache them under ``key`` (None: not cached)."""
    started = time.perf_counter()
    found = parse_files(name, files, progress)
    if key is not None:
        meta = {"folder": found.folder, "skipped": found.skipped, "parse_seconds": time.perf_counter() - started,
                "pieces": [[p.name, p.parts, list(p.meter)] for p in found.pieces]}
        CACHE.save(pack_rolls([p.roll for p in found.pieces], axis=1), key, meta=meta)
    return found


def _load(key: str) -> FolderMusic:
    arrays, meta = CACHE.load(key)
    pieces = [Piece(n, roll, parts, tuple(meter))
              for (n, parts, meter), roll in zip(meta["pieces"], unpack_rolls(arrays, axis=1))]
    return FolderMusic(meta["folder"], pieces, [tuple(s) for s in meta["skipped"]])

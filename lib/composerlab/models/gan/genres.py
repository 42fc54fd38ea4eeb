"""Genre models: the accompaniment GAN trained on a corpus that ships with music21.

Beside ``bach`` the kit ships three genres, each named for ``--model``:

=============  ================================================  =====================================
name           corpus (music21's ``corpus`` folder)              played by (General MIDI)
=============  ================================================  =====================================
``palestrina`` Palestrina's mass movements (Humdrum), 4-6 voices  voices: choir aahs, voice oohs
``monteverdi`` Monteverdi's madrigals, books 3-5 (MusicXML)       a voice over viols (viola, cello)
``quartet``    string quartets of Haydn, Mozart and Beethoven     strings: violin, violin, viola, cello
=============  ================================================  =====================================

A genre run is the run of your own music (:func:`composerlab.models.gan.custom.train_custom`)
over the genre's corpus files, with one change to the part rule: the **lowest** part is always
learned (``keep_bass``), beside the two busiest others, so a five-voice madrigal or mass keeps its
bass line. From a terminal::

    composerlab train gan --genre palestrina              # out/models/palestrina.*, with its card
    composerlab train gan --genre palestrina --install    # ... then copied over data/models/palestrina_gan.*

Every genre model has the Bach model's four voices, the melody and three parts
under it (a madrigal's or mass's fifth and sixth voices are left out by the part
rule above), so the chord decoding that writes three voices under the melody
(:mod:`composerlab.models.gan.voicing`) serves them unchanged, in each model's
own pitch range (the quartet's reaches higher). A run's json says
``"decoding": "chords"`` with the genre's ``"voicing"``
(:func:`genre_voicing`): the share of dissonant beats of its own corpus, and
any weight of the genre's own (:attr:`Genre.voicing`).

The corpus is read once and cached under ``.cache/genres/``. Each genre's
figures are measured against its **own** corpus (:func:`genre_report`): the
melody of every held-out piece is accompanied by :func:`composerlab.models.gan.generate.compose`,
and the same metrics are taken of the composer's parts and of the model's.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from composerlab.models.gan.custom import FolderMusic, Piece, piece_roll, train_custom
from composerlab.models.gan.genre_figures import (  # noqa: F401 (re-exported: the figures and the card)
    EVAL_STEPS, genre_report, genre_split, held_out_pieces, measure, reference, remeasure, within, write_genre_card,
)
from composerlab.paths import cache_dir, user_models_dir

CACHE_VERSION = 1
SUFFIXES = (".weights.h5", ".json", ".md")
"""The files a genre model ships as in ``data/models/`` (``<name>_gan`` + each)."""
EVALUATIONS = 16
"""Evaluations in a genre run; the generator of the one closest to the training data's figures is kept."""


@dataclass(frozen=True)
class Genre:
    """One genre model: where its music comes from, how it sounds, how long it trains.

    Parameters
    ----------
    name : str
        The ``--model`` name; its one-line card is its entry's in :data:`composerlab.models.catalog.MODELS`.
    collections : tuple of str
        music21 corpus collections (``music21.corpus.getComposer``).
    every : int
        Keep every ``every``-th file by name (Palestrina's 1,318 movements are more than a run needs).
    exclude : tuple of str
        Corpus files left out (path endings), with the reason in :data:`GENRES`' comments.
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
    voicing : dict
        The genre's own chord-decoding weights (:class:`~composerlab.models.gan.chords.VoicingWeights`)
        beside its share of dissonant beats, which comes from its corpus (:func:`genre_voicing`).
    held_out : int
        Pieces held out from training to measure the model on (0: a tenth of the corpus). A small corpus
        holds out more than a tenth: five pieces' figures swing too far from the corpus's to judge a model by.
    """

    name: str
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

    @property
    def summary(self) -> str:
        from composerlab.models.catalog import MODELS

        return MODELS[self.name].summary

    @property
    def shipped_stem(self) -> str:
        return f"{self.name}_gan"


GENRES: dict[str, Genre] = {
    "palestrina": Genre(
        "palestrina",
        ("palestrina",), (52, 53, 53, 52), "choir aahs (melody, bass), voice oohs (inner voices)",
        iterations=6000, learning_rate=5e-4, every=6),
        # Bach's parallel weight (15) already keeps Palestrina's none: no weight of its own
    "monteverdi": Genre(
        "monteverdi",
        ("monteverdi",), (53, 41, 41, 42), "voice oohs (melody) over a viol consort: viola, viola, cello",
        iterations=6000, learning_rate=5e-4, held_out=10,
        # chosen on training madrigals, never the held-out ones: registers that move phrase by phrase (follow,
        # wander; on a sample of 12, genre_figures.training_pieces) and a parallel cost of 1 (on all 39: 0.118
        # parallels a bar against their 0.121; the cost of 2 chosen on the 12 gave 0.049, no cost 0.267)
        voicing={"parallel": 1.0, "follow": 0.3, "wander": 6.0}),
    "quartet": Genre(
        "quartet",
        ("haydn", "mozart", "beethoven"), (40, 40, 41, 42), "violin, violin, viola, cello",
        iterations=6000, learning_rate=5e-4, held_out=10,
        # the first violin climbs above the chorales' range (C#6): pitches C2 to D#7
        settings={"lowest_pitch": 36, "n_pitches": 64},
        # chosen on the 36 training movements (bench_genres --split training), never the held-out ones. The parts
        # rest and play detached notes where the model rests them (rests 0.35: notes of an eighth or more 1.14
        # times the movements' share, 1.32 without) and rest through bars it mostly rests (tacet 0.45: empty bars
        # 0.053 against 0.059, 0.045 without); doublings in octaves are the quartets' idiom (0.87 parallels a bar
        # there): a small reward (-1.5) gives 0.90 with those rests. The generator keeps each voice within about
        # an octave: registers that move phrase by phrase (follow, wander), cheaper chromatic chords and leaps
        # widen them towards the movements' (pitches used 23.5 against 24.9)
        voicing={"parallel": -1.5, "follow": 0.3, "wander": 13.0, "chromatic": 1.0, "leap": 0.2, "rests": 0.35,
                 "tacet": 0.45},
        # k545 is a piano sonata; Beethoven's op. 18 no. 1 is there twice (Humdrum and MusicXML)
        exclude=("mozart/k545/movement1_exposition.mxl", "opus18no1/movement1.krn", "opus18no1/movement2.krn",
                 "opus18no1/movement3.krn", "opus18no1/movement4.krn")),
}
"""The genre models, by ``--model`` name."""


def get_genre(name: str) -> Genre:
    """The genre called ``name``; a ValueError lists the genres for any other name."""
    if name not in GENRES:
        raise ValueError(f"no genre '{name}': the genres are {', '.join(GENRES)}")
    return GENRES[name]


def genre_voicing(name: str, reference: dict) -> dict:
    """The chord decoding's weights for a genre's model: the share of dissonant beats its corpus has
    (1 - consonant beats over whole pieces, ``reference`` as :func:`reference` gives it), aimed at by
    :attr:`~composerlab.models.gan.chords.VoicingWeights.dissonance` as Bach's quarter is for the
    chorales, and the genre's own weights (:attr:`Genre.voicing`)."""
    return {"dissonance": round(1.0 - reference["consonant_beats"]["mean"], 3), **get_genre(name).voicing}


def corpus_files(name: str) -> list[Path]:
    """The music21 corpus files a genre learns from: its collections' scores, by name, every ``every``-th."""
    import music21

    from composerlab.music.notation import is_notation_name

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


def cache_path(name: str) -> Path:
    """Where a genre's parsed pieces are kept (``.cache/genres/<name>_v1.npz`` + ``.json``)."""
    folder = cache_dir() / "genres"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}_v{CACHE_VERSION}.npz"


def read_genre(name: str, limit: int | None = None, progress: bool = True) -> FolderMusic:
    """The pieces of a genre's corpus (melody + three parts each), read once and cached.

    ``limit`` reads only the first ``limit`` files, without the cache (for tests). A file
    the reader refuses is listed in ``skipped`` with its reason, as in your own runs.
    """
    path = cache_path(name)
    if limit is None and path.exists():
        return _load_cache(name, path)
    files = corpus_files(name)[:limit]
    started = time.perf_counter()
    found = parse_files(name, files, progress)
    if limit is None:
        _save_cache(found, path, time.perf_counter() - started)
    return found


def parse_files(name: str, files: list[Path], progress: bool = True) -> FolderMusic:
    """Parse corpus ``files`` of a genre into pieces (melody + three parts each); refused files in ``skipped``."""
    from tqdm.auto import tqdm

    from composerlab.errors import MusicFileError
    from composerlab.music.melody import read_music

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
    meta = cache_path(name).with_suffix(".json")
    return json.loads(meta.read_text()).get("parse_seconds") if meta.exists() else None


def _save_cache(found: FolderMusic, path: Path, seconds: float) -> None:
    lengths = np.array([p.roll.shape[1] for p in found.pieces])
    rolls = np.concatenate([p.roll for p in found.pieces], axis=1)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, lengths=lengths, rolls=np.packbits(rolls.ravel()))
    meta = {"folder": found.folder, "skipped": found.skipped, "parse_seconds": seconds,
            "pieces": [[p.name, p.parts, list(p.meter)] for p in found.pieces]}
    path.with_suffix(".json").write_text(json.dumps(meta))
    tmp.replace(path)


def _load_cache(name: str, path: Path) -> FolderMusic:
    meta = json.loads(path.with_suffix(".json").read_text())
    with np.load(path) as data:
        lengths, packed = data["lengths"], data["rolls"]
    total = int(lengths.sum())
    flat = np.unpackbits(packed)[: 4 * total * 128].astype(bool).reshape(4, total, 128)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    pieces = [Piece(n, flat[:, a:b].copy(), parts, tuple(meter))
              for (n, parts, meter), a, b in zip(meta["pieces"], bounds[:-1], bounds[1:])]
    return FolderMusic(meta["folder"], pieces, [tuple(s) for s in meta["skipped"]])



def train_genre(name: str, iterations: int | None = None, seed: int = 0, limit: int | None = None,
                progress: bool = True, folder: str | Path | None = None, learning_rate: float | None = None) -> dict:
    """Train a genre model on its corpus, measure it against its corpus and write its card.

    The run goes to ``folder`` (default :func:`composerlab.paths.user_models_dir`) as
    ``<name>.weights.h5``, ``.json`` and ``.md``, never to ``data/models``; :func:`install`
    copies it there. Returns what :func:`composerlab.models.gan.custom.train_custom` returns,
    with ``report`` (:func:`genre_report`), ``load`` (load averages before and after) and ``command``.
    """
    genre = get_genre(name)
    iterations = iterations or genre.iterations
    learning_rate = learning_rate or genre.learning_rate
    started = time.perf_counter()
    found = read_genre(name, limit=limit, progress=progress)
    read_seconds = time.perf_counter() - started
    load_before = os.getloadavg()
    result = train_custom(found, name, iterations=iterations, learning_rate=learning_rate, seed=seed,
                          progress=progress, folder=folder, check=False, select_best=True, settings=genre.settings,
                          eval_every=max(1, iterations // EVALUATIONS), split=genre_split(name))
    load_after = os.getloadavg()
    stem = Path(str(result["path"]).removesuffix(".weights.h5"))
    meta_path = Path(f"{stem}.json")
    info = json.loads(meta_path.read_text())
    # Chord decoding at the corpus's own share of dissonance, written before the figures so compose() uses it.
    info.update({"decoding": "chords", "voicing": genre_voicing(name, reference(found))})
    meta_path.write_text(json.dumps(info, indent=1))
    from composerlab.models.gan.generate import load_model

    load_model.cache_clear()
    report = genre_report(name, model=str(stem), found=found, seed=seed)
    command = (f"composerlab train gan --genre {name}"
               + (f" --iterations {iterations}" if iterations != genre.iterations else "")
               + (f" --learning-rate {learning_rate:g}" if learning_rate != genre.learning_rate else "")
               + (f" --seed {seed}" if seed else ""))
    info.update({"selection": "weighted mean |log ratio|, consonant beats and chord fit counted twice",
                 "summary": genre.summary, "genre": name, "programs": list(genre.programs), "command": command,
                 "read_seconds": read_seconds, "parse_seconds": parse_seconds(name) if limit is None else read_seconds,
                 "wall_seconds": result["wall_seconds"],
                 "load_average": {"before": list(load_before), "after": list(load_after)},
                 "corpus_files": [corpus_name(p) for p in corpus_files(name)][:limit], "report": report})
    meta_path.write_text(json.dumps(info, indent=1))
    load_model.cache_clear()  # the figures loaded the run before its settings named its instruments
    card = write_genre_card(stem, info)
    return {**result, "card": card, "report": report, "load": info["load_average"], "command": command}


def install(name: str, folder: str | Path | None = None) -> list:
    """Copy a genre run (``out/models/<name>.*``) over the shipped ``data/models/<name>_gan.*``.

    The card's file names already say ``<name>_gan``. Raises FileNotFoundError, copying
    nothing, when the run is missing.
    """
    from composerlab.models import install_run

    genre = get_genre(name)
    stem = Path(folder or user_models_dir()) / name
    return install_run(stem, SUFFIXES, genre.shipped_stem, f"{name} genre model",
                       f"composerlab train gan --genre {name}")

"""The Bach chorales of music21's corpus: four voices on the 16th-note grid, parsed once and cached.

The chorales ship inside music21, so nothing is downloaded. Each chorale in 4/4 with Soprano,
Alto, Tenor and Bass parts becomes a (4, steps, 128) boolean roll; the GAN, the AR-CNN and the
Transformer all learn from them (each cuts its own windows).
"""
from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import music21
import numpy as np
from tqdm.auto import tqdm

from composerlab.models.corpora.cache import Cache, pack_rolls, unpack_rolls
from composerlab.music.notation import from_music21
from composerlab.music.pianoroll import STEPS_PER_BAR, stack_rolls

VOICES = ("Soprano", "Alto", "Tenor", "Bass")
"""Track order everywhere: the melody first, then the three voices a model writes."""
LOWEST_PITCH = 34
"""Lowest MIDI pitch a model sees (B-flat 1): the bass of every chorale, transposed a little, fits."""
N_MODEL_PITCHES = 52
"""Pitches a model sees, LOWEST_PITCH up to LOWEST_PITCH + 51 (C#6)."""
CACHE = Cache("bach_chorales", version=2)


@dataclass
class Chorale:
    """One chorale as a (4, steps, 128) boolean roll, in VOICES order."""

    name: str
    roll: np.ndarray

    @property
    def bars(self) -> int:
        return self.roll.shape[1] // STEPS_PER_BAR


def voice_index(name: str) -> int | None:
    """Which of the four voices a part's name is (``"Soprano 1"``: 0), None for another part."""
    lowered = name.strip().lower()
    for i, voice in enumerate(VOICES):
        if lowered.startswith(voice.lower()):
            return i
    return None


def parse_chorale(path) -> Chorale | None:
    """One corpus file as a :class:`Chorale`, or None when it is not a 4/4 four-voice chorale."""
    score = music21.corpus.parse(path)
    multitrack = from_music21(score, source=Path(str(path)).name)
    if tuple(multitrack.time_signature) != (4, 4):
        return None
    order = {}
    for t, track in enumerate(multitrack.tracks):
        v = voice_index(track.name)
        if v is not None and v not in order:
            order[v] = t
    if len(order) != 4:
        return None
    rolls = stack_rolls(multitrack) > 0
    steps = -(-rolls.shape[1] // STEPS_PER_BAR) * STEPS_PER_BAR
    roll = np.zeros((4, steps, 128), dtype=bool)
    for v, t in order.items():
        roll[v, : rolls.shape[1]] = rolls[t]
    return Chorale(Path(str(path)).stem, roll)


def cache_path() -> Path:
    """Where the parsed chorales are kept (under ``.cache/``)."""
    return CACHE.path()


def load_chorales(limit: int | None = None, progress: bool = False) -> list[Chorale]:
    """Every 4/4 four-voice Bach chorale of the music21 corpus, parsed once and cached.

    Parameters
    ----------
    limit : int, optional
        Keep the first ``limit`` chorales (by name): small runs for tests.
    progress : bool
        Show a progress bar while parsing the corpus the first time.

    Notes
    -----
    Chorales whose soprano line repeats one already kept are left out: the
    corpus holds a few tunes twice, and a copy in each split would leak
    validation data into training.
    """
    saved = CACHE.load()
    if saved is None:
        chorales = parse_corpus(progress)
        CACHE.save(pack_rolls([c.roll for c in chorales], axis=1), meta={"names": [c.name for c in chorales]})
        saved = CACHE.load()
    arrays, meta = saved
    chorales = [Chorale(name, roll) for name, roll in zip(meta["names"], unpack_rolls(arrays, axis=1))]
    return chorales[:limit] if limit else chorales


def parse_distinct(parse, soprano_bytes, files=None, progress: bool = False) -> list:
    """Every Bach file of the corpus (or ``files``) through ``parse`` (minutes), each soprano line once.

    ``parse(file)`` returns a chorale, or None (or raises) for a file that is not one; ``soprano_bytes``
    gives the bytes of a chorale's soprano, so that a chorale the corpus holds twice is kept once.
    """
    files = sorted(music21.corpus.getComposer("bach"), key=lambda p: p.name) if files is None else files
    chorales, seen = [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for file in tqdm(files, desc="parsing chorales", disable=not progress):
            try:
                chorale = parse(file)
            except Exception:  # a handful of corpus files are not chorales music21 can lay out
                continue
            if chorale is None:
                continue
            fingerprint = zlib.crc32(soprano_bytes(chorale))
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            chorales.append(chorale)
    return chorales


def parse_corpus(progress: bool = False) -> list[Chorale]:
    """Parse every Bach file of the corpus (minutes); the chorales, each soprano line once."""
    return parse_distinct(parse_chorale, lambda chorale: np.packbits(chorale.roll[0]).tobytes(), progress=progress)

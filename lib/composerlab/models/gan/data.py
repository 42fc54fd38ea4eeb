"""The Bach chorale dataset: four voices on the 16th-note grid, as tensors.

The chorales ship inside music21 (its corpus folder), so nothing is
downloaded. Each chorale in 4/4 with Soprano, Alto, Tenor and Bass parts
becomes a (4, steps, 128) boolean piano roll; the soprano is the melody a
model is given, the other three voices what it learns to write. Parsing the
corpus takes a minute or two, so the rolls are cached once in
``.cache/`` (git-ignored); windows, the split and transposition are cheap and
made from the cache each time. Introduced in lab 02.
"""
from __future__ import annotations

import argparse
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from composerlab.music.pianoroll import STEPS_PER_BAR
from composerlab.paths import cache_dir

VOICES = ("Soprano", "Alto", "Tenor", "Bass")
"""Track order everywhere: the melody first, then the three voices a model writes."""
LOWEST_PITCH = 34
"""Lowest MIDI pitch a model sees (B-flat 1): the bass of every chorale, transposed a little, fits."""
N_MODEL_PITCHES = 52
"""Pitches a model sees, LOWEST_PITCH up to LOWEST_PITCH + 51 (C#6)."""
CACHE_VERSION = 1
VALIDATION_SHARE = 0.1


@dataclass
class Chorale:
    """One chorale as a (4, steps, 128) boolean roll, in VOICES order."""

    name: str
    roll: np.ndarray

    @property
    def bars(self) -> int:
        return self.roll.shape[1] // STEPS_PER_BAR


@dataclass
class ChoraleDataset:
    """Windows of whole bars cut from chorales, split by chorale.

    Attributes
    ----------
    train, validation : ndarray
        Boolean arrays of shape (windows, 4, bars * 16, 128), voices in
        :data:`VOICES` order.
    train_names, validation_names : list of str
        The chorales each split was cut from (never shared between splits).
    """

    train: np.ndarray
    validation: np.ndarray
    train_names: list = field(default_factory=list)
    validation_names: list = field(default_factory=list)
    bars: int = 2
    validation_chorales: list = field(default_factory=list)

    def summary(self) -> dict:
        """Pieces, windows and the pitch range of each voice, for people."""
        both = np.concatenate([self.train, self.validation]) if len(self.validation) else self.train
        ranges = {}
        for v, voice in enumerate(VOICES):
            used = np.flatnonzero(both[:, v].any(axis=(0, 1)))
            ranges[voice] = (int(used.min()), int(used.max())) if used.size else (None, None)
        return {
            "pieces": len(self.train_names) + len(self.validation_names),
            "train_pieces": len(self.train_names),
            "validation_pieces": len(self.validation_names),
            "train_windows": int(len(self.train)),
            "validation_windows": int(len(self.validation)),
            "bars_per_window": self.bars,
            "pitch_range": ranges,
        }


def _voice_index(name: str) -> int | None:
    lowered = name.strip().lower()
    for i, voice in enumerate(VOICES):
        if lowered.startswith(voice.lower()):
            return i
    return None


def parse_chorale(path) -> Chorale | None:
    """One corpus file as a :class:`Chorale`, or None when it is not a 4/4 four-voice chorale."""
    import music21

    from composerlab.music.notation import from_music21
    from composerlab.music.pianoroll import stack_rolls

    score = music21.corpus.parse(path)
    multitrack = from_music21(score, source=Path(str(path)).name)
    if tuple(multitrack.time_signature) != (4, 4):
        return None
    order = {}
    for t, track in enumerate(multitrack.tracks):
        v = _voice_index(track.name)
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
    """Where the parsed chorales are kept (``.cache/bach_chorales_v1.npz``)."""
    return cache_dir() / f"bach_chorales_v{CACHE_VERSION}.npz"


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
    path = cache_path()
    if not path.exists():
        _build_cache(path, progress)
    with np.load(path) as data:
        names = [str(n) for n in data["names"]]
        lengths = data["lengths"]
        packed = data["rolls"]
    flat = np.unpackbits(packed)[: int(lengths.sum()) * 4 * 128].astype(bool)
    flat = flat.reshape(4, int(lengths.sum()), 128)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    chorales = [Chorale(n, flat[:, a:b].copy()) for n, a, b in zip(names, bounds[:-1], bounds[1:])]
    return chorales[:limit] if limit else chorales


def _build_cache(path: Path, progress: bool) -> None:
    import music21
    from tqdm.auto import tqdm

    files = sorted(music21.corpus.getComposer("bach"), key=lambda p: p.name)
    chorales, seen = [], set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for file in tqdm(files, desc="parsing chorales", disable=not progress):
            try:
                chorale = parse_chorale(file)
            except Exception:  # a handful of corpus files are not chorales music21 can lay out
                continue
            if chorale is None:
                continue
            fingerprint = zlib.crc32(np.packbits(chorale.roll[0]).tobytes())
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            chorales.append(chorale)
    lengths = np.array([c.roll.shape[1] for c in chorales])
    rolls = np.concatenate([c.roll for c in chorales], axis=1)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, names=np.array([c.name for c in chorales]), lengths=lengths,
                        rolls=np.packbits(rolls.ravel()))
    tmp.replace(path)


def is_validation(name: str, share: float = VALIDATION_SHARE) -> bool:
    """Whether a chorale belongs to the validation split: a fixed hash of its name, never chance."""
    return zlib.crc32(name.encode()) % 1000 < share * 1000


def windows(roll: np.ndarray, bars: int = 2, hop_bars: int = 1) -> np.ndarray:
    """Cut a (4, steps, 128) roll into windows of ``bars`` whole bars, every ``hop_bars`` bars.

    Windows where a voice is silent throughout (rests between phrases) are left out.
    """
    size, hop = bars * STEPS_PER_BAR, hop_bars * STEPS_PER_BAR
    out = [roll[:, s: s + size] for s in range(0, roll.shape[1] - size + 1, hop)]
    out = [w for w in out if w.any(axis=2).any(axis=1).all()]
    return np.stack(out) if out else np.zeros((0, 4, size, 128), dtype=bool)


def build_dataset(bars: int = 2, hop_bars: int = 1, limit: int | None = None,
                  validation_share: float = VALIDATION_SHARE) -> ChoraleDataset:
    """The windowed dataset, split by chorale (a chorale's windows all go to one side).

    Parameters
    ----------
    bars : int
        Bars per window (2 in the original lab).
    hop_bars : int
        Bars between the starts of two windows.
    limit : int, optional
        Use only the first ``limit`` chorales.
    validation_share : float
        About this share of chorales goes to validation.
    """
    chorales = load_chorales(limit)
    train, val, train_names, val_names, val_chorales = [], [], [], [], []
    for chorale in chorales:
        cut = windows(chorale.roll, bars, hop_bars)
        if is_validation(chorale.name, validation_share):
            val.append(cut)
            val_names.append(chorale.name)
            val_chorales.append(chorale)
        else:
            train.append(cut)
            train_names.append(chorale.name)
    empty = np.zeros((0, 4, bars * STEPS_PER_BAR, 128), dtype=bool)
    return ChoraleDataset(
        train=np.concatenate(train) if train else empty,
        validation=np.concatenate(val) if val else empty,
        train_names=train_names, validation_names=val_names, bars=bars,
        validation_chorales=val_chorales,
    )


def to_model_range(rolls: np.ndarray, lowest: int = LOWEST_PITCH, n_pitches: int = N_MODEL_PITCHES) -> np.ndarray:
    """Crop the pitch axis (last) from 128 to the model's range; notes outside are dropped."""
    return rolls[..., lowest: lowest + n_pitches]


def from_model_range(rolls: np.ndarray, lowest: int = LOWEST_PITCH) -> np.ndarray:
    """Put model-range rolls back on the full 128-pitch axis."""
    out = np.zeros(rolls.shape[:-1] + (128,), dtype=rolls.dtype)
    out[..., lowest: lowest + rolls.shape[-1]] = rolls
    return out


def transposed_batch(windows_: np.ndarray, index: np.ndarray, rng: np.random.Generator,
                     max_shift: int = 5, lowest: int = LOWEST_PITCH,
                     n_pitches: int = N_MODEL_PITCHES) -> np.ndarray:
    """Windows ``index``, each transposed by a random number of semitones, cropped to the model range.

    A shift that would push a note out of the model's range is reduced until it
    fits, so no note is ever lost. Returns float32 values -1 (off) / +1 (on) in
    shape (batch, 4, steps, n_pitches).
    """
    batch = windows_[index]
    used = batch.any(axis=(1, 2))
    has = used.any(axis=1)
    low = np.where(has, used.argmax(axis=1), lowest)
    high = np.where(has, 127 - used[:, ::-1].argmax(axis=1), lowest)
    shift = rng.integers(-max_shift, max_shift + 1, size=len(index))
    shift = np.clip(shift, lowest - low, lowest + n_pitches - 1 - high)
    out = np.empty(batch.shape[:-1] + (n_pitches,), dtype=np.float32)
    for i, k in enumerate(shift):
        out[i] = batch[i, ..., lowest - k: lowest - k + n_pitches]
    return out * 2.0 - 1.0


def main(argv=None) -> int:
    """``python -m composerlab.models.gan.data``: build the cache and print the summary."""
    parser = argparse.ArgumentParser(description="Parse the Bach chorales once and summarise the dataset.")
    parser.add_argument("--bars", type=int, default=2)
    args = parser.parse_args(argv)
    load_chorales(progress=True)
    for key, value in build_dataset(bars=args.bars).summary().items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The GAN's dataset: windows of whole bars cut from the Bach chorales, split by chorale, transposed.

The chorales come parsed from the corpus floor (:mod:`composerlab.models.corpora.chorales`);
the soprano is the melody a model is given, the other three voices what it learns to write.
Windows, the split and transposition are cheap and made each time. Introduced in lab 02.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import numpy as np

from composerlab.models.corpora.chorales import LOWEST_PITCH, N_MODEL_PITCHES, VOICES, load_chorales
from composerlab.models.corpora.split import VALIDATION_SHARE, is_validation
from composerlab.music.pianoroll import STEPS_PER_BAR


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

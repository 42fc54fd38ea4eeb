"""Melodies as tokens: REMI (bars, positions, pitches, durations) in the tune's own meter.

A tune is ``BOS``, one ``Meter`` token (4/4, 2/2, 3/4, 2/4 or 6/8), then its bars: each bar starts with
``Bar`` and each note is three tokens, ``Position`` (its 16th in the bar), ``Pitch`` (48-95) and
``Duration`` (1-16 sixteenths). A pickup is a first bar whose notes start late. ``Pitch`` ids are
consecutive, so transposing a tune is adding to its pitch ids. The layout is miditok's REMI; we write
the tokens ourselves because miditok counts a bar's positions in the meter's own beat (32nd notes in
6/8) and repeats the meter in every bar, where the kit needs one 16th-note grid in every meter.
Introduced in lab 06.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from composerlab.music.pianoroll import Note, steps_per_bar

LOWEST_PITCH = 48
"""Lowest melody pitch the model knows (C3)."""
HIGHEST_PITCH = 95
"""Highest melody pitch the model knows (B6)."""
METERS = ((4, 4), (2, 2), (3, 4), (2, 4), (6, 8))
"""The meters the tokens know (every bar at most 16 steps)."""
MAX_DURATION = 16
"""Longest note length a token holds, in steps (a whole note); longer notes are cut to it."""
_NEXT_KINDS = {
    "BOS": ("Meter",),
    "Meter": ("Bar",),
    "Bar": ("Bar", "Position"),
    "Position": ("Pitch",),
    "Pitch": ("Duration",),
    "Duration": ("Bar", "Position"),
}
"""Which kind of token may follow which, in a one-voice melody."""


def meter_name(meter) -> str:
    return f"{meter[0]}/{meter[1]}"


class MelodyTokenizer:
    """REMI tokens for one-voice melodies in the meters of :data:`METERS`, with the ids a sampler needs.

    Attributes
    ----------
    pad, bos, eos, bar : int
        Special ids.
    kinds : ndarray of str
        The kind of every id (``"Meter"``, ``"Bar"``, ``"Position"``, ``"Pitch"``, ``"Duration"``...).
    values : ndarray of int
        Pitch for ``Pitch`` ids, step in the bar for ``Position`` ids, length in steps for ``Duration``
        ids, steps per bar for ``Meter`` ids, -1 otherwise.
    meters : dict
        ``(numerator, denominator)`` -> its ``Meter`` id.
    """

    def __init__(self):
        names = ["PAD_None", "BOS_None", "EOS_None"] + [f"Meter_{meter_name(m)}" for m in METERS] + ["Bar_None"]
        names += [f"Position_{p}" for p in range(max(steps_per_bar(m) for m in METERS))]
        names += [f"Pitch_{p}" for p in range(LOWEST_PITCH, HIGHEST_PITCH + 1)]
        names += [f"Duration_{d}" for d in range(1, MAX_DURATION + 1)]
        self.names = names
        self.vocab = {name: i for i, name in enumerate(names)}
        self.size = len(names)
        self.kinds = np.array([name.partition("_")[0] for name in names], dtype=object)
        self.values = np.full(self.size, -1, dtype=np.int32)
        for i, name in enumerate(names):
            kind, _, value = name.partition("_")
            if kind == "Meter":
                self.values[i] = steps_per_bar(tuple(int(v) for v in value.split("/")))
            elif kind in ("Position", "Pitch", "Duration"):
                self.values[i] = int(value)
        self.pad, self.bos, self.eos, self.bar = (self.vocab[n] for n in ("PAD_None", "BOS_None", "EOS_None", "Bar_None"))
        self.meters = {m: self.vocab[f"Meter_{meter_name(m)}"] for m in METERS}
        self.first_pitch_id = self.vocab[f"Pitch_{LOWEST_PITCH}"]
        self.allowed_after = {kind: np.isin(self.kinds, next_kinds) for kind, next_kinds in _NEXT_KINDS.items()}

    def __len__(self) -> int:
        return self.size

    def meter_id(self, meter) -> int:
        """The ``Meter`` id of ``meter``; ValueError naming the meters known for any other."""
        meter = tuple(meter)
        if meter not in self.meters:
            raise ValueError(f"{meter_name(meter)} is not a meter the Transformer knows "
                             f"({', '.join(meter_name(m) for m in METERS)})")
        return self.meters[meter]

    def encode(self, notes: list[Note], meter=(4, 4), bos: bool = True) -> np.ndarray:
        """Notes on the grid (one voice, bar lines every bar of ``meter`` from step 0) -> int32 ids,
        ``BOS`` and the meter first.

        Notes outside the pitch range are moved by octaves into it; of notes that start together only the
        highest is kept (one voice), and a note longer than :data:`MAX_DURATION` is cut to it.
        """
        bar = steps_per_bar(tuple(meter))
        ids = [self.bos, self.meter_id(meter)] if bos else []
        current = -1
        by_start: dict[int, Note] = {}
        for note in notes:
            if note.start not in by_start or note.pitch > by_start[note.start].pitch:
                by_start[note.start] = note
        for start in sorted(by_start):
            note = by_start[start]
            pitch = note.pitch
            while pitch < LOWEST_PITCH:
                pitch += 12
            while pitch > HIGHEST_PITCH:
                pitch -= 12
            while current < start // bar:
                ids.append(self.bar)
                current += 1
            ids += [self.vocab[f"Position_{start % bar}"], self.vocab[f"Pitch_{pitch}"],
                    self.vocab[f"Duration_{min(max(note.length, 1), MAX_DURATION)}"]]
        return np.asarray(ids, dtype=np.int32)

    def decode(self, ids, meter=(4, 4)) -> list[Note]:
        """Token ids -> notes on the grid, in bars of ``meter`` (or of the ``Meter`` token the ids hold);
        ids out of grammar order are skipped."""
        notes, bar, position, pitch = [], -1, None, None
        length = steps_per_bar(tuple(meter))
        for i in np.asarray(ids, dtype=np.int64):
            kind = self.kinds[i]
            if kind == "Meter":
                length = int(self.values[i])
            elif kind == "Bar":
                bar, position, pitch = bar + 1, None, None
            elif kind == "Position" and self.values[i] < length:
                position, pitch = int(self.values[i]), None
            elif kind == "Pitch" and position is not None:
                pitch = int(self.values[i])
            elif kind == "Duration" and pitch is not None:
                notes.append(Note(max(bar, 0) * length + position, pitch, int(self.values[i])))
                pitch = None
        return sorted(notes)

    def tokens(self, ids) -> list[str]:
        """Token ids -> their names (``Bar_None``, ``Pitch_67``...), for people."""
        return [self.names[int(i)] for i in ids]

    def transpose(self, ids: np.ndarray, semitones: int) -> np.ndarray:
        """Move every ``Pitch`` id by ``semitones`` (the caller keeps it in range)."""
        out = np.array(ids, copy=True)
        out[self.kinds[out] == "Pitch"] += semitones
        return out

    def pitch_span(self, ids: np.ndarray) -> tuple[int, int]:
        """(lowest, highest) pitch in ``ids``."""
        pitches = self.values[ids[self.kinds[ids] == "Pitch"]]
        return int(pitches.min()), int(pitches.max())

    def allowed_next(self, previous: int, position: int, bar: int = 16) -> np.ndarray:
        """Boolean mask over the vocabulary: the ids that may follow ``previous`` in a melody in bars of
        ``bar`` steps.

        ``position`` is the step in the bar of the latest note (-1 after a bar line): a new position must
        come later and inside the bar, so notes never go back in time.
        """
        kind = self.kinds[previous]
        mask = self.allowed_after.get(kind, self.allowed_after["Duration"]).copy()
        if kind in ("Bar", "Duration"):
            positions = self.kinds == "Position"
            mask &= ~(positions & ((self.values <= position) | (self.values >= bar)))
        return mask


@lru_cache(maxsize=1)
def tokenizer() -> MelodyTokenizer:
    """The one tokenizer."""
    return MelodyTokenizer()

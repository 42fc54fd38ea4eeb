"""Melodies as tokens: miditok's REMI on the kit's 16th-note grid, with the ids a sampler needs.

miditok is the maintained library for symbolic-music tokens and round-trips our notes exactly: with
4 positions per beat its grid is the kit's, and the pitch range is the model's 48-95. Each note is three
tokens (``Position``, ``Pitch``, ``Duration``), each bar starts with ``Bar``; ``Pitch`` ids are
consecutive, so transposing a tune is adding to its pitch ids. Introduced in lab 06.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from composerlab.music.pianoroll import STEPS_PER_BAR, STEPS_PER_BEAT, Note

LOWEST_PITCH = 48
"""Lowest melody pitch the model knows (C3)."""
HIGHEST_PITCH = 95
"""Highest melody pitch the model knows (B6)."""

# Which kind of token may follow which, in a monophonic REMI melody.
_NEXT_KINDS = {
    "BOS": ("Bar",),
    "Bar": ("Bar", "Position"),
    "Position": ("Pitch",),
    "Pitch": ("Duration",),
    "Duration": ("Bar", "Position"),
}


class MelodyTokenizer:
    """REMI tokens for one-voice melodies, with the ids a sampler needs.

    Attributes
    ----------
    remi : miditok.REMI
        The miditok tokenizer.
    pad, bos, eos, bar : int
        Special ids.
    kinds : ndarray of str
        The kind of every id (``"Bar"``, ``"Position"``, ``"Pitch"``, ``"Duration"``...).
    values : ndarray of int
        Pitch for ``Pitch`` ids, step in the bar for ``Position`` ids, length in steps
        for ``Duration`` ids, -1 otherwise.
    """

    def __init__(self):
        from miditok import REMI, TokenizerConfig  # most of a second to load: deferred to the first tokenizer

        config = TokenizerConfig(
            pitch_range=(LOWEST_PITCH, HIGHEST_PITCH),  # both ends included
            beat_res={(0, 4): STEPS_PER_BEAT},
            use_velocities=False,
            use_pitchdrum_tokens=False,  # melodies have no drums
            special_tokens=["PAD", "BOS", "EOS"],
        )
        self.remi = REMI(config)
        vocab = self.remi.vocab
        self.size = len(vocab)
        self.kinds = np.empty(self.size, dtype=object)
        self.values = np.full(self.size, -1, dtype=np.int32)
        for text, i in vocab.items():
            kind, _, value = text.partition("_")
            self.kinds[i] = kind
            if kind in ("Pitch", "Position"):
                self.values[i] = int(value)
            elif kind == "Duration":
                beats, steps, per_beat = (int(v) for v in value.split("."))
                self.values[i] = beats * STEPS_PER_BEAT + steps * STEPS_PER_BEAT // per_beat
        self.pad, self.bos, self.eos = vocab["PAD_None"], vocab["BOS_None"], vocab["EOS_None"]
        self.bar = vocab["Bar_None"]
        pitch_ids = np.flatnonzero(self.kinds == "Pitch")
        if not np.array_equal(self.values[pitch_ids], np.arange(LOWEST_PITCH, HIGHEST_PITCH + 1)) or \
                np.any(np.diff(pitch_ids) != 1):
            raise RuntimeError("this miditok version does not number Pitch tokens in order; transposition needs it")
        self.first_pitch_id = int(pitch_ids[0])
        self.allowed_after = {kind: np.isin(self.kinds, next_kinds) for kind, next_kinds in _NEXT_KINDS.items()}

    def __len__(self) -> int:
        return self.size

    def encode(self, notes: list[Note], bos: bool = True) -> np.ndarray:
        """Notes on the grid (one voice, 4/4 bars) -> int32 token ids, ``BOS`` first.

        Notes outside the pitch range are moved by octaves into it.
        """
        from symusic import Note as SyNote  # miditok's own score library: loaded with it, on first use
        from symusic import Score, Track

        score = Score(STEPS_PER_BEAT)  # ticks per quarter = grid steps per beat: ticks are steps
        track = Track(program=0)
        for note in sorted(notes):
            pitch = note.pitch
            while pitch < LOWEST_PITCH:
                pitch += 12
            while pitch > HIGHEST_PITCH:
                pitch -= 12
            track.notes.append(SyNote(int(note.start), int(note.length), int(pitch), 90))
        score.tracks.append(track)
        encoded = self.remi.encode(score)
        sequence = encoded[0] if isinstance(encoded, list) else encoded
        ids = np.asarray(sequence.ids, dtype=np.int32)
        return np.concatenate([[self.bos], ids]).astype(np.int32) if bos else ids

    def decode(self, ids) -> list[Note]:
        """Token ids -> notes on the grid; ids out of grammar order are skipped."""
        notes, bar, position, pitch = [], -1, None, None
        for i in np.asarray(ids, dtype=np.int64):
            kind = self.kinds[i]
            if kind == "Bar":
                bar, position, pitch = bar + 1, None, None
            elif kind == "Position":
                position, pitch = int(self.values[i]), None
            elif kind == "Pitch" and position is not None:
                pitch = int(self.values[i])
            elif kind == "Duration" and pitch is not None:
                start = max(bar, 0) * STEPS_PER_BAR + position
                notes.append(Note(start, pitch, int(self.values[i])))
                pitch = None
        return sorted(notes)

    def tokens(self, ids) -> list[str]:
        """Token ids -> their names (``Bar_None``, ``Pitch_67``...), for people."""
        names = {i: t for t, i in self.remi.vocab.items()}
        return [names[int(i)] for i in ids]

    def transpose(self, ids: np.ndarray, semitones: int) -> np.ndarray:
        """Move every ``Pitch`` id by ``semitones`` (the caller keeps it in range)."""
        out = np.array(ids, copy=True)
        out[self.kinds[out] == "Pitch"] += semitones
        return out

    def pitch_span(self, ids: np.ndarray) -> tuple[int, int]:
        """(lowest, highest) pitch in ``ids``."""
        pitches = self.values[ids[self.kinds[ids] == "Pitch"]]
        return int(pitches.min()), int(pitches.max())

    def allowed_next(self, previous: int, position: int) -> np.ndarray:
        """Boolean mask over the vocabulary: the ids that may follow ``previous`` in a melody.

        ``position`` is the step in the bar of the latest note (-1 after a bar
        line): a new position must come later, so notes never go back in time.
        """
        kind = self.kinds[previous]
        mask = self.allowed_after.get(kind, self.allowed_after["Duration"]).copy()
        if kind in ("Bar", "Duration"):
            mask &= ~((self.kinds == "Position") & (self.values <= position))
        return mask


@lru_cache(maxsize=1)
def tokenizer() -> MelodyTokenizer:
    """The one tokenizer (building miditok's vocabulary takes a moment)."""
    return MelodyTokenizer()

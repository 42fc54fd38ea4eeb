"""The piano-roll grid every model and player in Composer Lab works on: notes <-> rolls, Multitracks.

A composition is a :class:`pypianoroll.Multitrack` at 4 steps per quarter note (16th notes), pitch
0-127, one track per voice; 8 bars of 4/4 are 128 steps. Repeated notes stay apart (see
:func:`notes_to_roll`). A model that works on on/off cells keeps each note's start beside them in an
*onset plane* (:func:`onsets_of`, :func:`roll_to_notes` with ``onsets``), so a repeated note stays
repeated and a held note stays held. Introduced in lab 01.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np
import pypianoroll

STEPS_PER_BEAT = 4
"""Grid steps per quarter note (16th notes)."""
STEPS_PER_BAR = 16
"""Grid steps in a bar of 4/4."""
DEFAULT_BARS = 8
"""Models work on 8 bars: 128 steps of 4/4."""
N_PITCHES = 128
DEFAULT_TEMPO = 100.0
DEFAULT_VELOCITY = 90


@dataclass(frozen=True, order=True)
class Note:
    """One note on the grid: MIDI pitch, start step, length in steps, velocity."""

    start: int
    pitch: int
    length: int
    velocity: int = DEFAULT_VELOCITY

    @property
    def end(self) -> int:
        return self.start + self.length


def steps_per_bar(time_signature: tuple[int, int]) -> int:
    """Steps in one bar of ``time_signature`` (numerator, denominator)."""
    numerator, denominator = time_signature
    steps = Fraction(numerator * 4 * STEPS_PER_BEAT, denominator)
    if steps.denominator != 1 or steps <= 0:
        raise ValueError(f"{numerator}/{denominator} does not fit the 16th-note grid")
    return int(steps)


def notes_to_roll(notes: Iterable[Note], n_steps: int) -> np.ndarray:
    """Draw notes into a (n_steps, 128) uint8 velocity roll, keeping repeated notes apart.

    pypianoroll's own ``to_pretty_midi`` joins two repeated notes of one pitch into one long note
    (Twinkle Twinkle's "C C" becomes a held C); we keep them apart with a rule of our own: inside a held
    pitch, a change of velocity starts a new note. Where two notes of one pitch and one velocity touch,
    the second is stored one velocity step softer, which no ear can hear.
    """
    roll = np.zeros((n_steps, N_PITCHES), dtype=np.uint8)
    for note in sorted(notes):
        start, end = max(note.start, 0), min(note.end, n_steps)
        if end <= start:
            continue
        velocity = int(np.clip(note.velocity, 1, 127))
        column = roll[:, note.pitch]
        # A note still sounding at this start is cut here, as a MIDI player does.
        later = np.flatnonzero(column[start:] == 0)
        held_until = start + (later[0] if later.size else n_steps - start)
        column[start:held_until] = 0
        if start > 0 and column[start - 1] == velocity:
            velocity = velocity - 1 if velocity > 1 else velocity + 1
        column[start:end] = velocity
    return roll


def onsets_of(roll: np.ndarray) -> np.ndarray:
    """The onset plane of a velocity or boolean (n_steps, 128) roll: True where a note starts.

    A note starts where a pitch sounds after silence or at another velocity (the rule of
    :func:`notes_to_roll`), so ``roll_to_notes(roll > 0, onsets_of(roll))`` gives the notes of ``roll``.
    """
    values = np.asarray(roll)
    if values.dtype == bool:
        values = values.astype(np.uint8)
    values = np.clip(values, 0, 127).astype(np.int16)
    before = np.pad(values, ((1, 0), (0, 0)))[:-1]
    return (values > 0) & (values != before)


def roll_to_notes(roll: np.ndarray, onsets: np.ndarray | None = None) -> list[Note]:
    """Read notes back from a velocity or boolean roll of shape (n_steps, 128).

    ``onsets`` (the roll's shape, booleans) marks where notes start: a run of sounding cells is cut
    into notes at each one, so cells that carry no velocity (a boolean roll) keep their repeated notes.
    """
    values = np.asarray(roll)
    if values.dtype == bool:
        values = values.astype(np.uint8) * DEFAULT_VELOCITY
    values = np.clip(values, 0, 127).astype(np.int16)
    padded = np.pad(values, ((1, 1), (0, 0)))
    changes = np.diff(padded, axis=0) != 0
    if onsets is not None:
        changes[:-1] |= np.asarray(onsets, bool) & (values > 0)
    notes = []
    for pitch in np.flatnonzero(changes.any(axis=0)):
        bounds = np.flatnonzero(changes[:, pitch])
        for start, end in zip(bounds[:-1], bounds[1:]):
            velocity = int(values[start, pitch])
            if velocity > 0:
                notes.append(Note(int(start), int(pitch), int(end - start), velocity))
    return sorted(notes)


def note_runs(roll: np.ndarray) -> list[tuple[int, int, int]]:
    """The notes of a boolean (steps, pitches) roll as (pitch, start, end) runs of on cells, pitch by pitch.

    Unlike :func:`roll_to_notes` a run is a run: a repeated note held without a gap is one run
    (what a model that reads cells alone hears).
    """
    padded = np.pad(np.asarray(roll, bool), ((1, 1), (0, 0)))
    changes = np.diff(padded.astype(np.int8), axis=0)
    runs = []
    for pitch in np.flatnonzero(changes.any(axis=0)):
        starts = np.flatnonzero(changes[:, pitch] == 1)
        ends = np.flatnonzero(changes[:, pitch] == -1)
        runs += [(int(pitch), int(s), int(e)) for s, e in zip(starts, ends)]
    return runs


def make_multitrack(
    voices: Sequence[tuple[str, int, Sequence[Note]]],
    n_steps: int | None = None,
    tempo: float = DEFAULT_TEMPO,
    time_signature: tuple[int, int] = (4, 4),
    name: str = "",
    drums: Sequence[bool] | None = None,
) -> pypianoroll.Multitrack:
    """Build a Multitrack from ``(track name, GM program, notes)`` triples.

    ``n_steps`` defaults to the last note's end rounded up to a whole bar.
    """
    bar = steps_per_bar(time_signature)
    if n_steps is None:
        last = max((n.end for _, _, notes in voices for n in notes), default=0)
        n_steps = max(bar, -(-last // bar) * bar)
    tracks = [
        pypianoroll.StandardTrack(
            name=track_name,
            program=int(program),
            is_drum=bool(drums[i]) if drums is not None else False,
            pianoroll=notes_to_roll(notes, n_steps),
        )
        for i, (track_name, program, notes) in enumerate(voices)
    ]
    return new_multitrack(tracks, n_steps, tempo, time_signature, name)


def new_multitrack(
    tracks: list,
    n_steps: int,
    tempo: float | np.ndarray = DEFAULT_TEMPO,
    time_signature: tuple[int, int] = (4, 4),
    name: str = "",
) -> pypianoroll.Multitrack:
    """A Multitrack on our grid with tempo, downbeats and time signature set."""
    bar = steps_per_bar(time_signature)
    downbeat = np.zeros(n_steps, dtype=bool)
    downbeat[::bar] = True
    tempo_array = np.broadcast_to(np.asarray(tempo, dtype=float), (n_steps,)).copy()
    multitrack = pypianoroll.Multitrack(
        name=name,
        resolution=STEPS_PER_BEAT,
        tempo=tempo_array,
        downbeat=downbeat,
        tracks=tracks,
    )
    # pypianoroll keeps no time signature; 3/4 and 6/8 have the same downbeats,
    # so we keep it beside them.
    multitrack.time_signature = tuple(time_signature)
    return multitrack


def time_signature_of(multitrack: pypianoroll.Multitrack) -> tuple[int, int]:
    """The composition's time signature (4/4 when nothing says otherwise)."""
    stored = getattr(multitrack, "time_signature", None)
    if stored:
        return tuple(stored)
    if multitrack.downbeat is not None:
        beats = np.flatnonzero(multitrack.downbeat)
        if beats.size > 1:
            bar = int(beats[1] - beats[0])
            if bar % STEPS_PER_BEAT == 0:
                return (bar // STEPS_PER_BEAT, 4)
            return (bar // 2, 8)
    return (4, 4)


def n_steps_of(multitrack: pypianoroll.Multitrack) -> int:
    """Length in grid steps (the longest track, or the tempo array)."""
    lengths = [t.pianoroll.shape[0] for t in multitrack.tracks]
    if multitrack.tempo is not None:
        lengths.append(len(multitrack.tempo))
    return max(lengths, default=0)


def track_notes(track) -> list[Note]:
    """The notes of one pypianoroll track."""
    return roll_to_notes(track.pianoroll)


def stack_rolls(multitrack: pypianoroll.Multitrack, n_steps: int | None = None) -> np.ndarray:
    """All tracks as one (n_tracks, n_steps, 128) velocity array, padded or cut to ``n_steps``."""
    n_steps = n_steps_of(multitrack) if n_steps is None else n_steps
    out = np.zeros((len(multitrack.tracks), n_steps, N_PITCHES), dtype=np.uint8)
    for i, track in enumerate(multitrack.tracks):
        roll = track.pianoroll[:n_steps]
        out[i, : roll.shape[0]] = np.clip(roll, 0, 127)
    return out

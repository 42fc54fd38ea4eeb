"""What the AR-CNN reads and writes: a piece's notes as the edit loop's planes, and the edited piece.

:func:`read_notes` lays every pitched note of a piece on one roll of cells (what the network reads)
with an onset plane and, per cell, the track and velocity of its note. :func:`edited_music` reads the
loop's planes back as music: every note the loop never touched comes out exactly as it went in, in its
own track; notes it changed or put back stay in their track; notes it wrote go to a track of their own
(:data:`ADDED_TRACK`). :class:`EditResult` is the record lab 05 plots and plays.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.models.arcnn.cells import NEW, EditCells
from composerlab.music.pianoroll import (
    DEFAULT_VELOCITY,
    Note,
    make_multitrack,
    n_steps_of,
    new_multitrack,
    notes_to_roll,
    onsets_of,
    roll_to_notes,
    stack_rolls,
    steps_per_bar,
    time_signature_of,
    track_notes,
)

ADDED_TRACK = "AR-CNN"
"""The name of the track that holds the notes the AR-CNN wrote."""


@dataclass
class InputNotes:
    """A piece as the edit loop reads it.

    Attributes
    ----------
    tracks : list of (name, program, is_drum, notes)
        Every track of the piece with its notes (drums are carried through, never edited).
    cells, onsets : ndarray
        (length, 128) booleans: where a pitched note sounds, where one starts.
    owner, velocity : ndarray
        (length, 128): the track and velocity of the note that sounds in a cell (the first track's
        where two sound one pitch at once).
    length : int
        Steps the loop may edit: up to the end of the bar (in the piece's meter) of its last note.
    """

    name: str
    meter: tuple
    tempo: np.ndarray
    n_steps: int
    tracks: list
    cells: np.ndarray
    onsets: np.ndarray
    owner: np.ndarray
    velocity: np.ndarray

    @property
    def length(self) -> int:
        return len(self.cells)

    def pitched(self):
        """(track index, note) of every pitched note."""
        return [(k, note) for k, (_, _, drum, notes) in enumerate(self.tracks) if not drum for note in notes]

    def in_range(self, plane: np.ndarray, low: int, n: int) -> np.ndarray:
        """The ``n`` pitches from MIDI pitch ``low`` of a (length, 128) ``plane`` (zeros past 0-127)."""
        pitches = low + np.arange(n)
        inside = (pitches >= 0) & (pitches < 128)
        out = np.zeros((len(plane), n), plane.dtype)
        out[:, inside] = plane[:, pitches[inside]]
        return out

    def outside(self, low: int, n: int) -> bool:
        """Whether a pitched note lies outside the ``n`` pitches from ``low``."""
        return any(not low <= note.pitch < low + n for _, note in self.pitched())


def read_notes(music: pypianoroll.Multitrack) -> InputNotes:
    """The notes of ``music`` laid out for the edit loop (see :class:`InputNotes`).

    Raises :class:`MusicFileError` for music without pitched notes.
    """
    name = music.name or "music"
    tracks = [(t.name or "", int(t.program), bool(t.is_drum), track_notes(t)) for t in music.tracks]
    pitched = [(k, note) for k, (_, _, drum, notes) in enumerate(tracks) if not drum for note in notes]
    if not pitched:
        raise MusicFileError(name, "has no notes to edit")
    meter = time_signature_of(music)
    bar = steps_per_bar(meter)
    end = max(note.end for _, note in pitched)
    length = -(-end // bar) * bar
    cells = np.zeros((length, 128), bool)
    onsets = np.zeros_like(cells)
    owner = np.zeros((length, 128), np.int16)
    velocity = np.zeros((length, 128), np.uint8)
    for k, note in pitched:
        span = slice(note.start, note.end)
        free = ~cells[span, note.pitch]
        if not cells[note.start, note.pitch]:
            onsets[note.start, note.pitch] = True
        owner[span, note.pitch] = np.where(free, k, owner[span, note.pitch])
        velocity[span, note.pitch] = np.where(free, note.velocity, velocity[span, note.pitch])
        cells[span, note.pitch] = True
    n_steps = n_steps_of(music)
    tempo = np.asarray(music.tempo if music.tempo is not None else [100.0], float).ravel()
    return InputNotes(name, meter, tempo, n_steps, tracks, cells, onsets, owner, velocity)


def edited_music(notes: InputNotes, cells: EditCells, low: int) -> pypianoroll.Multitrack:
    """The piece after the loop: the input's tracks as edited, then :data:`ADDED_TRACK`.

    ``low`` is the MIDI pitch of the loop's first pitch. A note none of whose cells the loop touched
    is the input's own note, velocity and all; the other sounding cells are cut into notes at their
    onsets, each in the track of its note.
    """
    length, n = notes.length, cells.x.shape[1]
    pitches = low + np.arange(n)
    inside = (pitches >= 0) & (pitches < 128)
    x, touched = np.zeros((length, 128), bool), np.zeros((length, 128), bool)
    onsets, owner = np.zeros_like(x), np.full((length, 128), NEW - 1, np.int16)
    velocity = np.zeros((length, 128), np.uint8)
    for full, part in ((x, cells.x), (touched, cells.touched), (onsets, cells.onsets), (owner, cells.owner),
                       (velocity, cells.velocity)):
        full[:, pitches[inside]] = part[:length][:, inside]
    out = [[] for _ in notes.tracks] + [[]]
    covered = np.zeros_like(x)
    for k, (_, _, drum, track) in enumerate(notes.tracks):
        for note in track:
            if drum or not touched[note.start: note.end, note.pitch].any():
                out[k].append(note)
                if not drum:
                    covered[note.start: note.end, note.pitch] = True
    rest = x & ~covered
    for k in [*range(len(notes.tracks)), NEW]:
        mine = rest & (owner == k)
        if mine.any():
            out[k].extend(roll_to_notes(np.where(mine, velocity, 0), onsets & mine))
    program = next((p for _, p, drum, _ in notes.tracks if not drum), 0)
    voices = [(name, p, sorted(track)) for (name, p, _, _), track in zip(notes.tracks, out)]
    voices.append((ADDED_TRACK, program, sorted(out[-1])))
    n_steps = max(notes.n_steps, length)
    tempo = np.concatenate([notes.tempo[:n_steps], np.full(max(0, n_steps - len(notes.tempo)), notes.tempo[-1])])
    return make_multitrack(voices, n_steps=n_steps, tempo=tempo, time_signature=notes.meter, name=notes.name,
                           drums=[drum for _, _, drum, _ in notes.tracks] + [False])


def _sounding(music: pypianoroll.Multitrack, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(cells, onsets) of every pitched track of ``music`` together, (n_steps, 128) booleans."""
    rolls = stack_rolls(music, n_steps)
    pitched = [i for i, t in enumerate(music.tracks) if not t.is_drum]
    cells = (rolls[pitched] > 0).any(axis=0)
    onsets = np.logical_or.reduce([onsets_of(rolls[i]) for i in pitched]) if pitched else np.zeros_like(cells)
    return cells, onsets


@dataclass
class EditResult:
    """What an edit run did.

    Attributes
    ----------
    input_roll, output_roll : ndarray
        Boolean (steps, 128) rolls of every pitched note before and after.
    input_onsets, output_onsets : ndarray
        Boolean (steps, 128): where those notes start.
    steps : list of tuple
        Every edit in order: ``(iteration, step, pitch, "add" | "remove", length)``: the ``length``
        cells from ``step`` on. An addition is one cell, or a whole note put back right after a
        removal (see ``replace`` in :func:`composerlab.models.arcnn.generate.edit`); a removal is a
        whole note.
    parameters : dict
        The four parameters and the seed used.
    music : pypianoroll.Multitrack
        The result as music: the input's tracks as edited, then the notes the model wrote
        (:data:`ADDED_TRACK`).
    input_notes : list of (track, Note)
        The input's pitched notes.
    """

    input_roll: np.ndarray
    output_roll: np.ndarray
    input_onsets: np.ndarray
    output_onsets: np.ndarray
    steps: list
    parameters: dict
    music: pypianoroll.Multitrack
    input_notes: list = field(default_factory=list)
    tempo: float = 100.0
    name: str = ""
    time_signature: tuple = (4, 4)

    @classmethod
    def of(cls, notes: InputNotes, music: pypianoroll.Multitrack, toggles: list, parameters: dict) -> "EditResult":
        n_steps = n_steps_of(music)
        before = make_multitrack([(name, p, track) for name, p, _, track in notes.tracks], n_steps=n_steps,
                                 time_signature=notes.meter, drums=[drum for _, _, drum, _ in notes.tracks])
        (input_roll, input_onsets), (output_roll, output_onsets) = _sounding(before, n_steps), _sounding(music, n_steps)
        result = cls(input_roll, output_roll, input_onsets, output_onsets, toggles, parameters, music,
                     notes.pitched(), float(notes.tempo[0]), notes.name, notes.meter)
        music.edits = result  # the record travels with the music (lab 05 plots it)
        return result

    @property
    def added_cells(self) -> np.ndarray:
        """(steps, 128) booleans: on after, off before."""
        return self.output_roll & ~self.input_roll

    @property
    def removed_cells(self) -> np.ndarray:
        """(steps, 128) booleans: on before, off after."""
        return self.input_roll & ~self.output_roll

    @property
    def added_notes(self) -> list:
        """The added cells as :class:`~composerlab.music.pianoroll.Note` (cut at the output's onsets)."""
        return roll_to_notes(self.added_cells, self.output_onsets)

    @property
    def removed_notes(self) -> list:
        """The removed cells as notes (cut at the input's onsets)."""
        return roll_to_notes(self.removed_cells, self.input_onsets)

    def kept_share(self) -> float:
        """Share of the input's notes that come out unchanged, in their own track, onset and length kept."""
        if not self.input_notes:
            return float("nan")
        out = [set(track_notes(t)) for t in self.music.tracks]
        return float(np.mean([note in out[k] for k, note in self.input_notes]))

    def summary(self) -> dict:
        """Counts, in cells (16th-note steps of one pitch) and in notes."""
        return {"input_cells": int(self.input_roll.sum()), "output_cells": int(self.output_roll.sum()),
                "added_cells": int(self.added_cells.sum()), "removed_cells": int(self.removed_cells.sum()),
                "added_notes": len(self.added_notes), "removed_notes": len(self.removed_notes),
                "kept_notes": self.kept_share(), "toggles": len(self.steps), **self.parameters}

    def as_tracks(self) -> pypianoroll.Multitrack:
        """Three tracks, Kept, Removed and Added, for the player and the piano roll (blue, red, green).

        Mute track 1 (Removed) to hear the result: ``Player(r.as_tracks()).set_muted(1)``.
        """
        n = self.input_roll.shape[0]
        parts = (("Kept", self.input_roll & self.output_roll, self.output_onsets),
                 ("Removed", self.removed_cells, self.input_onsets),
                 ("Added", self.added_cells, self.output_onsets))
        tracks = [pypianoroll.StandardTrack(name=name, program=0, pianoroll=notes_to_roll(
            [Note(x.start, x.pitch, x.length, DEFAULT_VELOCITY) for x in roll_to_notes(cells, onsets)], n))
            for name, cells, onsets in parts]
        return new_multitrack(tracks, n, self.tempo, self.time_signature, self.name)

    def rolls(self):
        """The roll after each toggle (step 0: the input), for animations."""
        roll = self.input_roll.copy()
        yield roll.copy()
        for _, step, pitch, action, length in self.steps:
            roll[step: step + length, pitch] = action == "add"
            yield roll.copy()

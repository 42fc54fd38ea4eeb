"""The melody editor: the piano roll of the current melody, to change with the mouse.

A click on an empty cell adds a note (of the chosen length), a click on a
note removes it, dragging a note moves it (up/down: pitch, sideways: time),
dragging its right edge changes its length. Undo, transpose and tempo sit in
its toolbar. An anywidget like the keyboard (same reasons, see
:mod:`composerlab.widgets.keyboard`): the page draws and reports gestures,
``{"type": "add", "start": 8, "pitch": 64}``, ``{"type": "remove", "index": 3}``,
``{"type": "move", "index": 3, "pitch": 65, "start": 8}``,
``{"type": "resize", "index": 3, "length": 6}``, ``{"type": "transpose",
"semitones": 1}``, ``{"type": "undo"}``; this class changes the notes.

It edits the first track of a composition; the other tracks (an
accompaniment used as input) stay as they are and are drawn faint behind
the melody, each in its colour, so the learner sees what goes along with it.
Introduced in lab 08.
"""
from __future__ import annotations

import copy

import anywidget
import numpy as np
import pypianoroll
import traitlets

from composerlab.music.melody import from_notes, set_tempo, tempo_of
from composerlab.music.pianoroll import Note, n_steps_of, notes_to_roll, steps_per_bar, time_signature_of, track_notes
from composerlab.widgets.assets import page_css, page_module, track_color

MARGIN = 4
"""Semitones shown above the highest and below the lowest note."""


class Editor(anywidget.AnyWidget):
    """A piano-roll editor of one melody.

    Examples
    --------
    >>> ed = Editor(); ed.set_music(load_sample("twinkle")); ed.transpose(2); ed.music()   # doctest: +SKIP
    """

    _esm = page_module("editor.js")
    _css = page_css("editor.css")

    notes = traitlets.List().tag(sync=True)
    n_steps = traitlets.Int(128).tag(sync=True)
    bar_steps = traitlets.Int(16).tag(sync=True)
    low = traitlets.Int(55).tag(sync=True)
    high = traitlets.Int(79).tag(sync=True)
    tempo = traitlets.Float(100.0).tag(sync=True)
    new_length = traitlets.Int(4).tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    others = traitlets.List().tag(sync=True)       # [start, pitch, length, track] of the other tracks
    other_tracks = traitlets.List().tag(sync=True)  # {"name", "color"} of tracks 1, 2, ... (drawn faint)

    def __init__(self, music: pypianoroll.Multitrack | None = None, **kwargs):
        super().__init__(**kwargs)
        self._history: list[tuple[list, float]] = []
        self._music = None
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))
        if music is not None:
            self.set_music(music)

    @traitlets.validate("tempo")
    def _check_tempo(self, proposal):
        if not 30 <= proposal["value"] <= 240:
            raise traitlets.TraitError(f"a tempo of {proposal['value']} bpm is outside 30-240")
        return float(proposal["value"])

    def handle(self, message: dict) -> None:
        """Act on one gesture from the page (see the module's description)."""
        kind = message.get("type")
        try:
            if kind == "add":
                self.add(int(message["start"]), int(message["pitch"]), int(message.get("length", self.new_length)))
            elif kind == "remove":
                self.remove(int(message["index"]))
            elif kind == "move":
                self.move(int(message["index"]), int(message["pitch"]), message.get("start"))
            elif kind == "resize":
                self.resize(int(message["index"]), int(message["length"]))
            elif kind == "transpose":
                self.transpose(int(message["semitones"]))
            elif kind == "tempo":
                self.set_tempo(float(message["bpm"]))
            elif kind == "undo":
                self.undo()
        except (ValueError, IndexError, traitlets.TraitError) as err:
            self.message = str(err)

    # ----- the changes, each undoable
    def _set(self, notes: list[list]) -> None:
        self._history.append((self.notes, self.tempo))
        self.can_undo = True
        self.notes = sorted(notes)
        self.message = ""
        self._fit_view()

    def _fit_view(self, exact: bool = False) -> None:
        """Widen the view to the notes (never shrink it under the pointer while editing); ``exact``
        fits it to them (after a transposition, a new melody)."""
        pitches = [n[1] for n in self.notes] + [n[1] for n in self.others]
        if pitches and exact:
            self.low, self.high = max(0, min(pitches) - MARGIN), min(127, max(pitches) + MARGIN)
        elif pitches:
            self.low = max(0, min(self.low, min(pitches) - MARGIN))
            self.high = min(127, max(self.high, max(pitches) + MARGIN))
        end = max((n[0] + n[2] for n in self.notes), default=0)
        if end > self.n_steps:
            self.n_steps = -(-end // self.bar_steps) * self.bar_steps

    def _note(self, index: int) -> list:
        if not 0 <= index < len(self.notes):
            raise IndexError(f"there is no note {index} (the melody has {len(self.notes)})")
        return self.notes[index]

    def add(self, start: int, pitch: int, length: int | None = None) -> None:
        """Add a note; one already sounding at that pitch and time is cut where the new one starts."""
        length = self.new_length if length is None else length
        if not 0 <= pitch <= 127 or start < 0 or length < 1:
            raise ValueError(f"a note needs a pitch 0-127, a start >= 0 and a length >= 1 (got {pitch}, {start}, {length})")
        kept = []
        for n in self.notes:
            if n[1] == pitch and n[0] < start + length and start < n[0] + n[2]:
                if n[0] < start:
                    kept.append([n[0], n[1], start - n[0], n[3]])
                continue
            kept.append(n)
        self._set(kept + [[int(start), int(pitch), int(length), 90]])

    def remove(self, index: int) -> None:
        """Remove note ``index`` (in the order of :attr:`notes`: by start, then pitch)."""
        self._note(index)
        self._set(self.notes[:index] + self.notes[index + 1:])

    def move(self, index: int, pitch: int, start: int | None = None) -> None:
        """Give note ``index`` another pitch (and start, if given)."""
        note = self._note(index)
        start = note[0] if start is None else int(start)
        if not 0 <= pitch <= 127 or start < 0:
            raise ValueError(f"a note cannot move to pitch {pitch}, step {start}")
        self._set(self.notes[:index] + [[start, int(pitch), note[2], note[3]]] + self.notes[index + 1:])

    def resize(self, index: int, length: int) -> None:
        """Make note ``index`` ``length`` steps long (at least one)."""
        note = self._note(index)
        self._set(self.notes[:index] + [[note[0], note[1], max(1, int(length)), note[3]]] + self.notes[index + 1:])

    def transpose(self, semitones: int) -> None:
        """Shift every note; refused (with the reason) if one would leave 0-127."""
        pitches = [n[1] + semitones for n in self.notes]
        if pitches and not (0 <= min(pitches) and max(pitches) <= 127):
            raise ValueError(f"transposing by {semitones} takes notes outside 0-127")
        self._set([[n[0], n[1] + semitones, n[2], n[3]] for n in self.notes])
        self._fit_view(exact=True)

    def set_tempo(self, bpm: float) -> None:
        """Play the melody at ``bpm`` (undoable like a note change)."""
        self._history.append((self.notes, self.tempo))
        self.tempo = bpm
        self.can_undo = True
        self.message = ""

    def undo(self) -> None:
        """Take back the last change."""
        if self._history:
            self.notes, self.tempo = self._history.pop()
        self.can_undo = bool(self._history)

    # ----- in and out
    def set_music(self, music: pypianoroll.Multitrack) -> None:
        """Edit ``music``'s first track (a fresh start: the undo history is cleared)."""
        self._music = music
        self._history.clear()
        self.can_undo = False
        self.bar_steps = steps_per_bar(time_signature_of(music))
        self.n_steps = max(self.bar_steps, -(-n_steps_of(music) // self.bar_steps) * self.bar_steps)
        notes = track_notes(music.tracks[0]) if music.tracks else []
        self.notes = [[n.start, n.pitch, n.length, n.velocity] for n in notes]
        self.others = [[n.start, n.pitch, n.length, i] for i, t in enumerate(music.tracks[1:], 1) for n in track_notes(t)]
        self.other_tracks = [{"name": t.name or f"Track {i + 1}", "color": track_color(i)}
                             for i, t in enumerate(music.tracks) if i]
        self.tempo = max(30.0, min(240.0, tempo_of(music)))
        self.message = ""
        if not self.notes and not self.others:
            self.low, self.high = 60 - 2 * MARGIN, 72 + 2 * MARGIN
        self._fit_view(exact=True)

    def note_list(self) -> list[Note]:
        """The edited notes."""
        return [Note(*n) for n in self.notes]

    def music(self) -> pypianoroll.Multitrack:
        """The composition with the edited first track, at the chosen tempo."""
        if self._music is None or not self._music.tracks:
            return from_notes(self.note_list(), tempo=self.tempo)
        result = copy.deepcopy(self._music)
        end = max((n.end for n in self.note_list()), default=0)
        steps = max(n_steps_of(result), -(-end // self.bar_steps) * self.bar_steps)
        for track in result.tracks:
            roll = track.pianoroll
            if roll.shape[0] < steps:
                track.pianoroll = np.pad(roll, ((0, steps - roll.shape[0]), (0, 0)))
        result.tracks[0].pianoroll = notes_to_roll(self.note_list(), steps)
        result = set_tempo(result, self.tempo)
        downbeat = np.zeros(steps, dtype=bool)
        downbeat[:: self.bar_steps] = True
        result.downbeat = downbeat
        return result

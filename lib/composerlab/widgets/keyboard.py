"""The virtual keyboard: play a melody with the mouse, a touch screen, the computer keys or a MIDI keyboard.

An anywidget (one Python class, ``static/keyboard.js`` and ``.css``, no JavaScript build step; the same in
JupyterLab, Notebook 7 and Voila). The browser draws keys and makes sound; every decision about notes is
made here in Python (step entry, the metronome-quantised take, undo), so it is tested without a browser.
The page sends ``{"type": "step", "pitch": 60, "velocity": 90}`` (one note of the chosen length after the
last), ``{"type": "rest"}``, ``{"type": "take", "events": [{"t": ms, "d": ms, "pitch": 60}, ...]}`` (a
recorded take, times from the first beat after the count-in; it replaces the melody), ``undo``, ``clear``.

A click on a key or on the frame gives it the focus and it says "Computer keys on": the bottom letter row
plays the lower octave shown, the top row the upper one, the arrows shift the octave, Esc lets go. While it
has the focus every key press stays in it, so no JupyterLab shortcut (``a``, ``b``, ``d d``) ever fires.
A MIDI keyboard plays through the browser's Web MIDI where offered (``midi_inputs`` lists the devices).
Introduced in lab 08 (the Music Studio).
"""
from __future__ import annotations

import anywidget
import pypianoroll
import traitlets

from composerlab.music.melody import from_notes, tempo_of
from composerlab.music.pianoroll import Note, track_notes
from composerlab.widgets.assets import page_css, page_module

NOTE_LENGTHS = {"1/16": 1, "1/8": 2, "1/4": 4, "1/2": 8, "1": 16}
"""Note-length choices, in grid steps (a step is a 16th note)."""


def quantise(events: list[dict], tempo: float, grid: int = 2) -> list[Note]:
    """Timed key presses -> notes on the grid, one line (a new note cuts the one before).

    Parameters
    ----------
    events : list of dict
        ``{"t": start ms, "d": held ms, "pitch": MIDI pitch}``; ``t`` counts from
        the first beat after the count-in (a press up to half a grid early still
        lands on the first beat).
    tempo : float
        Quarter notes per minute of the metronome.
    grid : int
        Onsets and lengths snap to this many 16th-note steps.
    """
    step_ms = 60000.0 / tempo / 4
    notes: dict[int, Note] = {}
    for event in sorted(events, key=lambda e: e["t"]):
        start = round(event["t"] / step_ms / grid) * grid
        if start < 0 or not 0 <= int(event["pitch"]) <= 127:
            continue
        length = max(grid, round(max(event.get("d", 0), 0) / step_ms / grid) * grid)
        notes[start] = Note(int(start), int(event["pitch"]), int(length), int(event.get("v", 90)) or 90)
    line = [notes[s] for s in sorted(notes)]
    return [Note(n.start, n.pitch, min(n.length, line[i + 1].start - n.start) if i + 1 < len(line) else n.length,
                 n.velocity) for i, n in enumerate(line)]


class Keyboard(anywidget.AnyWidget):
    """Two or more octaves of keys, a note-length menu, record with count-in, tempo, play back, undo.

    Attributes
    ----------
    notes : list
        The melody as ``[start, pitch, length, velocity]`` lists (synced with the page).
    message : str
        The last thing the keyboard has to say ("Nothing was recorded...").

    Examples
    --------
    >>> kb = Keyboard(); kb.press(60); kb.press(64); kb.melody()   # doctest: +SKIP
    """

    _esm = page_module("keyboard.js")
    _css = page_css("keyboard.css")

    low = traitlets.Int(48).tag(sync=True)
    octaves = traitlets.Int(2).tag(sync=True)
    tempo = traitlets.Float(100.0).tag(sync=True)
    note_length = traitlets.Int(4).tag(sync=True)
    grid = traitlets.Int(2).tag(sync=True)
    count_in = traitlets.Int(4).tag(sync=True)
    notes = traitlets.List().tag(sync=True)
    cursor = traitlets.Int(0).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    can_undo = traitlets.Bool(False).tag(sync=True)
    midi_inputs = traitlets.List().tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._history: list[tuple[list, int]] = []
        self.on_msg(lambda _widget, content, _buffers: self.handle(content))

    @traitlets.validate("octaves")
    def _check_octaves(self, proposal):
        if not 2 <= proposal["value"] <= 5:
            raise traitlets.TraitError(f"the keyboard shows 2-5 octaves, not {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("tempo")
    def _check_tempo(self, proposal):
        if not 30 <= proposal["value"] <= 240:
            raise traitlets.TraitError(f"a tempo of {proposal['value']} bpm is outside 30-240")
        return proposal["value"]

    def handle(self, message: dict) -> None:
        """Act on one message from the page (see the module's description)."""
        kind = message.get("type")
        if kind == "step":
            self.press(int(message["pitch"]), int(message.get("velocity", 90)))
        elif kind == "rest":
            self.rest()
        elif kind == "take":
            self.record(message.get("events", []))
        elif kind == "undo":
            self.undo()
        elif kind == "clear":
            self.clear()
        elif kind == "midi_inputs":
            self.midi_inputs = list(message.get("names", []))

    def _set(self, notes: list[list], cursor: int | None = None) -> None:
        self._history.append((self.notes, self.cursor))
        self.notes = notes
        self.cursor = max((n[0] + n[2] for n in notes), default=0) if cursor is None else cursor
        self.can_undo = True

    def press(self, pitch: int, velocity: int = 90) -> None:
        """Step entry: add ``pitch`` at the cursor, ``note_length`` steps long; the cursor moves on."""
        if not 0 <= pitch <= 127:
            raise ValueError(f"MIDI pitches are 0-127, not {pitch}")
        start = self.cursor
        velocity = max(1, min(127, int(velocity)))  # a MIDI keyboard's touch, kept in the note
        self._set(self.notes + [[start, int(pitch), self.note_length, velocity]], start + self.note_length)
        self.message = ""

    def rest(self) -> None:
        """Step entry: leave a silence of ``note_length`` steps."""
        self._set(self.notes, self.cursor + self.note_length)
        self.message = ""

    def record(self, events: list[dict]) -> None:
        """A recorded take replaces the melody; an empty one changes nothing and says why."""
        notes = quantise(events, self.tempo, self.grid)
        if not notes:
            self.message = ("Nothing was recorded: press Record, wait for the count-in, "
                            "then play; your previous melody is kept.")
            return
        self._set([[n.start, n.pitch, n.length, n.velocity] for n in notes])
        self.message = f"Recorded {len(notes)} notes."

    def undo(self) -> None:
        """Take back the last change (and the message about it)."""
        if self._history:
            self.notes, self.cursor = self._history.pop()
        self.can_undo = bool(self._history)
        self.message = ""

    def clear(self) -> None:
        """Start again with no notes (undo brings them back)."""
        if self.notes:
            self._set([])
        self.message = ""

    def note_list(self) -> list[Note]:
        """The melody's notes (rest markers left out)."""
        return sorted(Note(*n) for n in self.notes)

    def melody(self, name: str = "Keyboard melody") -> pypianoroll.Multitrack:
        """The melody as a composerlab melody (a one-track Multitrack), like any other."""
        return from_notes(self.note_list(), name=name, tempo=self.tempo)

    def set_melody(self, music: pypianoroll.Multitrack) -> None:
        """Show ``music``'s first track on the keyboard (to play it back or record over it)."""
        notes = track_notes(music.tracks[0]) if music.tracks else []
        self._set([[n.start, n.pitch, n.length, n.velocity] for n in notes])
        self.tempo = max(30.0, min(240.0, round(tempo_of(music))))

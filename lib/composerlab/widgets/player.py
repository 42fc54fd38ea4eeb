"""The notebook player: listen, look, mute tracks, change instruments, compare.

Built from ipywidgets; sound comes from :mod:`composerlab.sound.audio`, pictures from
:mod:`composerlab.widgets.plots` in the same track colours. Introduced in lab 00.
"""
from __future__ import annotations

import threading

import ipywidgets as widgets
import pretty_midi
import pypianoroll
from IPython.display import display

from composerlab.sound.audio import render, wav_bytes, with_programs
from composerlab.widgets.plots import roll_png, track_color

GM_CHOICES = [(f"{p:3d} {pretty_midi.program_to_instrument_name(p)}", p) for p in range(128)]
"""General MIDI programs as (label, number) for the instrument menus."""


class Player:
    """An interactive player for one composition.

    Parameters
    ----------
    multitrack : pypianoroll.Multitrack
        What to play.
    title : str, optional
        Shown above the piano roll; defaults to the composition's name.
    sound : bool
        Render the sound now (default). False leaves it to :meth:`load_sound_in_background`,
        so that the studio's Generate answers with the piano roll before the sound is ready.

    Attributes
    ----------
    muted : set of int
        Indices of the tracks that are silent (and drawn faded).
    programs : dict
        Track index -> General MIDI program chosen in the menus.
    widget : ipywidgets.VBox
        The whole player; displaying a Player displays this.

    Examples
    --------
    >>> Player(load_sample("twinkle"))            # doctest: +SKIP
    """

    def __init__(self, multitrack: pypianoroll.Multitrack, title: str | None = None, sound: bool = True):
        self.multitrack = multitrack
        self.title = title if title is not None else (multitrack.name or "composition")
        self.muted: set[int] = set()
        self.programs = {i: int(t.program) for i, t in enumerate(multitrack.tracks)}
        self._audio_lock = threading.Lock()  # one render at a time: the last change wins

        self.audio = widgets.Audio(format="wav", autoplay=False, loop=False, controls=True)
        self.play_button = widgets.Button(description="Play", icon="play", button_style="success")
        self.stop_button = widgets.Button(description="Stop", icon="stop")
        self.play_button.on_click(lambda _: self.play())
        self.stop_button.on_click(lambda _: self.stop())
        self.status = widgets.HTML()
        self.roll = widgets.Image(format="png")

        self.mute_boxes, self.instrument_menus = [], []
        rows = []
        for index, track in enumerate(multitrack.tracks):
            swatch = widgets.HTML(f'<span style="display:inline-block;width:14px;height:14px;'
                                  f'background:{track_color(index)};border-radius:3px"></span>')
            mute = widgets.Checkbox(value=False, description="mute", indent=False,
                                    layout=widgets.Layout(width="70px"))
            menu = widgets.Dropdown(options=GM_CHOICES, value=self.programs[index],
                                    disabled=bool(track.is_drum), layout=widgets.Layout(width="260px"))
            mute.observe(lambda change, i=index: self.set_muted(i, change["new"]), names="value")
            menu.observe(lambda change, i=index: self.set_program(i, change["new"]), names="value")
            label = widgets.Label(track.name or f"Track {index + 1}", layout=widgets.Layout(width="160px"))
            rows.append(widgets.HBox([swatch, label, mute, menu]))
            self.mute_boxes.append(mute)
            self.instrument_menus.append(menu)

        self.widget = widgets.VBox([
            widgets.HTML(f"<b>{self.title}</b>"),
            self.roll,
            widgets.HBox([self.play_button, self.stop_button, self.audio]),
            *rows,
            self.status,
        ])
        self._redraw()
        if sound:
            self._load_audio(autoplay=False)
        else:
            self.status.value = "<small>preparing the sound...</small>"

    def current(self) -> pypianoroll.Multitrack:
        """The composition as the player now plays it (instrument changes applied)."""
        return with_programs(self.multitrack, self.programs)

    def load_sound_in_background(self) -> threading.Thread:
        """Render the sound on a thread (started and returned); the audio fills in when it is ready."""
        thread = threading.Thread(target=self._load_audio, args=(False,), name="composerlab-player-sound",
                                  daemon=True)
        thread.start()
        return thread

    def _load_audio(self, autoplay: bool) -> None:
        with self._audio_lock:
            samples, rate = render(self.current(), self.muted)
            self.audio.autoplay = autoplay
            self.audio.value = wav_bytes(samples, rate)
            playing = len(self.multitrack.tracks) - len(self.muted)
            self.status.value = (f"<small>{samples.shape[0] / rate:.1f} s, "
                                 f"{playing} of {len(self.multitrack.tracks)} tracks</small>")

    def _redraw(self) -> None:
        self.roll.value = roll_png(self.multitrack, self.muted)

    def play(self) -> None:
        """Start playing from the beginning."""
        self._load_audio(autoplay=True)

    def stop(self) -> None:
        """Stop playing (the audio is reloaded without starting)."""
        self._load_audio(autoplay=False)

    def set_muted(self, index: int, muted: bool = True) -> None:
        """Mute or unmute track ``index``."""
        (self.muted.add if muted else self.muted.discard)(index)
        if self.mute_boxes[index].value != muted:
            self.mute_boxes[index].value = muted
        self._redraw()
        self._load_audio(autoplay=False)

    def set_program(self, index: int, program: int) -> None:
        """Play track ``index`` with General MIDI ``program``."""
        self.programs[index] = int(program)
        if self.instrument_menus[index].value != program:
            self.instrument_menus[index].value = program
        self._load_audio(autoplay=False)

    def _ipython_display_(self):
        display(self.widget)


def compare(first: pypianoroll.Multitrack, second: pypianoroll.Multitrack,
            labels: tuple[str, str] = ("input", "output")) -> widgets.HBox:
    """Two players side by side, e.g. a melody and the model's accompaniment."""
    left, right = Player(first, title=labels[0]), Player(second, title=labels[1])
    box = widgets.HBox([left.widget, right.widget])
    box.players = (left, right)
    return box

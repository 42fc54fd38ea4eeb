"""The studio's listening view: input or output as a playable multi-track piano roll.

One anywidget (``static/roll.js``, same grid as the editor): every track's notes in its
colour with note names, the input and the output on one scale so that switching between
them keeps every note in place, one Play button whose playhead follows the sound, and a
mute box and an instrument menu per track. The sound is the SoundFont render of exactly
what is shown with those choices (:meth:`RollPlayer.heard`), made here in Python on a
thread and sent to the page as WAV bytes; the page plays it with Web Audio (one source at
a time, so Play never starts the same audio twice). Introduced in lab 08.
"""
from __future__ import annotations

import threading

import anywidget
import numpy as np
import pretty_midi
import pypianoroll
import traitlets

from composerlab.music.melody import tempo_of
from composerlab.music.pianoroll import n_steps_of, steps_per_bar, time_signature_of, track_notes
from composerlab.sound.audio import render, wav_bytes, with_programs
from composerlab.widgets.assets import page_css, page_module, track_color

INSTRUMENTS = [pretty_midi.program_to_instrument_name(p) for p in range(128)]
"""General MIDI instrument names, by program number."""
MARGIN = 2
"""Semitones shown above the highest note and below the lowest."""
VIEWS = ("input", "output")


def heard(music: pypianoroll.Multitrack, muted=(), programs=None) -> pypianoroll.Multitrack:
    """``music`` as it sounds with ``programs`` (track -> GM program) and without the ``muted`` tracks."""
    result = with_programs(music, dict(enumerate(programs))) if programs is not None else music.copy()
    keep = [t for i, t in enumerate(result.tracks) if i not in set(muted)]
    result.tracks = keep
    return result


def silence(music: pypianoroll.Multitrack, rate: int = 44100) -> bytes:
    """A silent WAV as long as ``music`` (every track muted)."""
    seconds = n_steps_of(music) * 60.0 / tempo_of(music) / 4
    return wav_bytes(np.zeros((max(1, int(seconds * rate)), 2), dtype=np.float32), rate)


class RollPlayer(anywidget.AnyWidget):
    """Input and output of the studio, one at a time, on one scale; play, mute, change instruments.

    Attributes
    ----------
    showing : str
        ``"input"`` or ``"output"``: what the roll shows and Play plays.
    muted, programs : list
        The shown music's muted track indices and each track's General MIDI program (synced with
        the page; each view keeps its own).
    audio : bytes
        The WAV of what is shown, as it sounds (empty while it is being made).

    Examples
    --------
    >>> roll = RollPlayer(); roll.show("input", load_sample("twinkle")); roll.wait_for_sound()   # doctest: +SKIP
    """

    _esm = page_module("roll.js")
    _css = page_css("roll.css")

    tracks = traitlets.List().tag(sync=True)
    muted = traitlets.List().tag(sync=True)
    programs = traitlets.List().tag(sync=True)
    instruments = traitlets.List(INSTRUMENTS).tag(sync=True)
    n_steps = traitlets.Int(128).tag(sync=True)
    bar_steps = traitlets.Int(16).tag(sync=True)
    low = traitlets.Int(55).tag(sync=True)
    high = traitlets.Int(79).tag(sync=True)
    tempo = traitlets.Float(100.0).tag(sync=True)
    showing = traitlets.Unicode("input").tag(sync=True)
    has_output = traitlets.Bool(False).tag(sync=True)
    audio = traitlets.Bytes(b"").tag(sync=True)
    sound = traitlets.Unicode("").tag(sync=True)  # "preparing" or "ready"
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._music: dict[str, pypianoroll.Multitrack | None] = {view: None for view in VIEWS}
        self._mix: dict[str, tuple[list, list]] = {view: ([], []) for view in VIEWS}
        self._sounds: dict[tuple, bytes] = {}  # (view, muted, programs) -> WAV: switching back costs nothing
        self._lock = threading.Lock()  # one render at a time; the last request wins
        self._wanted: tuple | None = None
        self._syncing = False
        self._on_mix: list = []
        self.sound_thread: threading.Thread | None = None
        self.observe(self._mix_changed, names=["muted", "programs"])
        self.observe(self._view_changed, names=["showing"])

    # ----- what the studio calls
    def show(self, view: str, music: pypianoroll.Multitrack | None, title: str = "", switch: bool = True) -> None:
        """Put ``music`` in ``view`` (``"input"`` or ``"output"``) with a fresh mix; show it if ``switch``."""
        if view not in VIEWS:
            raise ValueError(f"a view is 'input' or 'output', not {view!r}")
        self._music[view] = music
        self._mix[view] = ([], [int(t.program) for t in music.tracks] if music is not None else [])
        self._sounds = {k: v for k, v in self._sounds.items() if k[0] != view}
        if view == "output":
            self.has_output = music is not None
            self.title = title
        self._fit_scale()
        if self.showing == view:
            self._sync()
        elif switch:
            self.showing = view  # _view_changed syncs

    def on_mix(self, callback) -> None:
        """Call ``callback()`` after the learner mutes a track or changes an instrument."""
        self._on_mix.append(callback)

    def music(self, view: str | None = None) -> pypianoroll.Multitrack | None:
        """The music in ``view`` (default: the one shown), as given (no mix applied)."""
        return self._music[view or self.showing]

    def heard(self, view: str = "output") -> pypianoroll.Multitrack | None:
        """What ``view`` sounds like: its instruments as chosen, its muted tracks left out."""
        music = self._music[view]
        if music is None:
            return None
        muted, programs = self._mix[view]
        return heard(music, muted, programs)

    def muted_names(self, view: str = "output") -> list[str]:
        """Names of the muted tracks of ``view``."""
        music = self._music[view]
        return [music.tracks[i].name or f"Track {i + 1}" for i in self._mix[view][0]] if music is not None else []

    def wait_for_sound(self, timeout: float = 60.0) -> bool:
        """Wait until the shown music's sound is ready; True when it is."""
        thread = self.sound_thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive() and self.sound == "ready"
        return self.sound == "ready"

    # ----- keeping the page in step
    def _fit_scale(self) -> None:
        shown = [m for m in self._music.values() if m is not None]
        pitches = [n.pitch for m in shown for t in m.tracks for n in track_notes(t)] or [60]
        self.low, self.high = max(0, min(pitches) - MARGIN), min(127, max(pitches) + MARGIN)
        bar = steps_per_bar(time_signature_of(shown[0])) if shown else 16
        steps = max([n_steps_of(m) for m in shown] or [bar])
        self.bar_steps, self.n_steps = bar, max(bar, -(-steps // bar) * bar)

    def _sync(self) -> None:
        music = self._music[self.showing]
        if music is None:
            self.tracks, self.muted, self.programs, self.audio, self.sound = [], [], [], b"", ""
            return
        self.tempo = float(tempo_of(music))
        self.tracks = [{"name": t.name or f"Track {i + 1}", "color": track_color(i), "drum": bool(t.is_drum),
                        "notes": [[n.start, n.pitch, n.length] for n in track_notes(t)]}
                       for i, t in enumerate(music.tracks)]
        muted, programs = self._mix[self.showing]
        self._syncing = True
        try:
            self.muted, self.programs = list(muted), list(programs)
        finally:
            self._syncing = False
        self._render()

    def _view_changed(self, change) -> None:
        if change["new"] not in VIEWS or self._music[change["new"]] is None:
            self.showing = change["old"] if change["old"] in VIEWS else "input"
            return
        self._sync()

    def _mix_changed(self, _change) -> None:
        if self._syncing or self._music[self.showing] is None:
            return  # the page is being shown a stored mix, not given a new one
        programs = [max(0, min(127, int(p))) for p in self.programs]
        self._mix[self.showing] = (sorted({int(i) for i in self.muted}), programs)
        self._render()
        for callback in self._on_mix:
            callback()

    def _render(self) -> None:
        """Make the shown music's sound on a thread (from the cache if it was made before)."""
        view = self.showing
        muted, programs = self._mix[view]
        key = (view, tuple(muted), tuple(programs))
        self._wanted = key
        if key in self._sounds:
            self.audio, self.sound = self._sounds[key], "ready"
            return
        self.sound = "preparing"
        self.sound_thread = threading.Thread(target=self._render_now, args=(key,), daemon=True,
                                             name="composerlab-roll-sound")
        self.sound_thread.start()

    def _render_now(self, key: tuple) -> None:
        view, muted, programs = key
        with self._lock:
            if key != self._wanted:
                return  # another change came first; its own thread renders it
            music = self._music[view]
            kept = heard(music, muted, programs)
            data = wav_bytes(*render(kept)) if kept.tracks else silence(music)
            self._sounds[key] = data
            if key == self._wanted:
                self.audio, self.sound = data, "ready"

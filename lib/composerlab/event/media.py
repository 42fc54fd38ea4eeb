"""What a judge hears and sees of a submission: SoundFont audio and a piano roll, cached in the event folder.

Rendering takes a second or so per piece, so each result is written once to
``cache/`` (temp file, then rename) and served from there afterwards.
"""
from __future__ import annotations

import os
import secrets
import threading
import warnings
from pathlib import Path

from composerlab.errors import MusicFileError
from composerlab.event.rules import EventError
from composerlab.event.store import Store
from composerlab.event.tables import Submission
from composerlab.models.judge.network import merged_rolls
from composerlab.models.judge.scoring import roll_png as draw_roll
from composerlab.music.midi import read_midi
from composerlab.music.pianoroll import steps_per_bar, time_signature_of
from composerlab.sound.audio import mp3_bytes, render

CACHE = "cache"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _cached(store: Store, row: Submission, suffix: str, make) -> bytes:
    folder = store.dir / CACHE
    target = folder / f"{row.stored_as}{suffix}"
    if target.is_file():
        return target.read_bytes()
    with _locks_guard:
        lock = _locks.setdefault(str(target), threading.Lock())
    with lock:  # two judges opening the same piece render it once
        if target.is_file():
            return target.read_bytes()
        data = make(_read(store, row))
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{secrets.token_hex(6)}.part"
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return data


def _read(store: Store, row: Submission):
    path: Path = store.path_of(row)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read_midi(path)
    except MusicFileError as err:
        raise EventError(f"{row.stored_as} cannot be played: {err.reason}", 422) from None


def audio_mp3(store: Store, row: Submission) -> bytes:
    """The piece as MP3, each track on its General MIDI instrument."""
    def make(multitrack):
        samples, rate = render(multitrack)
        return mp3_bytes(samples, rate, kbps=128)

    return _cached(store, row, ".mp3", make)


def roll_png(store: Store, row: Submission, bars: int = 16) -> bytes:
    """A piano roll of the first ``bars`` bars (every pitched track merged), as PNG."""
    def make(multitrack):
        sounding, starts = merged_rolls(multitrack)
        try:
            bar_steps = steps_per_bar(time_signature_of(multitrack))
        except ValueError:
            bar_steps = 16
        return draw_roll(sounding, starts, bar_steps, bars)

    return _cached(store, row, ".png", make)

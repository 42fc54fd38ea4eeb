"""Composer Lab: an offline workshop kit for generative AI with music.

The notebooks in ``labs/`` import this package; every function a lab uses lives
here, one folder per part (see ARCHITECTURE.md): ``music`` <- ``sound`` <-
``models`` <- ``widgets`` / ``event`` / ``quiz`` <- ``cli``. The names below
are the music core's, the ones a lab reaches for most.
"""
from composerlab.errors import MusicFileError
from composerlab.music.melody import (
    clip_bars,
    count_bars,
    describe,
    melody,
    read_music,
    set_tempo,
    transpose,
)
from composerlab.music.midi import read_midi, write_midi
from composerlab.music.samples import list_samples, load_sample

__version__ = "0.1.0"

__all__ = [
    "MusicFileError",
    "clip_bars",
    "count_bars",
    "describe",
    "list_samples",
    "load_sample",
    "melody",
    "read_midi",
    "read_music",
    "set_tempo",
    "transpose",
    "write_midi",
]

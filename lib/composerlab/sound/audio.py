"""Hearing a composition: SoundFont rendering to WAV and MP3, offline.

The synthesizer is ``midirenderer`` (a self-contained wheel, no system
library), playing the General MIDI SoundFont that ships inside ``pretty_midi``
(TimGM6mb.sf2), so each track sounds as its GM program. Introduced in lab 00.
"""
from __future__ import annotations

import copy
import functools
import io
import wave
from pathlib import Path

import lameenc
import midirenderer
import numpy as np
import pretty_midi
import pypianoroll

from composerlab.music.midi import midi_bytes, write_midi

SOUNDFONT = Path(pretty_midi.__file__).resolve().parent / "TimGM6mb.sf2"
"""The General MIDI SoundFont used for every render."""
PEAK = 0.89
"""Renders are scaled so their loudest sample sits here (about -1 dBFS): audible, never clipped."""


@functools.lru_cache(maxsize=2)
def _soundfont_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def with_programs(multitrack: pypianoroll.Multitrack, programs: dict[int, int]) -> pypianoroll.Multitrack:
    """A copy whose tracks ``{index: GM program}`` play other instruments."""
    result = copy.deepcopy(multitrack)
    for index, program in programs.items():
        if not 0 <= program <= 127:
            raise ValueError(f"General MIDI programs are 0-127, not {program}")
        result.tracks[index].program = int(program)
    return result


def render(multitrack: pypianoroll.Multitrack, muted: set[int] | None = None,
           soundfont: str | Path = SOUNDFONT) -> tuple[np.ndarray, int]:
    """Synthesize a composition.

    Parameters
    ----------
    multitrack : pypianoroll.Multitrack
        The composition; each track plays its GM ``program`` (drums on channel 10).
    muted : set of int, optional
        Indices of tracks to leave out.
    soundfont : path, optional
        Another .sf2 file to play with.

    Returns
    -------
    samples : numpy.ndarray
        float32 stereo, shape (n_frames, 2), peak at :data:`PEAK` (or silent).
    rate : int
        Frames per second.
    """
    data = midi_bytes(multitrack, muted)
    wav = midirenderer.render_wave_from(_soundfont_bytes(str(soundfont)), data)
    samples, rate = read_wav_bytes(wav)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak > 0:
        samples *= PEAK / peak
    return samples, rate


def read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV (bytes) as float32 frames (n_frames, channels) and its rate."""
    with wave.open(io.BytesIO(data)) as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        frames = reader.readframes(reader.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit samples, got {8 * width}-bit")
    pcm = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    return pcm.astype(np.float32) / 32768.0, rate


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """Float frames in [-1, 1] as a 16-bit PCM WAV file (bytes)."""
    frames = np.atleast_2d(samples.T).T
    pcm = (np.clip(frames, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(pcm.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def mp3_bytes(samples: np.ndarray, rate: int, kbps: int = 192) -> bytes:
    """Float frames as an MP3 file (bytes), encoded with LAME (``lameenc``)."""
    frames = np.atleast_2d(samples.T).T
    pcm = (np.clip(frames, -1.0, 1.0) * 32767).astype("<i2")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(pcm.shape[1])
    encoder.set_quality(2)
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


def write_audio(multitrack: pypianoroll.Multitrack, path: str | Path,
                muted: set[int] | None = None) -> Path:
    """Write a composition as .wav, .mp3 or .mid/.midi, chosen by the suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".mid", ".midi"):
        return write_midi(multitrack, path)
    if suffix not in (".wav", ".mp3"):
        raise ValueError(f"{path.name}: choose a .wav, .mp3 or .mid file name")
    samples, rate = render(multitrack, muted)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav_bytes(samples, rate) if suffix == ".wav" else mp3_bytes(samples, rate))
    return path


def loudness(samples: np.ndarray) -> dict:
    """Peak and RMS level in dBFS, and the share of samples at full scale (clipping)."""
    flat = np.abs(np.asarray(samples, dtype=np.float64)).ravel()
    if not flat.size or flat.max() == 0:
        return {"peak_dbfs": float("-inf"), "rms_dbfs": float("-inf"), "clipped": 0.0}
    return {
        "peak_dbfs": float(20 * np.log10(flat.max())),
        "rms_dbfs": float(20 * np.log10(np.sqrt(np.mean(flat ** 2)))),
        "clipped": float(np.mean(flat >= 0.999)),
    }


def audio_widget(multitrack: pypianoroll.Multitrack, muted: set[int] | None = None,
                 autoplay: bool = False):
    """An ipywidgets.Audio player (play/pause controls) for a composition."""
    import ipywidgets  # deferred: the command line and the event server render audio without any widget

    samples, rate = render(multitrack, muted)
    return ipywidgets.Audio(value=wav_bytes(samples, rate), format="wav", autoplay=autoplay, loop=False)

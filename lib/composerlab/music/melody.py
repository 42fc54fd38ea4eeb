"""The front door for music: read any file, take the melody, clip, transpose, describe.

Introduced in lab 01; every later lab starts here.
"""
from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.music.key import key_of_music
from composerlab.music.midi import is_midi_name, read_midi
from composerlab.music.notation import is_notation_name, read_notation
from composerlab.music.pianoroll import (
    DEFAULT_BARS,
    Note,
    make_multitrack,
    n_steps_of,
    new_multitrack,
    notes_to_roll,
    steps_per_bar,
    time_signature_of,
    track_notes,
)


class ClippedWarning(UserWarning):
    """A composition was cut to fit a model's length."""


def read_music(path: str | Path) -> pypianoroll.Multitrack:
    """Read a MIDI, MusicXML or ABC file onto the 16th-note grid.

    The suffix chooses the reader (``.mid``/``.midi`` in any case, ``.xml``,
    ``.musicxml``, ``.mxl``, ``.abc``); a file with another suffix is read as
    MIDI if it starts like one, and otherwise refused with the reason.

    Raises
    ------
    MusicFileError
        For anything that cannot be read, with the file name and the reason.
    """
    path = Path(path)
    if is_notation_name(path):
        return read_notation(path)
    if is_midi_name(path):
        return read_midi(path)
    # read_midi names the real problem: empty, not MIDI (with its first bytes), or corrupt.
    return read_midi(path)


def count_bars(multitrack: pypianoroll.Multitrack) -> int:
    """Bars up to the end of the last note (at least 1)."""
    bar = steps_per_bar(time_signature_of(multitrack))
    last = 0
    for track in multitrack.tracks:
        sounding = np.flatnonzero(track.pianoroll.any(axis=1))
        if sounding.size:
            last = max(last, int(sounding[-1]) + 1)
    return max(1, -(-last // bar))


def clip_bars(multitrack: pypianoroll.Multitrack, bars: int = DEFAULT_BARS, start_bar: int = 0,
              warn: bool = True) -> pypianoroll.Multitrack:
    """The ``bars`` bars from ``start_bar`` on, as a new Multitrack.

    Warns with :class:`ClippedWarning` when music is cut off, saying how much.
    Shorter pieces are padded with silence to exactly ``bars`` bars.
    """
    bar = steps_per_bar(time_signature_of(multitrack))
    total = count_bars(multitrack)
    start, stop = start_bar * bar, (start_bar + bars) * bar
    if warn and (total > start_bar + bars or start_bar > 0):
        warnings.warn(
            f"{multitrack.name or 'the composition'} has {total} bars; "
            f"using bars {start_bar + 1}-{start_bar + bars} and leaving out the rest",
            ClippedWarning,
            stacklevel=2,
        )
    tracks = []
    for track in multitrack.tracks:
        roll = np.zeros((stop - start, 128), dtype=np.uint8)
        piece = track.pianoroll[start:stop]
        roll[: piece.shape[0]] = piece
        tracks.append(pypianoroll.StandardTrack(name=track.name, program=track.program,
                                                is_drum=track.is_drum, pianoroll=roll))
    tempo = _resized_tempo(multitrack, start, stop)
    return new_multitrack(tracks, stop - start, tempo, time_signature_of(multitrack), multitrack.name)


def _resized_tempo(multitrack, start: int, stop: int) -> np.ndarray:
    tempo = np.asarray(multitrack.tempo if multitrack.tempo is not None else [100.0], dtype=float).ravel()
    piece = tempo[start:stop]
    fill = piece[-1] if piece.size else tempo[-1]
    return np.concatenate([piece, np.full(stop - start - piece.size, fill)])


def transpose(multitrack: pypianoroll.Multitrack, semitones: int) -> pypianoroll.Multitrack:
    """Shift every pitched track by ``semitones`` (drums stay). Notes pushed past 0-127 are dropped."""
    result = copy.deepcopy(multitrack)
    for track in result.tracks:
        if track.is_drum or semitones == 0:
            continue
        shifted = np.zeros_like(track.pianoroll)
        if semitones > 0:
            shifted[:, semitones:] = track.pianoroll[:, :-semitones]
        else:
            shifted[:, :semitones] = track.pianoroll[:, -semitones:]
        track.pianoroll = shifted
    return result


def set_tempo(multitrack: pypianoroll.Multitrack, bpm: float) -> pypianoroll.Multitrack:
    """A copy played at ``bpm`` quarter notes per minute throughout."""
    if not 10 <= bpm <= 400:
        raise ValueError(f"a tempo of {bpm} bpm is outside 10-400")
    result = copy.deepcopy(multitrack)
    result.tempo = np.full(n_steps_of(multitrack), float(bpm))
    return result


def tempo_of(multitrack: pypianoroll.Multitrack) -> float:
    """The opening tempo in quarter notes per minute."""
    if multitrack.tempo is None or not len(multitrack.tempo):
        return 100.0
    return float(np.asarray(multitrack.tempo).ravel()[0])


def _skyline(notes: list[Note]) -> list[Note]:
    """The highest note at each onset, each cut where the next begins: a singable line."""
    by_start: dict[int, Note] = {}
    for note in notes:
        if note.start not in by_start or note.pitch > by_start[note.start].pitch:
            by_start[note.start] = note
    line = [by_start[s] for s in sorted(by_start)]
    return [
        Note(n.start, n.pitch, min(n.length, line[i + 1].start - n.start) if i + 1 < len(line) else n.length,
             n.velocity)
        for i, n in enumerate(line)
    ]


def melody_track(multitrack: pypianoroll.Multitrack) -> int:
    """Index of the track that carries the tune: the pitched track with the highest average pitch among
    those with at least a quarter as many notes as the busiest one (the rule :func:`melody` uses)."""
    candidates = [(i, track_notes(t)) for i, t in enumerate(multitrack.tracks) if not t.is_drum]
    candidates = [(i, notes) for i, notes in candidates if notes]
    if not candidates:
        raise MusicFileError(multitrack.name or "composition", "has no pitched notes to take a melody from")
    busiest = max(len(notes) for _, notes in candidates)
    return max(((i, notes) for i, notes in candidates if len(notes) * 4 >= busiest),
               key=lambda item: np.mean([n.pitch for n in item[1]]))[0]


def melody(multitrack: pypianoroll.Multitrack, track: int | None = None) -> pypianoroll.Multitrack:
    """Take the melody out of a composition, as a one-track Multitrack.

    Parameters
    ----------
    track : int, optional
        The track that carries the tune. By default the pitched track with the
        highest average pitch among those with at least a quarter as many notes
        as the busiest one (the top line of most arrangements).

    Returns
    -------
    pypianoroll.Multitrack
        One monophonic track named "Melody": where the track plays chords, the
        top note is kept.
    """
    name = multitrack.name or "composition"
    candidates = [(i, track_notes(t)) for i, t in enumerate(multitrack.tracks) if not t.is_drum]
    candidates = [(i, notes) for i, notes in candidates if notes]
    if not candidates:
        raise MusicFileError(name, "has no pitched notes to take a melody from")
    if track is not None:
        chosen = dict(candidates).get(track)
        if chosen is None:
            raise MusicFileError(name, f"has no pitched notes in track {track}")
        index = track
    else:
        index = melody_track(multitrack)
        chosen = dict(candidates)[index]
    source = multitrack.tracks[index]
    line = _skyline(chosen)
    n_steps = n_steps_of(multitrack)
    out = pypianoroll.StandardTrack(name="Melody", program=source.program, is_drum=False,
                                    pianoroll=notes_to_roll(line, n_steps))
    return new_multitrack([out], n_steps, multitrack.tempo, time_signature_of(multitrack), multitrack.name)


def describe(multitrack: pypianoroll.Multitrack) -> dict:
    """A summary for people: tracks, bars, notes, key, tempo, time signature."""
    numerator, denominator = time_signature_of(multitrack)
    tracks = []
    for track in multitrack.tracks:
        notes = track_notes(track)
        tracks.append({
            "name": track.name,
            "program": int(track.program),
            "is_drum": bool(track.is_drum),
            "notes": len(notes),
            "lowest": min((n.pitch for n in notes), default=None),
            "highest": max((n.pitch for n in notes), default=None),
        })
    return {
        "name": multitrack.name,
        "tracks": tracks,
        "bars": count_bars(multitrack),
        "notes": sum(t["notes"] for t in tracks),
        "key": key_of_music(multitrack),
        "tempo": round(tempo_of(multitrack), 2),
        "time_signature": f"{numerator}/{denominator}",
    }


def from_notes(notes: list[Note], program: int = 0, name: str = "Melody", tempo: float = 100.0,
               time_signature: tuple[int, int] = (4, 4)) -> pypianoroll.Multitrack:
    """A one-track composition from a list of :class:`~composerlab.music.pianoroll.Note`."""
    return make_multitrack([(name, program, notes)], tempo=tempo, time_signature=time_signature, name=name)

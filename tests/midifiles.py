"""Builders for the MIDI fixtures the tests make themselves (bad and odd-but-valid files)."""
from __future__ import annotations

from pathlib import Path

import mido

TPQ = 480


def note_track(notes, channel=0, program=0, name="", extra=()):
    """A mido track from (start_beat, length_beats, pitch) triples, sorted into delta times."""
    events = [(0, mido.MetaMessage("track_name", name=name))] if name else []
    if channel != 9:
        events.append((0, mido.Message("program_change", program=program, channel=channel)))
    events += list(extra)
    for start, length, pitch in notes:
        events.append((int(start * TPQ), mido.Message("note_on", note=pitch, velocity=80, channel=channel)))
        events.append((int((start + length) * TPQ) - 0, mido.Message("note_off", note=pitch, velocity=0,
                                                                   channel=channel)))
    return timed(events)


def timed(events):
    """Absolute-tick (tick, message) pairs to a mido track with delta times."""
    track, last = mido.MidiTrack(), 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(message.copy(time=tick - last))
        last = tick
    return track


def conductor(numerator=4, denominator=4, bpm=120, tempo_changes=()):
    """A tempo/meter track; ``tempo_changes`` are (beat, bpm) pairs."""
    events = [(0, mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator)),
              (0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))]
    events += [(int(beat * TPQ), mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(b))) for beat, b in tempo_changes]
    return timed(events)


def save(path: Path, tracks, file_type=1) -> Path:
    midi = mido.MidiFile(type=file_type, ticks_per_beat=TPQ)
    midi.tracks.extend(tracks)
    midi.save(str(path))
    return path


def scale_notes(n=8, beat=1.0, low=60):
    steps = [0, 2, 4, 5, 7, 9, 11, 12]
    return [(i * beat, beat, low + steps[i % 8]) for i in range(n)]

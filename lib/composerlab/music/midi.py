"""Reading and writing MIDI files on the 16th-note grid.

Reading checks the file before any library sees it, so a bad file gives a
:class:`~composerlab.errors.MusicFileError` that says what is wrong. Introduced
in lab 01.
"""
from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.music.pianoroll import (
    STEPS_PER_BEAT,
    Note,
    new_multitrack,
    notes_to_roll,
    steps_per_bar,
    time_signature_of,
    track_notes,
)

MAX_BEATS = 20_000
"""Longest piece read, in quarter notes (5,000 bars of 4/4: music21 writes Beethoven's op. 18 no. 4, all
four movements with their repeats, as one file of 10,177 beats; twice that still fits)."""
MAX_MINUTES = 180.0
"""Longest piece read, in minutes of music (a whole quartet written out with its repeats at music21's
default tempo lasts about 90; an opera act is the most anyone would load)."""
TICKS_PER_BEAT = 480
"""Resolution of the MIDI files we write (120 ticks per grid step)."""
PRETTY_MIDI_MAX_TICK = int(pretty_midi.pretty_midi.MAX_TICK)
"""pretty_midi refuses a file whose last event lies past this tick (10 million), taking it for corrupt."""
READ_TICKS_PER_BEAT = 480
"""Resolution a file is brought to when its own would pass :data:`PRETTY_MIDI_MAX_TICK`.

480 ticks per quarter: a 16th is 120 ticks, an eighth-note triplet 160 and a 16th-note triplet 80, so
every grid position and every triplet lands on a whole tick, far finer than the 16th-note grid notes are
quantised to; and the longest piece read (:data:`MAX_BEATS`, 9.6 million ticks) stays under pretty_midi's
limit."""
assert MAX_BEATS * READ_TICKS_PER_BEAT < PRETTY_MIDI_MAX_TICK
assert READ_TICKS_PER_BEAT % (STEPS_PER_BEAT * 3) == 0  # 16ths and triplets on whole ticks
MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")


def _opening(data: bytes) -> str:
    """How a file starts, for error messages: its first line if it is text, else hex bytes."""
    lines = data[:64].decode("utf-8", errors="replace").splitlines()
    first_line = lines[0].strip() if lines else ""
    if first_line and first_line.isprintable() and "\ufffd" not in first_line:
        if len(first_line) <= 24:
            return f"'{first_line}'"
        cut = first_line[:24].rsplit(" ", 1)[0] if " " in first_line[:24] else first_line[:24]
        return f"'{cut.rstrip(',.;:')}...'"  # whole words only, so the quote reads as the file's text
    return "bytes " + " ".join(f"{b:02x}" for b in data[:8])


def _check_bytes(data: bytes, source: str) -> bytes:
    """Return the standard MIDI data inside ``data`` or raise a plain-words error."""
    if not data:
        raise MusicFileError(source, "the file is empty (0 bytes)")
    if data.startswith(b"RIFF") and b"MThd" in data[:64]:
        data = data[data.index(b"MThd"):]  # RIFF-wrapped MIDI (.rmi)
    if not data.startswith(b"MThd"):
        raise MusicFileError(source, f"is not a MIDI file (it starts with {_opening(data)})")
    if len(data) < 22:
        raise MusicFileError(source, f"is truncated: {len(data)} bytes is too short for a MIDI file")
    return data


def _parse_mido(data: bytes, source: str) -> mido.MidiFile:
    try:
        midi_file = mido.MidiFile(file=io.BytesIO(data))
    except Exception as exc:  # mido raises many types for broken data
        detail = str(exc) or type(exc).__name__
        raise MusicFileError(source, f"is truncated or corrupt MIDI data ({detail})") from exc
    if midi_file.type not in (0, 1, 2):
        raise MusicFileError(source, f"is corrupt MIDI data: its header names format {midi_file.type}, "
                                     "but only formats 0, 1 and 2 exist")
    if not any(len(track) for track in midi_file.tracks):
        raise MusicFileError(source, "is corrupt MIDI data: it holds no track with any event")
    if midi_file.type == 2:
        raise MusicFileError(source, "is a type-2 MIDI file (independent patterns), which is not supported")
    division = midi_file.ticks_per_beat
    if not division or division <= 0 or division >= 0x8000:
        raise MusicFileError(source, "uses SMPTE time code instead of beats, which is not supported")
    longest = max((sum(msg.time for msg in track) for track in midi_file.tracks), default=0)
    beats = longest / division
    if beats > MAX_BEATS:
        biggest_gap = max((msg.time for track in midi_file.tracks for msg in track), default=0) / division
        longest_track = max(range(len(midi_file.tracks)), key=lambda i: sum(m.time for m in midi_file.tracks[i]))
        raise MusicFileError(
            source,
            f"is absurdly long: track {longest_track + 1} of {len(midi_file.tracks)} ends at beat {beats:,.0f} "
            f"(tick {longest:,} at {division:,} ticks per quarter note) and the reader takes at most "
            f"{MAX_BEATS:,} beats; its largest gap between two events is {biggest_gap:,.0f} beats",
        )
    return midi_file


def read_midi(path: str | Path) -> pypianoroll.Multitrack:
    """Read a MIDI file onto the 16th-note grid.

    Parameters
    ----------
    path : str or Path
        A ``.mid``/``.midi`` file (any case; the content decides, not the name).

    Returns
    -------
    pypianoroll.Multitrack
        One track per instrument and channel, tempo per step, the first time
        signature, drum tracks marked ``is_drum``.

    Raises
    ------
    MusicFileError
        Not a MIDI file, empty, truncated or corrupt, absurdly long, no notes,
        or drum notes only.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MusicFileError(path, "no such file") from None
    except IsADirectoryError:
        raise MusicFileError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise MusicFileError(path, f"cannot be read ({exc.strerror or exc})") from exc
    return read_midi_bytes(data, path.name)


def _for_pretty_midi(midi_file: mido.MidiFile) -> mido.MidiFile:
    """The parsed file as pretty_midi accepts it: long fine-grained files rescaled, empty tracks left out.

    pretty_midi takes any file whose last event passes tick 10 million for
    corrupt. music21 writes 10,080 ticks per quarter note, so a real movement
    of about 1,000 beats (a string quartet's first movement) passes it; its
    ticks are brought to :data:`READ_TICKS_PER_BEAT` per quarter, far finer than
    our grid, so no note moves. pretty_midi also fails on a track without a
    single event (even no end-of-track), which holds nothing to lose. The
    result goes to pretty_midi as a mido object, so the bytes are parsed once.
    """
    longest = max((sum(msg.time for msg in track) for track in midi_file.tracks), default=0)
    too_fine = longest + 1 > PRETTY_MIDI_MAX_TICK and midi_file.ticks_per_beat > READ_TICKS_PER_BEAT
    empty = any(len(track) == 0 for track in midi_file.tracks)
    if not too_fine and not empty:
        return midi_file
    division = READ_TICKS_PER_BEAT if too_fine else midi_file.ticks_per_beat
    scale = Fraction(division, midi_file.ticks_per_beat)
    rescaled = mido.MidiFile(type=midi_file.type, ticks_per_beat=division)
    for track in midi_file.tracks:
        if not len(track):
            continue
        out, absolute, last = mido.MidiTrack(), 0, 0
        for msg in track:
            absolute += msg.time
            tick = round(absolute * scale)  # from the absolute time, so rounding never accumulates
            out.append(msg.copy(time=tick - last))
            last = tick
        rescaled.tracks.append(out)
    return rescaled


def read_midi_bytes(data: bytes, source: str = "MIDI data") -> pypianoroll.Multitrack:
    """Like :func:`read_midi`, for bytes already in memory (an upload)."""
    return from_pretty_midi(_laid_out(data, source), source, name=Path(source).stem)


def check_midi_bytes(data: bytes, source: str = "MIDI data") -> None:
    """Raise the :class:`MusicFileError` that :func:`read_midi_bytes` would raise, without building the roll.

    For a server that only stores what it checked (the event's uploads): the
    same reader and the same refusals, at about half the work.
    """
    _check_notes(_laid_out(data, source), source)


def _laid_out(data: bytes, source: str) -> pretty_midi.PrettyMIDI:
    """The bytes checked, parsed and laid out in time by pretty_midi (every refusal before the notes')."""
    data = _check_bytes(data, source)
    midi_file = _parse_mido(data, source)
    try:
        pm = pretty_midi.PrettyMIDI(mido_object=_for_pretty_midi(midi_file))  # it makes the times absolute in place
    except Exception as exc:  # pretty_midi re-parses; say what it objected to
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MusicFileError(source, f"could not be laid out in time ({type(exc).__name__}: {detail[:200]})") from exc
    minutes = pm.get_end_time() / 60
    if minutes > MAX_MINUTES:
        raise MusicFileError(source, f"lasts {minutes:.0f} minutes; the limit is {MAX_MINUTES:.0f}")
    return pm


def _check_notes(pm: pretty_midi.PrettyMIDI, source: str) -> list[pretty_midi.Instrument]:
    """The instruments that have notes; refused when none has, or when all of them are drums."""
    instruments = [inst for inst in pm.instruments if inst.notes]
    if not instruments:
        raise MusicFileError(source, "has no notes")
    if all(inst.is_drum for inst in instruments):
        raise MusicFileError(source, "has only drum notes (channel 10): nothing melodic to use")
    return instruments


def from_pretty_midi(pm: pretty_midi.PrettyMIDI, source: str = "MIDI data", name: str = "") -> pypianoroll.Multitrack:
    """Quantize a PrettyMIDI object to the 16th-note grid.

    Positions are taken in beats (MIDI ticks), so tempo changes move no note
    off the grid; the tempo of every step is kept in ``multitrack.tempo``.
    """
    instruments = _check_notes(pm, source)

    def step(seconds: float) -> int:
        return int(round(pm.time_to_tick(seconds) / pm.resolution * STEPS_PER_BEAT))

    time_signature = (4, 4)
    if pm.time_signature_changes:
        first = pm.time_signature_changes[0]
        try:
            steps_per_bar((first.numerator, first.denominator))
            time_signature = (first.numerator, first.denominator)
        except ValueError:
            pass  # e.g. 3/32 does not fit the grid; bars are then counted in 4/4

    voices = []
    for inst in instruments:
        notes = []
        for n in inst.notes:
            start = step(n.start)
            notes.append(Note(start, int(n.pitch), max(1, step(n.end) - start), int(n.velocity)))
        track_name = inst.name.strip() or (
            "Drums" if inst.is_drum else pretty_midi.program_to_instrument_name(inst.program)
        )
        voices.append((track_name, inst.program, inst.is_drum, notes))

    bar = steps_per_bar(time_signature)
    last = max(n.end for *_, notes in voices for n in notes)
    n_steps = max(bar, -(-last // bar) * bar)
    tracks = [
        pypianoroll.StandardTrack(name=track_name, program=int(program), is_drum=bool(is_drum),
                                  pianoroll=notes_to_roll(notes, n_steps))
        for track_name, program, is_drum, notes in voices
    ]
    return new_multitrack(tracks, n_steps, _tempo_per_step(pm, n_steps), time_signature, name)


def _tempo_per_step(pm: pretty_midi.PrettyMIDI, n_steps: int) -> np.ndarray:
    times, bpms = pm.get_tempo_changes()
    tempo = np.full(n_steps, float(bpms[0]) if len(bpms) else 120.0)
    for seconds, bpm in zip(times, bpms):
        start = int(round(pm.time_to_tick(seconds) / pm.resolution * STEPS_PER_BEAT))
        tempo[min(start, n_steps):] = float(bpm)
    return tempo


def to_midi_file(multitrack: pypianoroll.Multitrack, muted: set[int] | None = None) -> mido.MidiFile:
    """Turn a Multitrack into a type-1 ``mido.MidiFile``.

    Written with mido rather than pypianoroll or pretty_midi, because those
    keep a single tempo, drop the time signature and (pypianoroll) join
    repeated notes. Tracks whose index is in ``muted`` are left out.
    """
    muted = muted or set()
    ticks_per_step = TICKS_PER_BEAT // STEPS_PER_BEAT
    midi_file = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)

    conductor = mido.MidiTrack()
    numerator, denominator = time_signature_of(multitrack)
    conductor.append(mido.MetaMessage("track_name", name=multitrack.name or "Composer Lab", time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator, time=0))
    tempo = np.asarray(multitrack.tempo if multitrack.tempo is not None else [100.0], dtype=float).ravel()
    events = [(0, float(tempo[0]))] + [
        (i, float(tempo[i])) for i in range(1, len(tempo)) if tempo[i] != tempo[i - 1]
    ]
    last_tick = 0
    for step_index, bpm in events:
        tick = step_index * ticks_per_step
        conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=tick - last_tick))
        last_tick = tick
    midi_file.tracks.append(conductor)

    melodic_channels = [c for c in range(16) if c != 9]
    next_channel = 0
    for index, track in enumerate(multitrack.tracks):
        if index in muted:
            continue
        if track.is_drum:
            channel = 9
        else:
            channel = melodic_channels[next_channel % len(melodic_channels)]
            next_channel += 1
        midi_track = mido.MidiTrack()
        midi_track.append(mido.MetaMessage("track_name", name=track.name or f"Track {index + 1}", time=0))
        if not track.is_drum:
            midi_track.append(mido.Message("program_change", program=int(track.program), channel=channel, time=0))
        timed = []
        for note in track_notes(track):
            timed.append((note.end * ticks_per_step, 0, note.pitch, 0))
            timed.append((note.start * ticks_per_step, 1, note.pitch, note.velocity))
        timed.sort()  # note-offs before note-ons at the same tick
        last_tick = 0
        for tick, is_on, pitch, velocity in timed:
            kind = "note_on" if is_on else "note_off"
            midi_track.append(mido.Message(kind, note=pitch, velocity=velocity, channel=channel,
                                           time=tick - last_tick))
            last_tick = tick
        midi_file.tracks.append(midi_track)
    return midi_file


def write_midi(multitrack: pypianoroll.Multitrack, path: str | Path) -> Path:
    """Write a Multitrack to a standard MIDI file and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_midi_file(multitrack).save(str(path))
    return path


def midi_bytes(multitrack: pypianoroll.Multitrack, muted: set[int] | None = None) -> bytes:
    """The MIDI file of a Multitrack as bytes (for the synthesizer and downloads)."""
    buffer = io.BytesIO()
    to_midi_file(multitrack, muted).save(file=buffer)
    return buffer.getvalue()


def is_midi_name(path: str | Path) -> bool:
    """True for names ending in .mid, .midi (any case) and the rarer MIDI suffixes."""
    return Path(path).suffix.lower() in MIDI_SUFFIXES



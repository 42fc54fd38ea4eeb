"""MusicXML, ABC and the music21 corpus onto the 16th-note grid.

music21 parses the notation; we place its notes on our grid ourselves because
its offsets are exact fractions of a quarter note, which round cleanly, where
a detour through MIDI would add tempo arithmetic. Introduced in lab 01.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import music21
import pypianoroll

from composerlab.errors import MusicFileError
from composerlab.music.pianoroll import (
    STEPS_PER_BEAT,
    Note,
    make_multitrack,
    steps_per_bar,
)

NOTATION_SUFFIXES = (".xml", ".musicxml", ".mxl", ".abc", ".krn", ".mei")

# General MIDI programs for the voices of a choir-like score.
VOICE_PROGRAMS = {"soprano": 52, "alto": 52, "tenor": 52, "bass": 52}


def read_notation(path: str | Path) -> pypianoroll.Multitrack:
    """Read MusicXML (.xml, .musicxml, .mxl) or ABC (.abc) onto the grid.

    Raises
    ------
    MusicFileError
        The file cannot be parsed, or holds no notes.
    """
    path = Path(path)
    if not path.is_file():
        raise MusicFileError(path, "no such file")
    if path.stat().st_size == 0:
        raise MusicFileError(path, "the file is empty (0 bytes)")
    try:
        parsed = music21.converter.parse(str(path))
    except Exception as exc:  # music21 raises its own and many builtin types
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MusicFileError(path, f"could not be read as notation ({detail[:200]})") from exc
    if isinstance(parsed, music21.stream.Opus):
        parsed = parsed.scores[0]  # an ABC book: the first tune
    return from_music21(parsed, source=path.name)


def from_music21(score: music21.stream.Stream, source: str = "score", programs: dict | None = None,
                 tempo: float | None = None) -> pypianoroll.Multitrack:
    """One track per part of a music21 score, chords spread into their notes.

    Parameters
    ----------
    score : music21.stream.Stream
        A Score (or a single Part).
    source : str
        Name used in error messages.
    programs : dict, optional
        Part name (lower case) -> GM program; choir voices default to 52
        ("Choir Aahs"), others to 0 (piano) unless the part names an instrument.
    tempo : float, optional
        Beats per minute; default: the score's first metronome mark, else 100.
    """
    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    programs = {**VOICE_PROGRAMS, **(programs or {})}
    signatures = score.recurse().getElementsByClass(music21.meter.TimeSignature)
    time_signature = (4, 4)
    if signatures:
        first = signatures[0]
        try:
            steps_per_bar((first.numerator, first.denominator))
            time_signature = (first.numerator, first.denominator)
        except ValueError:
            pass
    if tempo is None:
        marks = score.recurse().getElementsByClass(music21.tempo.MetronomeMark)
        tempo = float(marks[0].getQuarterBPM()) if marks and marks[0].number else 100.0

    # A pickup bar is shorter than a full bar: shift everything so bar lines fall on the grid's.
    first_measure = parts[0].getElementsByClass(music21.stream.Measure)
    shift = float(first_measure[0].paddingLeft or 0.0) if first_measure else 0.0

    voices = []
    for i, part in enumerate(parts):
        name = (part.partName or (part.id if isinstance(part.id, str) else "") or f"Part {i + 1}").strip()
        notes = []
        for element in part.stripTies().flatten().notes:
            start = int(round((float(element.offset) + shift) * STEPS_PER_BEAT))
            length = max(1, int(round(float(element.quarterLength) * STEPS_PER_BEAT)))
            velocity = element.volume.velocity or 90
            pitches = element.pitches
            for p in pitches:
                notes.append(Note(start, int(p.midi), length, int(velocity)))
        instrument = part.getInstrument(returnDefault=False)
        program = programs.get(name.lower())
        if program is None:
            program = instrument.midiProgram if instrument is not None and instrument.midiProgram is not None else 0
        voices.append((name, program, notes))
    if not any(notes for *_, notes in voices):
        raise MusicFileError(source, "has no notes")
    return make_multitrack(voices, tempo=tempo, time_signature=time_signature,
                           name=str(score.metadata.title) if score.metadata and score.metadata.title else source)


def load_corpus(name: str) -> pypianoroll.Multitrack:
    """A piece from the music21 corpus (shipped inside the music21 package).

    ``name`` is a corpus path such as ``"bach/bwv66.6"``; for a book of tunes
    (an ABC collection) ``"essenFolksong/x.abc#2"`` picks its second tune (the
    first by default).
    """
    path, _, tune = name.partition("#")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # music21's notes on odd corpus spellings
            parsed = music21.corpus.parse(path)
    except Exception as exc:  # music21 raises CorpusException and others
        raise MusicFileError(name, f"is not in the music21 corpus ({exc})") from exc
    if isinstance(parsed, music21.stream.Opus):
        parsed = list(parsed.scores)[int(tune or 1) - 1]
    return from_music21(parsed, source=name)


def is_notation_name(path: str | Path) -> bool:
    """True for the notation suffixes we read (MusicXML, ABC, Humdrum, MEI)."""
    return Path(path).suffix.lower() in NOTATION_SUFFIXES

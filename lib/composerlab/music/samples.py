"""Public-domain sample melodies, written here as note data.

Each melody is a string of ``PITCH/STEPS`` tokens (``R`` for a rest), where a
step is a 16th note: ``C4/4`` is a quarter-note middle C. All are traditional
tunes or compositions long in the public domain; the note data is our own.
Introduced in lab 01.
"""
from __future__ import annotations

from dataclasses import dataclass

import music21
import pypianoroll

from composerlab.music.melody import from_notes, read_music
from composerlab.music.pianoroll import Note


@dataclass(frozen=True)
class SampleMelody:
    key: str
    title: str
    source: str
    notes: str
    tempo: float = 100.0
    time_signature: tuple[int, int] = (4, 4)


SAMPLES = {s.key: s for s in [
    SampleMelody(
        "twinkle", "Twinkle Twinkle Little Star", "French folk tune, 18th century",
        "C4/4 C4/4 G4/4 G4/4 A4/4 A4/4 G4/8 F4/4 F4/4 E4/4 E4/4 D4/4 D4/4 C4/8 "
        "G4/4 G4/4 F4/4 F4/4 E4/4 E4/4 D4/8 G4/4 G4/4 F4/4 F4/4 E4/4 E4/4 D4/8",
        tempo=100),
    SampleMelody(
        "ode_to_joy", "Ode to Joy", "Beethoven, Symphony No. 9 (1824)",
        "E4/4 E4/4 F4/4 G4/4 G4/4 F4/4 E4/4 D4/4 C4/4 C4/4 D4/4 E4/4 E4/6 D4/2 D4/8 "
        "E4/4 E4/4 F4/4 G4/4 G4/4 F4/4 E4/4 D4/4 C4/4 C4/4 D4/4 E4/4 D4/6 C4/2 C4/8",
        tempo=110),
    SampleMelody(
        "mary", "Mary Had a Little Lamb", "American nursery song, 1830s",
        "E4/4 D4/4 C4/4 D4/4 E4/4 E4/4 E4/8 D4/4 D4/4 D4/8 E4/4 G4/4 G4/8 "
        "E4/4 D4/4 C4/4 D4/4 E4/4 E4/4 E4/4 E4/4 D4/4 D4/4 E4/4 D4/4 C4/16",
        tempo=110),
    SampleMelody(
        "new_world", "New World Symphony, Largo", "Dvorak, Symphony No. 9 (1893)",
        "E4/6 G4/2 G4/8 E4/6 D4/2 C4/8 D4/4 E4/4 G4/4 E4/4 D4/16 "
        "E4/6 G4/2 G4/8 E4/6 D4/2 C4/8 D4/4 E4/4 D4/4 C4/4 C4/16",
        tempo=60),
    SampleMelody(
        "deck_the_halls", "Deck the Halls", "Welsh carol, 16th century",
        "G4/6 F4/2 E4/4 D4/4 C4/4 D4/4 E4/4 C4/4 D4/2 E4/2 F4/2 D4/2 E4/6 D4/2 C4/4 B3/4 C4/8 "
        "G4/6 F4/2 E4/4 D4/4 C4/4 D4/4 E4/4 C4/4 D4/2 E4/2 F4/2 D4/2 E4/6 D4/2 C4/4 B3/4 C4/8",
        tempo=120),
    SampleMelody(
        "we_wish_you", "We Wish You a Merry Christmas", "English carol, 16th century",
        "R/8 D4/4 G4/4 G4/2 A4/2 G4/2 F#4/2 E4/4 E4/4 E4/4 A4/4 A4/2 B4/2 A4/2 G4/2 "
        "F#4/4 D4/4 D4/4 B4/4 B4/2 C5/2 B4/2 A4/2 G4/4 E4/4 D4/2 D4/2 E4/4 A4/4 F#4/4 G4/12",
        tempo=120, time_signature=(3, 4)),
    SampleMelody(
        "jingle_bells", "Jingle Bells", "James Lord Pierpont (1857)",
        "E4/4 E4/4 E4/8 E4/4 E4/4 E4/8 E4/4 G4/4 C4/6 D4/2 E4/16 "
        "F4/4 F4/4 F4/6 F4/2 F4/4 E4/4 E4/4 E4/2 E4/2 E4/4 D4/4 D4/4 E4/4 D4/8 G4/8",
        tempo=120),
    SampleMelody(
        "frere_jacques", "Frere Jacques", "French round, 18th century",
        "C4/4 D4/4 E4/4 C4/4 C4/4 D4/4 E4/4 C4/4 E4/4 F4/4 G4/8 E4/4 F4/4 G4/8 "
        "G4/2 A4/2 G4/2 F4/2 E4/4 C4/4 G4/2 A4/2 G4/2 F4/2 E4/4 C4/4 C4/4 G3/4 C4/8 C4/4 G3/4 C4/8",
        tempo=110),
    SampleMelody(
        "row_your_boat", "Row, Row, Row Your Boat", "American round, 1852",
        "C4/6 C4/6 C4/4 D4/2 E4/6 E4/4 D4/2 E4/4 F4/2 G4/12 "
        "C5/2 C5/2 C5/2 G4/2 G4/2 G4/2 E4/2 E4/2 E4/2 C4/2 C4/2 C4/2 G4/4 F4/2 E4/4 D4/2 C4/12",
        tempo=100, time_signature=(6, 8)),
]}


def parse_notes(text: str) -> list[Note]:
    """Turn ``"C4/4 R/2 F#4/2"`` into grid notes, one after another."""
    notes, step = [], 0
    for token in text.split():
        name, _, length_text = token.partition("/")
        length = int(length_text)
        if name.upper() != "R":
            notes.append(Note(step, int(music21.pitch.Pitch(name).midi), length))
        step += length
    return notes


def list_samples() -> list[str]:
    """The keys of the sample melodies, in the order the labs present them."""
    return list(SAMPLES)


def load_sample(key: str, program: int = 0) -> pypianoroll.Multitrack:
    """A sample melody as a one-track Multitrack (GM ``program``, piano by default)."""
    try:
        sample = SAMPLES[key]
    except KeyError:
        raise KeyError(f"no sample melody {key!r}; choose one of {', '.join(SAMPLES)}") from None
    multitrack = from_notes(parse_notes(sample.notes), program=program, name=sample.title,
                            tempo=sample.tempo, time_signature=sample.time_signature)
    return multitrack


def read_melody(source: str) -> pypianoroll.Multitrack:
    """A sample melody by name (see :func:`list_samples`) or a MIDI/MusicXML/ABC file."""
    return load_sample(source) if source in SAMPLES else read_music(source)

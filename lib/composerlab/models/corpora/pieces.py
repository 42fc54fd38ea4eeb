"""Music files as four-part pieces for the accompaniment GAN: a melody and up to three parts under it.

Every file the reader takes (:func:`composerlab.music.melody.read_music`: MIDI, MusicXML, ABC, Humdrum,
MEI) becomes one :class:`Piece`; a file it refuses, or one with a single part, is listed with its
reason and skipped, never fatal. Which parts are learned (:func:`pick_parts`), unless told:

- the **melody** is the part the melody finder picks for ``compose``
  (:func:`composerlab.music.melody.melody_track`), so the model learns to accompany what it will be given;
- the **accompaniment** is up to three other pitched parts, those with the most notes, laid out from
  high to low in the alto, tenor and bass slots (two parts: alto and bass; one part: bass).

Each part is reduced to one line (the top note; the bottom note for the bass), as the generator writes
one note per voice at a time. Your own folder (:func:`read_folder`) and the genre corpora
(:mod:`composerlab.models.corpora.genres`) are read this way.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import music21
import numpy as np
from tqdm.auto import tqdm

from composerlab.errors import MusicFileError
from composerlab.music.melody import melody_track, read_music
from composerlab.music.midi import is_midi_name
from composerlab.music.notation import is_notation_name
from composerlab.music.pianoroll import STEPS_PER_BAR, stack_rolls, time_signature_of, track_notes


@dataclass
class Piece:
    """One file's music as (4, steps, 128) booleans: melody, then the alto, tenor and bass slots."""

    name: str
    roll: np.ndarray
    parts: list
    meter: tuple


@dataclass
class FolderMusic:
    """What :func:`read_folder` found: the pieces used and the files skipped, with their reasons."""

    folder: str
    pieces: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{len(self.pieces)} pieces read from {self.folder}, {len(self.skipped)} files skipped"]
        lines += [f"  skipped {name}: {reason}" for name, reason in self.skipped]
        return "\n".join(lines)


def _find(multitrack, wanted: str) -> int:
    """A part's index from its number (1 = the first part) or its name (case-insensitive)."""
    names = [t.name.strip().lower() for t in multitrack.tracks]
    if wanted.strip().isdigit():
        index = int(wanted) - 1
        if 0 <= index < len(names):
            return index
    elif wanted.strip().lower() in names:
        return names.index(wanted.strip().lower())
    shown = ", ".join(f"{i + 1} {t.name or '(no name)'}" for i, t in enumerate(multitrack.tracks))
    raise MusicFileError(multitrack.name or "piece", f"has no part '{wanted}' (its parts: {shown})")


def pick_parts(multitrack, melody_part: str | None = None, parts: list[str] | None = None,
               keep_bass: bool = False) -> tuple[int, list]:
    """(melody index, accompaniment indices from high to low) by the rule in the module notes.

    ``keep_bass`` (the genre models, :mod:`composerlab.models.corpora.genres`): the lowest part (by mean
    pitch) is always one of the three, beside the two busiest others, so a five- or six-voice piece
    keeps its bass line rather than a third inner voice.

    Raises
    ------
    MusicFileError
        A named part is not there, or there is no part to learn an accompaniment from.
    """
    notes = {i: track_notes(t) for i, t in enumerate(multitrack.tracks) if not t.is_drum}
    notes = {i: n for i, n in notes.items() if n}
    top = _find(multitrack, melody_part) if melody_part is not None else melody_track(multitrack)
    if parts:
        chosen = [_find(multitrack, p) for p in parts][:3]
    else:
        chosen = sorted((i for i in notes if i != top), key=lambda i: -len(notes[i]))[:3]
        others = [i for i in notes if i != top]
        if keep_bass and len(others) > 3:
            bass = min(others, key=lambda i: np.mean([n.pitch for n in notes[i]]))
            chosen = [bass] + [i for i in chosen if i != bass][:2]
    chosen = [i for i in dict.fromkeys(chosen) if i != top and i in notes]
    if not chosen:
        raise MusicFileError(multitrack.name or "piece", "has one part only: nothing to learn an accompaniment from")
    return top, sorted(chosen, key=lambda i: -np.mean([n.pitch for n in notes[i]]))


def _one_line(roll: np.ndarray, lowest: bool) -> np.ndarray:
    """(steps, 128) booleans with one note at a step: the top one, or the bottom one if ``lowest``."""
    sounding = roll.any(axis=1)
    pitch = roll.argmax(axis=1) if lowest else 127 - roll[:, ::-1].argmax(axis=1)
    out = np.zeros_like(roll)
    out[np.flatnonzero(sounding), pitch[sounding]] = True
    return out


def piece_roll(multitrack, melody_part: str | None = None, parts: list[str] | None = None,
               keep_bass: bool = False) -> Piece:
    """A read file as a :class:`Piece`, parts picked (:func:`pick_parts`) and each reduced to one line."""
    top, chosen = pick_parts(multitrack, melody_part, parts, keep_bass)
    rolls = stack_rolls(multitrack) > 0
    slots = {3: (1, 2, 3), 2: (1, 3), 1: (3,)}[len(chosen)]
    steps = -(-rolls.shape[1] // STEPS_PER_BAR) * STEPS_PER_BAR
    roll = np.zeros((4, steps, 128), dtype=bool)
    roll[0, : rolls.shape[1]] = _one_line(rolls[top], lowest=False)
    for slot, index in zip(slots, chosen):
        roll[slot, : rolls.shape[1]] = _one_line(rolls[index], lowest=slot == 3)
    names = [multitrack.tracks[i].name or f"part {i + 1}" for i in [top, *chosen]]
    return Piece(multitrack.name or "piece", roll, names, tuple(time_signature_of(multitrack)))


def music_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` (sub-folders too), hidden ones left out, in name order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(s.startswith(".") for s in
                                                                         p.relative_to(folder).parts))


def read_folder(folder: str | Path, melody_part: str | None = None, parts: list[str] | None = None,
                progress: bool = True) -> FolderMusic:
    """Read every music file under ``folder``; a file that cannot be used is listed with its reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of music files")
    found = FolderMusic(str(folder))
    for path in tqdm(music_files(folder), desc="reading", disable=not progress):
        name = path.relative_to(folder).as_posix()
        if not (is_midi_name(path) or is_notation_name(path)):
            found.skipped.append((name, f"not a MIDI, MusicXML or ABC file (suffix '{path.suffix}')"))
            continue
        try:
            piece = piece_roll(read_music(path), melody_part, parts)
        except MusicFileError as err:
            found.skipped.append((name, err.reason))
            continue
        piece.name = name
        found.pieces.append(piece)
    return found


def copy_corpus(composers: str | list[str], folder: str | Path, limit: int | None = None) -> list[Path]:
    """Copy music21 corpus files (as they are: MusicXML, Humdrum, ABC) into ``folder`` to train on.

    ``composers`` names one corpus collection or several (``"monteverdi"``,
    ``["haydn", "mozart", "beethoven"]``); ``limit`` keeps the first files of each, by name.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for composer in [composers] if isinstance(composers, str) else composers:
        # the scores only: a collection also holds analyses (Monteverdi's roman numerals, .rntxt)
        paths = sorted((Path(str(p)) for p in music21.corpus.getComposer(composer)
                        if is_notation_name(str(p))), key=str)
        if not paths:
            raise ValueError(f"music21's corpus has no collection '{composer}'")
        for path in paths[:limit]:
            relative = str(path).split("/corpus/", 1)[-1].replace("/", "__")
            copied.append(Path(shutil.copyfile(path, folder / relative)))
    return copied

"""The composition library: a folder with one MIDI file and one small JSON file per composition.

The JSON file says how the composition was made (title, date, the input melody's notes, the chain of
models with their parameters, the seed), so :meth:`Library.regenerate` gives the same notes again. The
studio and ``composerlab library`` both work through :class:`Library`; the folder is plain files a
learner can copy. Introduced in lab 08 (the Music Studio).
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pypianoroll

from composerlab.models.catalog import get_model, run_after
from composerlab.music.melody import tempo_of
from composerlab.music.midi import read_midi, write_midi
from composerlab.music.pianoroll import Note, make_multitrack, n_steps_of, time_signature_of, track_notes
from composerlab.paths import out_dir

FORMAT = 1
"""Version of the metadata layout, written into every JSON file."""


class LibraryError(ValueError):
    """A composition that is not in the library, or a title it cannot take; the message says which."""


def default_folder() -> Path:
    """``$COMPOSERLAB_LIBRARY``, or ``out/library`` in the checkout (ignored by git)."""
    return Path(os.environ.get("COMPOSERLAB_LIBRARY") or out_dir() / "library")


def music_to_dict(music: pypianoroll.Multitrack) -> dict:
    """A composition as plain JSON data: tempo, meter, length and each track's notes."""
    return {
        "name": music.name or "",
        "tempo": round(tempo_of(music), 3),
        "time_signature": list(time_signature_of(music)),
        "n_steps": int(n_steps_of(music)),
        "tracks": [{"name": t.name or "", "program": int(t.program), "is_drum": bool(t.is_drum),
                    "notes": [[n.start, n.pitch, n.length, n.velocity] for n in track_notes(t)]}
                   for t in music.tracks],
    }


def music_from_dict(data: dict) -> pypianoroll.Multitrack:
    """The inverse of :func:`music_to_dict`."""
    voices = [(t["name"], t["program"], [Note(*n) for n in t["notes"]]) for t in data["tracks"]]
    return make_multitrack(voices, n_steps=data["n_steps"], tempo=data["tempo"],
                           time_signature=tuple(data["time_signature"]), name=data.get("name", ""),
                           drums=[t["is_drum"] for t in data["tracks"]])


def same_notes(a: pypianoroll.Multitrack, b: pypianoroll.Multitrack) -> bool:
    """True when both have the same tracks playing the same notes (names and programs aside)."""
    return ([track_notes(t) for t in a.tracks if t.pianoroll.any()]
            == [track_notes(t) for t in b.tracks if t.pianoroll.any()])


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40] or "composition"


def run_steps(music: pypianoroll.Multitrack, steps: list[dict], seed: int = 0) -> pypianoroll.Multitrack:
    """Run ``[{"model": name, "params": {...}}, ...]`` in turn, each on the last one's output.

    Like :func:`composerlab.models.catalog.compose_chain`, but a model may come
    twice with different parameters (``arcnn`` gently, then boldly).
    """
    previous = None
    for step in steps:
        entry = get_model(step["model"])
        music = run_after(previous, entry, music, seed, step.get("params", {}))
        previous = entry
    return music


@dataclass
class Composition:
    """One composition's metadata (the JSON file), as saved.

    ``chain`` is a list of ``{"model": name, "params": {...}}``; ``input`` is
    :func:`music_to_dict` of the melody the chain started from.
    """

    id: str
    title: str
    created: str
    source: str
    seed: int
    chain: list[dict] = field(default_factory=list)
    input: dict | None = None
    notes: int = 0
    tracks: int = 0

    @property
    def chain_text(self) -> str:
        """``"arcnn -> bach"``, or ``"(as played)"`` for a melody saved without a model."""
        return " -> ".join(step["model"] for step in self.chain) or "(as played)"


class Library:
    """The compositions in ``folder`` (created when the first one is saved).

    ::

        lib = Library()                                   # out/library, or $COMPOSERLAB_LIBRARY
        entry = lib.save(result, "My chorale", melody, chain=[("bach", {})], seed=3, source="sample:twinkle")
        lib.rename(entry.id, "Better title"); lib.load(entry.id); lib.delete(entry.id)
    """

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else default_folder()

    def _json(self, cid: str) -> Path:
        return self.folder / f"{cid}.json"

    def midi_path(self, cid: str) -> Path:
        """The MIDI file of composition ``cid``."""
        return self.folder / f"{cid}.mid"

    def save(self, music: pypianoroll.Multitrack, title: str, input_music: pypianoroll.Multitrack | None = None,
             chain: list | None = None, seed: int = 0, source: str = "") -> Composition:
        """Write ``music`` and how it was made; return its metadata.

        Parameters
        ----------
        music : pypianoroll.Multitrack
            The composition (the chain's output).
        title : str
            What the learner calls it; the file names come from it and the date.
        input_music : pypianoroll.Multitrack, optional
            What the chain started from; defaults to ``music`` itself (nothing generated).
        chain : list, optional
            ``[(model name, params)]`` or ``[{"model": ..., "params": ...}]``, in order.
        seed : int
            The seed every model of the chain was run with.
        source : str
            Where the input came from: ``"sample:twinkle"``, ``"keyboard"``, ``"file:x.mid"``...
        """
        title = title.strip()
        if not title:
            raise LibraryError("a composition needs a title")
        steps = [{"model": s["model"], "params": dict(s.get("params", {}))} if isinstance(s, dict)
                 else {"model": s[0], "params": dict(s[1])} for s in (chain or [])]
        now = datetime.now(timezone.utc)
        base = f"{now:%Y%m%d-%H%M%S}-{_slug(title)}"
        cid, n = base, 1
        while self._json(cid).exists():
            n += 1
            cid = f"{base}-{n}"
        entry = Composition(
            id=cid, title=title, created=now.isoformat(timespec="seconds"), source=source, seed=int(seed),
            chain=steps, input=music_to_dict(input_music if input_music is not None else music),
            notes=sum(len(track_notes(t)) for t in music.tracks), tracks=len(music.tracks))
        self.folder.mkdir(parents=True, exist_ok=True)
        write_midi(music, self.midi_path(cid))
        self._write(entry)
        return entry

    def _write(self, entry: Composition) -> None:
        data = {"format": FORMAT, **entry.__dict__, "midi": self.midi_path(entry.id).name}
        # Written beside and moved into place, so a crash never leaves half a metadata file.
        partial = self._json(entry.id).with_suffix(".json.part")
        partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
        partial.replace(self._json(entry.id))

    def get(self, cid: str) -> Composition:
        """The metadata of composition ``cid`` (raises :class:`LibraryError` naming the known ones)."""
        path = self._json(cid)
        if not path.is_file():
            known = ", ".join(e.id for e in self.list()[:5]) or "the library is empty"
            raise LibraryError(f"no composition '{cid}' in {self.folder} ({known})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("format", None), data.pop("midi", None)
            return Composition(**data)
        except (ValueError, TypeError) as err:
            raise LibraryError(f"{path.name} is not a composition's metadata ({err})") from err

    def list(self) -> list[Composition]:
        """Every composition, newest first; a damaged metadata file is left out, not fatal."""
        entries = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            try:
                entries.append(self.get(path.stem))
            except LibraryError:
                continue
        return sorted(entries, key=lambda e: (e.created, e.id), reverse=True)

    def load(self, cid: str) -> pypianoroll.Multitrack:
        """The composition's music, read from its MIDI file."""
        entry = self.get(cid)
        music = read_midi(self.midi_path(cid))
        music.name = entry.title
        return music

    def input_music(self, cid: str) -> pypianoroll.Multitrack:
        """The melody (or music) its chain started from."""
        return music_from_dict(self.get(cid).input)

    def regenerate(self, cid: str) -> pypianoroll.Multitrack:
        """Run the saved chain again on the saved input with the saved seed: the same notes."""
        entry = self.get(cid)
        return run_steps(music_from_dict(entry.input), entry.chain, entry.seed)

    def rename(self, cid: str, title: str) -> Composition:
        """Give composition ``cid`` a new title (its files keep their names)."""
        entry = self.get(cid)
        if not title.strip():
            raise LibraryError("a composition needs a title")
        entry.title = title.strip()
        self._write(entry)
        return entry

    def delete(self, cid: str) -> None:
        """Remove composition ``cid``: its MIDI and its metadata."""
        self.get(cid)
        self.midi_path(cid).unlink(missing_ok=True)
        self._json(cid).unlink()

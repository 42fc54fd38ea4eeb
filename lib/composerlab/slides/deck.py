"""A slide deck's source: plain Markdown, one file per deck in ``slides/``.

The format (``slides/README.md`` shows it to deck authors):

- a line holding only ``---`` ends one slide and starts the next;
- a line ``Notes:`` starts the speaker notes, to the end of the slide;
- a line ``::: figure NAME key=value ...`` is a figure the library draws
  (:mod:`composerlab.slides.figures` lists them);
- ``::: winner human 1`` and ``::: ranking ai`` show an event's results;
- ``::: class title`` (or ``split``) gives the slide a layout;
- ``{{ event.name }}`` and the other names of :data:`PLACEHOLDERS` are filled
  in from the event when the deck is built with ``--event DIR``, else shown
  as a marked placeholder.

Parsing knows nothing of HTML: it returns :class:`Slide` objects that
:mod:`composerlab.slides.html` renders.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

PLACEHOLDERS = {
    "event.name": "the event's name",
    "event.join_url": "the address contestants open to submit",
    "event.deadline": "the last submission time",
    "event.max_submissions": "how many compositions a contestant may submit",
    "event.judged_per_composer": "how many of a contestant's compositions (the latest) go to the human judges",
    "results.event": "the name of the event the results belong to",
    "results.quiz_winner": "the quiz winner",
    "results.human_count": "how many compositions are on the board that decides the judges' award",
    "results.ai_count": "how many compositions the AI judge scored",
    "results.uploads": "how many files were sent (withdrawn ones too)",
    "results.contestants": "how many contestants sent something",
    "results.status": "whether the results are complete, in plain sentences",
}
"""Every ``{{ name }}`` a deck may use, with what it stands for."""

DIRECTIVES = {"figure", "winner", "ranking", "class"}
LAYOUTS = {"title", "split", "section"}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_.]+)\s*\}\}")


class DeckError(ValueError):
    """A deck source that cannot be built, with its file and line."""


@dataclass
class Directive:
    """One ``::: kind args key=value`` line of a slide."""

    kind: str
    args: list[str]
    params: dict[str, str]
    line: int


@dataclass
class Slide:
    """One slide: Markdown text with directives in place, speaker notes, layout classes."""

    number: int
    line: int
    parts: list = field(default_factory=list)  # str (Markdown) and Directive, in order
    notes: str = ""
    classes: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Directive]:
        return [p for p in self.parts if isinstance(p, Directive) and p.kind == "figure"]


@dataclass
class Deck:
    """A deck: its file name (without ``.md``), its title (the first slide's first heading), its slides."""

    name: str
    title: str
    slides: list[Slide]
    path: Path | None = None


def parse_directive(text: str, line: int, where: str) -> Directive:
    """``::: figure pianoroll sample=twinkle`` -> Directive("figure", ["pianoroll"], {"sample": "twinkle"})."""
    try:
        words = shlex.split(text[3:].strip())
    except ValueError as err:
        raise DeckError(f"{where}:{line}: cannot read the directive '{text.strip()}' ({err})") from None
    if not words or words[0] not in DIRECTIVES:
        raise DeckError(f"{where}:{line}: unknown directive '{text.strip()}'; "
                        f"known: {', '.join('::: ' + d for d in sorted(DIRECTIVES))}")
    args = [w for w in words[1:] if "=" not in w]
    params = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    kind = words[0]
    if kind == "class" and not set(args) <= LAYOUTS:
        raise DeckError(f"{where}:{line}: unknown layout {sorted(set(args) - LAYOUTS)}; known: {sorted(LAYOUTS)}")
    if kind in ("figure", "winner", "ranking") and not args:
        raise DeckError(f"{where}:{line}: '::: {kind}' needs a name after it")
    return Directive(kind, args, params, line)


def parse_deck(text: str, name: str = "deck", path: Path | None = None) -> Deck:
    """Read a deck's Markdown source into slides.

    Raises
    ------
    DeckError
        An unknown directive, layout or placeholder, or a deck without a title, with its line.
    """
    where = path.name if path else f"{name}.md"
    slides: list[Slide] = []
    current = Slide(number=1, line=1)
    in_notes, in_code = False, False
    buffer: list[str] = []

    def flush():
        if "\n".join(buffer).strip():
            current.parts.append("\n".join(buffer))
        buffer.clear()

    for number, raw in enumerate(text.replace("\r\n", "\n").lstrip("\ufeff").split("\n"), start=1):
        stripped = raw.strip()
        fence = stripped.startswith("```")
        if fence or in_code:  # code is kept as written: no directives, placeholders or breaks inside
            in_code = in_code != fence
            if in_notes:
                current.notes += raw + "\n"
            else:
                buffer.append(raw)
            continue
        if stripped == "---":
            flush()
            slides.append(current)
            current = Slide(number=len(slides) + 1, line=number + 1)
            in_notes = False
            continue
        for match in _PLACEHOLDER.finditer(raw):
            if match.group(1) not in PLACEHOLDERS:
                raise DeckError(f"{where}:{number}: unknown placeholder {match.group(0)}; "
                                f"known: {', '.join(sorted(PLACEHOLDERS))}")
        if stripped == "Notes:":
            flush()
            in_notes = True
        elif in_notes:
            current.notes += raw + "\n"
        elif stripped.startswith(":::"):
            directive = parse_directive(stripped, number, where)
            if directive.kind == "class":
                current.classes += directive.args
            else:
                flush()
                current.parts.append(directive)
        else:
            buffer.append(raw)
    flush()
    slides.append(current)
    slides = [s for s in slides if s.parts or s.notes.strip()]
    for i, slide in enumerate(slides, start=1):
        slide.number = i
        slide.notes = slide.notes.strip()
    if not slides:
        raise DeckError(f"{where}: the deck has no slides")
    first_text = next((p for p in slides[0].parts if isinstance(p, str)), "")
    heading = re.search(r"^#\s+(.+)$", first_text, flags=re.M)
    if not heading:
        raise DeckError(f"{where}:{slides[0].line}: the first slide needs a '# Title' heading (the deck's title)")
    return Deck(name=name, title=heading.group(1).strip(), slides=slides, path=path)


def read_deck(path: str | Path) -> Deck:
    """Parse the deck in ``path`` (a ``.md`` file)."""
    path = Path(path)
    return parse_deck(path.read_text(encoding="utf-8"), name=path.stem, path=path)


def deck_paths(folder: str | Path) -> list[Path]:
    """Every deck source in ``folder``: its ``*.md`` files but the README, in name order."""
    return sorted(p for p in Path(folder).glob("*.md") if p.name.lower() != "readme.md")

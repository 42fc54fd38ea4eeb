"""Build every deck in ``slides/`` to HTML and PDF: what ``composerlab slides build`` runs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from composerlab.paths import REPO_ROOT
from composerlab.slides.deck import deck_paths, read_deck
from composerlab.slides.html import render_deck
from composerlab.slides.pdf import print_pdf
from composerlab.slides.results import Results, load_event_dir, placeholder_values


def slides_dir() -> Path:
    """The decks' source folder, ``slides/`` at the repository root."""
    return REPO_ROOT / "slides"


@dataclass
class Built:
    """One deck's outputs."""

    name: str
    title: str
    slides: int
    html: Path
    pdf: Path | None


def build_decks(out: str | Path, event_dir: str | Path | None = None, source: str | Path | None = None,
                pdf: bool = True, only: list[str] | None = None, results: Results | None = None) -> list[Built]:
    """Build each deck of ``source`` (default ``slides/``) into ``out`` as ``NAME.html`` and ``NAME.pdf``.

    Parameters
    ----------
    event_dir : folder with ``event.json`` and/or ``results.json``
        Fills the kickoff and awards decks; without it they show marked placeholders.
    pdf : bool
        Also print each deck to PDF with headless Chromium.
    only : deck names (file names without ``.md``) to build; all by default.
    results : Results, optional
        An event's results given directly (e.g. read from the event store) instead of ``results.json``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    info = None
    if event_dir is not None:
        info, found = load_event_dir(event_dir)
        results = results or found
    values = placeholder_values(info, results)
    paths = deck_paths(source or slides_dir())
    if only:
        unknown = set(only) - {p.stem for p in paths}
        if unknown:
            raise ValueError(f"no deck named {', '.join(sorted(unknown))}; decks: {', '.join(p.stem for p in paths)}")
        paths = [p for p in paths if p.stem in only]
    decks = [read_deck(p) for p in paths]  # every source is checked before anything is written
    built = []
    for deck in decks:
        html_path = out / f"{deck.name}.html"
        html_path.write_text(render_deck(deck, values, results), encoding="utf-8")
        pdf_path = print_pdf(html_path, out / f"{deck.name}.pdf") if pdf else None
        built.append(Built(deck.name, deck.title, len(deck.slides), html_path, pdf_path))
    return built

"""``composerlab slides build`` and ``composerlab slides list``: the workshop's decks from source.

Each command imports the slide builder when it runs (matplotlib, the event's tables), so ``--help`` stays quick.
"""
from __future__ import annotations

import sys
import time


def _cmd_build(args) -> int:
    from composerlab.paths import out_dir
    from composerlab.slides.build import build_decks
    from composerlab.slides.deck import DeckError
    from composerlab.slides.figures import FigureError
    from composerlab.slides.pdf import BrowserNotFound
    from composerlab.slides.results import ResultsError

    began = time.perf_counter()
    try:
        built = build_decks(args.output or out_dir() / "slides", event_dir=args.event, source=args.source, pdf=not args.no_pdf,
                            only=args.deck)
    except (DeckError, FigureError, ResultsError, BrowserNotFound, ValueError) as err:
        print(f"composerlab slides: {err}", file=sys.stderr)
        return 2
    for deck in built:
        outputs = ", ".join(str(p) for p in (deck.html, deck.pdf) if p)
        print(f"{deck.name:<22} {deck.slides:>3} slides  {outputs}")
    if not args.event:
        print("note: no --event DIR: the kickoff and awards decks show marked placeholders")
    print(f"{len(built)} decks in {time.perf_counter() - began:.1f} s")
    return 0


def _cmd_list(args) -> int:
    from composerlab.slides.build import slides_dir
    from composerlab.slides.deck import deck_paths, read_deck

    for path in deck_paths(args.source or slides_dir()):
        deck = read_deck(path)
        figures = sum(len(s.figures) for s in deck.slides)
        print(f"{deck.name:<22} {len(deck.slides):>3} slides {figures:>3} figures  {deck.title}")
    return 0


def add_command(subparsers) -> None:
    """Add ``composerlab slides build|list``."""
    p = subparsers.add_parser("slides", help="build the workshop's slide decks (HTML and PDF) from slides/")
    sub = p.add_subparsers(dest="slides_command", required=True, metavar="ACTION")
    b = sub.add_parser("build", help="build every deck to self-contained HTML and to PDF")
    b.add_argument("-o", "--output", help="folder for NAME.html and NAME.pdf (default: out/slides)")
    b.add_argument("--event", metavar="DIR",
                   help="an event folder with event.json (kickoff deck) and/or results.json (awards deck)")
    b.add_argument("--deck", action="append", metavar="NAME", help="build only this deck (repeatable)")
    b.add_argument("--no-pdf", action="store_true", help="HTML only (no Chromium needed)")
    b.add_argument("--source", help="a folder of deck sources instead of slides/")
    b.set_defaults(run=_cmd_build)
    s = sub.add_parser("list", help="list the decks with their slide and figure counts")
    s.add_argument("--source", help="a folder of deck sources instead of slides/")
    s.set_defaults(run=_cmd_list)

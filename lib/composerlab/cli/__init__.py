"""The ``composerlab`` command: the kit's main jobs from a terminal.

One module per group of commands, each with ``add_command(subparsers)``; each
subcommand is a small function that calls the library, where the work lives.
Commands import heavy libraries (TensorFlow, the event server, the slide
builder) when they run, not when the parser is built, so ``--help`` loads none of them.

The top layer: may import every package of ``composerlab``; none imports it.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from composerlab.cli import compose, event, judge, jupyter, music, slides, studio, train
from composerlab.errors import MusicFileError, UnknownModelError

COMMAND_MODULES = (music, compose, train, judge, event, studio, slides, jupyter)
"""Modules that add subcommands, in the order ``--help`` lists them."""

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="composerlab",
        description="Composer Lab: compose, listen, train and judge, offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add_command(sub)
    return parser


def _show_note(message, category, filename, lineno, file=None, line=None):
    """Our own warnings (a clipped melody, ...) read as one plain line; everyone else's keep file and line."""
    if Path(filename).resolve().is_relative_to(PACKAGE_DIR):
        text = f"note: {message}\n"
    else:
        text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stderr).write(text)


def main(argv: list[str] | None = None) -> int:
    # TensorFlow's start-up chatter (CPU feature notes) is not for learners; errors still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():  # restores showwarning and the filters when the command ends
        warnings.simplefilter("default")
        warnings.showwarning = _show_note
        try:
            return int(args.run(args) or 0)
        except (MusicFileError, UnknownModelError) as err:
            print(f"composerlab: {err}", file=sys.stderr)
            return 2


"""``composerlab library`` (list, show, rename, delete, regenerate) and ``composerlab studio`` (the web page)."""
from __future__ import annotations

import json
import sys


def _library(args):
    from composerlab.models.library import Library

    return Library(args.folder)


def _fail(err) -> int:
    print(f"composerlab: {err}", file=sys.stderr)
    return 2


def _cmd_list(args) -> int:
    lib = _library(args)
    entries = lib.list()
    if not entries:
        print(f"no compositions in {lib.folder} yet: save one from the studio")
        return 0
    for e in entries:
        print(f"{e.id:<44} {e.title[:28]:<28} {e.created[:16].replace('T', ' ')}  {e.chain_text} (seed {e.seed})")
    return 0


def _cmd_show(args) -> int:
    from composerlab.models.library import LibraryError

    lib = _library(args)
    try:
        entry = lib.get(args.id)
    except LibraryError as err:
        return _fail(err)
    shown = {k: v for k, v in entry.__dict__.items() if k != "input"}
    shown["input_notes"] = sum(len(t["notes"]) for t in entry.input["tracks"]) if entry.input else 0
    shown["midi"] = str(lib.midi_path(entry.id))
    print(json.dumps(shown, indent=1))
    return 0


def _cmd_rename(args) -> int:
    from composerlab.models.library import LibraryError

    try:
        entry = _library(args).rename(args.id, args.title)
    except LibraryError as err:
        return _fail(err)
    print(f"renamed {entry.id} to '{entry.title}'")
    return 0


def _cmd_delete(args) -> int:
    from composerlab.models.library import LibraryError

    try:
        _library(args).delete(args.id)
    except LibraryError as err:
        return _fail(err)
    print(f"deleted {args.id}")
    return 0


def _cmd_regenerate(args) -> int:
    from composerlab.models.library import LibraryError, same_notes
    from composerlab.sound.audio import write_audio

    lib = _library(args)
    try:
        music = lib.regenerate(args.id)
        saved = lib.load(args.id)
    except LibraryError as err:
        return _fail(err)
    verdict = "the same notes as saved" if same_notes(music, saved) else "DIFFERENT notes from the saved file"
    if args.output:
        write_audio(music, args.output)
        print(f"wrote {args.output}")
    print(f"{args.id}: regenerated with {lib.get(args.id).chain_text}: {verdict}")
    return 0 if verdict.startswith("the same") else 1


def _cmd_studio(args) -> int:
    from composerlab.cli.studio_page import serve

    return serve(port=args.port, open_browser=not args.no_browser, library=args.folder, server=args.server)


def add_command(subparsers) -> None:
    """Add ``composerlab library ...`` and ``composerlab studio``."""
    p = subparsers.add_parser("library", help="your saved compositions: list, show, rename, delete, regenerate")
    p.add_argument("--folder", default=None, help="the library folder (default out/library or $COMPOSERLAB_LIBRARY)")
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = sub.add_parser("list", help="one line per composition, newest first")
    q.set_defaults(run=_cmd_list)
    q = sub.add_parser("show", help="how a composition was made (its metadata)")
    q.add_argument("id")
    q.set_defaults(run=_cmd_show)
    q = sub.add_parser("rename", help="give a composition a new title")
    q.add_argument("id")
    q.add_argument("title")
    q.set_defaults(run=_cmd_rename)
    q = sub.add_parser("delete", help="remove a composition (its MIDI and metadata)")
    q.add_argument("id")
    q.set_defaults(run=_cmd_delete)
    q = sub.add_parser("regenerate", help="run its model chain again and check the notes are the same")
    q.add_argument("id")
    q.add_argument("-o", "--output", default=None, help="also write the result (.mid, .wav or .mp3)")
    q.set_defaults(run=_cmd_regenerate)

    p = subparsers.add_parser("studio", help="the Music Studio as a web page (no notebook needed)")
    p.add_argument("--port", type=int, default=8866, help="the page's port on this computer")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--folder", default=None, help="the library folder the studio saves to")
    p.add_argument("--server", default=None, help="the event server's address for Submit (e.g. http://10.0.0.5:8000)")
    p.set_defaults(run=_cmd_studio)

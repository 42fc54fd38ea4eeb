"""``composerlab event new`` and ``composerlab serve``: make an event, then serve it on a laptop or a LAN.

``serve`` is where the event server and the live quiz meet (they are siblings in the layers and do not
import each other): the event's app is built with the quiz as a plugin.
"""
from __future__ import annotations

import json
import sys

import segno

from composerlab.event.rules import EventError

DEFAULT_URL = "http://127.0.0.1:8000"

# The event server's stack (FastAPI, SQLAlchemy, uvicorn, and the quiz on it) is imported by the event's two
# commands when they run: loaded with the command line itself, it would slow every other command's start.


def _cmd_new(args) -> int:
    from composerlab.event.facilitator import links, links_text
    from composerlab.event.store import Store

    judges = [name.strip() for name in args.judges.split(",") if name.strip()]
    try:
        store = Store.create(args.dir, args.name, judges, args.max_per_composer, args.max_mb, args.db)
    except EventError as err:
        print(f"composerlab event new: {err.reason}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(json.dumps({"admin_token": store.event().admin_token,
                              "judges": [{"name": j.name, "token": j.token} for j in store.judges()]}))
            return 0
        print(f"made the event '{store.event().name}' in {store.dir} "
              f"({len(judges)} judges, {args.max_per_composer} per composer, {args.max_mb:g} MB per file)")
        print(f"serve it with: composerlab serve {args.dir}; the links (keep the private ones private):")
        print(links_text(links(args.url, store)))
    finally:
        store.close()
    return 0


def _cmd_serve(args) -> int:
    from composerlab.event.app import create_app, server
    from composerlab.event.facilitator import lan_address, links, links_text
    from composerlab.quiz.web import install as quiz

    try:
        app = create_app(args.dir, args.db, plugins=(quiz,))  # the live quiz on the same server and database
    except EventError as err:
        print(f"composerlab serve: {err.reason}", file=sys.stderr)
        return 2
    shown_host = lan_address() if args.host in ("0.0.0.0", "") else args.host
    base = f"http://{shown_host}:{args.port}"
    app.state.public_url = base  # the quiz's join links and QR codes use the address phones can reach
    found = links(base, app.state.store)
    print(f"serving '{app.state.store.event().name}' from {app.state.store.dir}; stop with Ctrl+C")
    print(links_text(found))
    print(f"  quiz (players):   {base}/quiz")
    print(f"  quiz host (private): {found['admin'].replace('/admin/', '/quiz/host/')}")
    print("scan to reach the submission page:")
    segno.make(found["submit"], error="m").terminal(compact=True)
    sys.stdout.flush()
    try:
        server(app, args.host, args.port).run()
    except KeyboardInterrupt:  # uvicorn hands Ctrl+C back once it has shut down cleanly
        pass
    print("the event server has stopped; everything is in", app.state.store.dir)
    return 0


def add_command(subparsers) -> None:
    """Add ``composerlab event new`` and ``composerlab serve``."""
    p = subparsers.add_parser("event", help="make an event (submissions, judges, rounds, leaderboard)")
    sub = p.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    n = sub.add_parser("new", help="make an event in a folder and print its private links")
    n.add_argument("dir", help="a new folder for the event's database and submissions")
    n.add_argument("--name", required=True, help="the event's name (it starts every stored file name)")
    n.add_argument("--judges", required=True, help='the judges, comma-separated: "Ada,Ben,Cleo"')
    n.add_argument("--max-per-composer", type=int, default=3, help="submissions per alias (default 3)")
    n.add_argument("--max-mb", type=float, default=2.0, help="largest MIDI file in MB (default 2)")
    n.add_argument("--db", help="a SQLAlchemy URL instead of DIR/event.db (e.g. postgresql+psycopg://...)")
    n.add_argument("--url", default=DEFAULT_URL, help=f"address the printed links start with ({DEFAULT_URL})")
    n.add_argument("--json", action="store_true", help='print {"admin_token", "judges": [{"name", "token"}]}')
    n.set_defaults(run=_cmd_new)

    s = subparsers.add_parser("serve", help="serve an event made with 'composerlab event new'")
    s.add_argument("dir", help="the event's folder")
    s.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (this machine) or 0.0.0.0 (the LAN)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--db", help="the SQLAlchemy URL the event was made with, if not DIR/event.db")
    s.set_defaults(run=_cmd_serve)

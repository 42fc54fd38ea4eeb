"""``composerlab event new|open|close|set|pack`` and ``composerlab serve``: make an event, run its day, serve it.

``serve`` is where the event server and the live quiz meet (they are siblings in the layers and do not
import each other): the event's app is built with the quiz as a plugin.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import segno

from composerlab.event.rules import EventError

DEFAULT_URL = "http://127.0.0.1:8000"

# The event server's stack (FastAPI, SQLAlchemy, uvicorn, and the quiz on it) is imported by the event's
# commands when they run: loaded with the command line itself, it would slow every other command's start.


def _refuse(command: str, err: EventError) -> int:
    print(f"composerlab {command}: {err.reason}", file=sys.stderr)
    return 2


def _cmd_new(args) -> int:
    from composerlab.event import settings
    from composerlab.event.facilitator import links, links_text
    from composerlab.event.store import Store

    judges = [name.strip() for name in args.judges.split(",") if name.strip()]
    try:
        store = Store.create(args.dir, args.name, judges, args.max_per_composer, args.max_mb, args.db,
                             public_url=args.url or "", timezone=args.timezone,
                             judged_per_composer=args.judged_per_composer, minutes_per_piece=args.minutes_per_piece,
                             anonymous=args.anonymous)
        warning = settings.check_public_url(args.url).warning if args.url else None
    except EventError as err:
        return _refuse("event new", err)
    try:
        event = store.event()
        if args.json:
            print(json.dumps({"admin_token": event.admin_token, "public_url": event.public_url,
                              "judges": [{"name": j.name, "token": j.token} for j in store.judges()]}))
            return 0
        print(f"made the event '{event.name}' in {store.dir} ({len(judges)} judges; each contestant may send "
              f"{args.max_per_composer}, the latest {args.judged_per_composer} go to the judges; "
              f"{args.max_mb:g} MB per file; times in {event.timezone})")
        if warning:
            print(f"warning: {warning}")
        if not event.public_url:
            print(f"no --url given: the links below are this machine's own; store the address phones open with "
                  f"'composerlab event set {args.dir} --url http://<LAN address>:8000'")
        print(f"serve it with: composerlab serve {args.dir}; the links (keep the private ones private):")
        print(links_text(links(DEFAULT_URL, store)))
    finally:
        store.close()
    return 0


def _cmd_open_close(args) -> int:
    from composerlab.event import settings
    from composerlab.event.store import Store

    command = f"event {args.event_command}"
    try:
        store = Store.open(args.dir, args.db)
    except EventError as err:
        return _refuse(command, err)
    try:
        event = store.event()
        if args.event_command == "open":
            deadline = settings.parse_deadline(args.deadline, event.timezone)
            event = store.set_submissions(True, deadline)
            until = f" until {settings.clock_text(event.deadline, event.timezone, day=True)}" if deadline else ""
            print(f"submissions are open{until}")
        else:
            event = store.set_submissions(False)
            print(f"{settings.closed_reason(event)}: uploads are refused (the facilitator's page may still "
                  "accept a late one, marked late)")
    except EventError as err:
        return _refuse(command, err)
    finally:
        store.close()
    return 0


def _cmd_set(args) -> int:
    from composerlab.event import settings
    from composerlab.event.store import Store

    changes = {key: value for key, value in (
        ("public_url", args.url), ("timezone", args.timezone), ("max_per_composer", args.max_per_composer),
        ("judged_per_composer", args.judged_per_composer), ("minutes_per_piece", args.minutes_per_piece),
        ("anonymous", args.anonymous), ("podium_unique", args.podium_unique)) if value is not None}
    if not changes:
        print("composerlab event set: name a setting to change (--url, --timezone, ...; see --help)", file=sys.stderr)
        return 2
    try:
        store = Store.open(args.dir, args.db)
        try:
            warning = settings.check_public_url(args.url).warning if args.url else None
            event = store.update_settings(**changes)
        finally:
            store.close()
    except EventError as err:
        return _refuse("event set", err)
    for key in changes:
        print(f"{key}: {getattr(event, key)}")
    if warning:
        print(f"warning: {warning}")
    return 0


def _cmd_pack(args) -> int:
    from composerlab.event.pack import documents
    from composerlab.event.store import Store
    from composerlab.slides.pdf import BrowserNotFound, print_pdf

    try:
        store = Store.open(args.dir, args.db)
    except EventError as err:
        return _refuse("event pack", err)
    try:
        docs = documents(store, DEFAULT_URL)
    finally:
        store.close()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        if doc.text:
            (out / f"{doc.name}.txt").write_text(doc.text, encoding="utf-8")
            print(f"wrote {out / doc.name}.txt")
            continue
        page = out / f"{doc.name}.html"
        page.write_text(doc.html, encoding="utf-8")
        if args.no_pdf:
            print(f"wrote {page}")
            continue
        try:
            print(f"wrote {print_pdf(page, out / f'{doc.name}.pdf')}")
        except BrowserNotFound as err:
            print(f"composerlab event pack: {err}", file=sys.stderr)
            return 2
    return 0


def _cmd_serve(args) -> int:
    from composerlab.event.app import create_app, server
    from composerlab.event.facilitator import lan_addresses, links, links_text
    from composerlab.quiz.web import install as quiz

    try:
        app = create_app(args.dir, args.db, plugins=(quiz,))  # the live quiz on the same server and database
    except EventError as err:
        return _refuse("serve", err)
    everywhere = args.host in ("0.0.0.0", "", "::")
    addresses = lan_addresses() if everywhere else []
    shown_host = addresses[0] if addresses else ("127.0.0.1" if everywhere else args.host)
    app.state.serve_url = f"http://{shown_host}:{args.port}"
    event = app.state.store.event()
    # the quiz's join links and QR codes use the address phones open: the event's public URL, else this one
    app.state.public_url = event.public_url or app.state.serve_url
    found = links(app.state.serve_url, app.state.store)
    print(f"serving '{event.name}' from {app.state.store.dir}; stop with Ctrl+C")
    if everywhere:
        listed = ", ".join(f"http://{a}:{args.port}" for a in addresses) or "none found (no network?)"
        print(f"listening on every interface; this machine's LAN addresses: {listed}")
    if not event.public_url:
        print(f"the event stores no public URL: the links use {app.state.serve_url} "
              f"(store one with 'composerlab event set {args.dir} --url ...')")
    print(links_text(found))
    base = found["submit"].rstrip("/")
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
    """Add ``composerlab event new|open|close|set|pack`` and ``composerlab serve``."""
    p = subparsers.add_parser("event", help="make an event (submissions, judges, rounds, leaderboard)")
    sub = p.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    n = sub.add_parser("new", help="make an event in a folder and print its private links")
    n.add_argument("dir", help="a new folder for the event's database and submissions")
    n.add_argument("--name", required=True, help="the event's name (it starts every stored file name)")
    n.add_argument("--judges", required=True, help='the judges, comma-separated: "Ada,Ben,Cleo"')
    n.add_argument("--max-per-composer", type=int, default=3,
                   help="pieces a contestant may send in all (default 3; beyond the judged ones: AI judge only)")
    n.add_argument("--judged-per-composer", type=int, default=1,
                   help="how many of a contestant's pieces (the latest) go to the human judges (default 1)")
    n.add_argument("--max-mb", type=float, default=2.0, help="largest MIDI file in MB (default 2)")
    n.add_argument("--minutes-per-piece", type=int, default=4, help="minutes a judge spends on a piece (default 4)")
    n.add_argument("--anonymous", action="store_true", help="judges see pieces by number; names at the awards")
    n.add_argument("--timezone", help="the event's time zone, e.g. Europe/Paris (default: this machine's)")
    n.add_argument("--db", help="a SQLAlchemy URL instead of DIR/event.db (e.g. postgresql+psycopg://...)")
    n.add_argument("--url", help="the address phones open, stored in the event (links, QR codes, decks): "
                                 "http://192.168.1.20:8000; change it later with 'event set'")
    n.add_argument("--json", action="store_true",
                   help='print {"admin_token", "public_url", "judges": [{"name", "token"}]}')
    n.set_defaults(run=_cmd_new)

    for action, text in (("open", "open submissions (optionally until a deadline)"),
                         ("close", "close submissions now: uploads are refused with the time")):
        o = sub.add_parser(action, help=text)
        o.add_argument("dir", help="the event's folder")
        if action == "open":
            o.add_argument("--deadline", help="15:00 (today, the event's time zone) or 2026-06-10T15:00")
        o.add_argument("--db", help="the SQLAlchemy URL the event was made with, if not DIR/event.db")
        o.set_defaults(run=_cmd_open_close)

    t = sub.add_parser("set", help="change the event's settings (its public URL, time zone, limits)")
    t.add_argument("dir", help="the event's folder")
    t.add_argument("--url", help="the address phones open: http://192.168.1.20:8000")
    t.add_argument("--timezone", help="IANA name, e.g. Europe/Paris")
    t.add_argument("--max-per-composer", type=int)
    t.add_argument("--judged-per-composer", type=int)
    t.add_argument("--minutes-per-piece", type=int)
    t.add_argument("--anonymous", action=argparse.BooleanOptionalAction, default=None)
    t.add_argument("--podium-unique", action=argparse.BooleanOptionalAction, default=None,
                   help="a podium holds each contestant once (default on)")
    t.add_argument("--db", help="the SQLAlchemy URL the event was made with, if not DIR/event.db")
    t.set_defaults(run=_cmd_set)

    k = sub.add_parser("pack", help="write the event pack: printable PDFs (rules, judges' sheet, score sheets, "
                                    "QR poster, certificates) and mail templates, from the event's settings")
    k.add_argument("dir", help="the event's folder")
    k.add_argument("-o", "--output", required=True, help="the folder to write them to")
    k.add_argument("--no-pdf", action="store_true", help="write the HTML only (no Chromium needed)")
    k.add_argument("--db", help="the SQLAlchemy URL the event was made with, if not DIR/event.db")
    k.set_defaults(run=_cmd_pack)

    s = subparsers.add_parser("serve", help="serve an event made with 'composerlab event new'")
    s.add_argument("dir", help="the event's folder")
    s.add_argument("--host", default="127.0.0.1", help="127.0.0.1 (this machine) or 0.0.0.0 (the LAN)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--db", help="the SQLAlchemy URL the event was made with, if not DIR/event.db")
    s.set_defaults(run=_cmd_serve)

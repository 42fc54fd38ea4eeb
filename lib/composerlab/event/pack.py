"""The event pack: printables and mail templates written from an event's own settings.

:func:`documents` gives each printable as HTML (A4, ready for the headless Chromium the slides print
with: the rules handout, the judges' one-pager, a paper score sheet per judge with their pieces, a QR
poster, certificates once there are winners) and each mail as text (invitation, pre-work with an
install self-test, reminder, one judges' briefing per judge, results, thanks, feedback questions).
``composerlab event pack DIR -o OUT`` writes them and prints the PDFs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import jinja2

from composerlab.event import awards, settings
from composerlab.event.facilitator import links, qr_svg
from composerlab.event.pages import ANCHORS
from composerlab.event.rules import CRITERIA_TITLES, SCALE, slug
from composerlab.event.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAILS = ("invitation", "prework", "reminder", "results", "thanks", "feedback")
MEANING = {"originality": "how far the piece takes the input melody: the more creative variance, the better",
           "balance": "harmony, rhythm and accompaniment in proportion; a clean sound",
           "emotional": "instantly likable, groovy, moving"}
"""What each criterion listens for, as the kickoff deck and the playbook say it."""
PLACES = {1: "First", 2: "Second", 3: "Third"}


@dataclass
class Document:
    """One file of the pack: ``name`` (no extension), and its ``html`` (printed to PDF) or ``text`` (a mail)."""
    name: str
    html: str = ""
    text: str = ""


def environment() -> jinja2.Environment:
    # HTML autoescaped; the mails are plain text and keep names as typed
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def sheets(store: Store) -> list[dict]:
    """Each present judge's pieces to score on paper: those dealt to them in the open (else last) round, else
    as many blank lines as an even deal of the pieces for the judges would give them."""
    rounds = store.rounds()
    current = store.current_round() or rounds.get("final") or rounds.get("preliminary")
    judges = [j for j in store.judges() if j.present and not j.removed]
    blank = math.ceil(len(store.for_judges()) / max(1, len(judges))) or 5
    found = []
    for judge in judges:
        pieces = [f"#{p.id} {p.title}" for p in store.assignments(judge.id, current.name)] if current else []
        found.append({"name": judge.name, "round": f"{current.name} round" if current else "before the deal",
                      "pieces": pieces or ["#"] * blank})
    return found


def winners(found: dict) -> list[dict]:
    """The certificates' lines: the judges' podium (when complete) and the AI judge's."""
    rows = []
    if found["final_complete"]:
        rows += [{"award": "The judges' award", "place_text": PLACES[r["place"]], "composer": r["composer"],
                  "title": r["title"]} for r in found["human"] if r["place"]]
    rows += [{"award": "The AI judge's award", "place_text": PLACES[r["place"]], "composer": r["composer"],
              "title": r["title"]} for r in found["ai"] if r["place"]]
    return sorted(rows, key=lambda r: (r["award"] != "The judges' award", list(PLACES.values()).index(r["place_text"])))


def documents(store: Store, fallback_url: str = "http://127.0.0.1:8000") -> list[Document]:
    """Every document of the pack, from the event's settings, judges, rounds and results."""
    env, event = environment(), store.event(fresh=True)
    found = links(fallback_url, store)
    url = found["submit"]
    results = awards.awards_json(store)
    context = {"event": event, "url": url, "qr": qr_svg(url), "deadline": settings.clock_text(
        event.deadline, event.timezone, day=True), "max_size": settings.megabytes(event.max_bytes),
        "criteria": CRITERIA_TITLES, "meaning": MEANING, "scale": SCALE, "anchors": ANCHORS,
        "counts": results["counts"], "human": [r for r in results["human"] if r["place"]],
        "ai": [r for r in results["ai"] if r["place"]], "notes": results["notes"]}
    docs = [Document(name, html=env.get_template(f"pack/{name}.html").render(**context))
            for name in ("rules", "judges", "poster")]
    docs.append(Document("score_sheets", html=env.get_template("pack/sheet.html").render(sheets=sheets(store),
                                                                                          **context)))
    awarded = winners(results)
    if awarded:
        docs.append(Document("certificates", html=env.get_template("pack/certificates.html").render(
            winners=awarded, **context)))
    docs += [Document(f"mail_{name}", text=env.get_template(f"pack/mails/{name}.txt").render(**context))
             for name in MAILS]
    for judge, link in found["judges"].items():
        docs.append(Document(f"mail_judges_briefing_{slug(judge) or 'judge'}", text=env.get_template(
            "pack/mails/judges_briefing.txt").render(judge_name=judge, judge_link=link, **context)))
    return docs

"""What the kickoff and awards decks are filled with: an event's details and its results.

Both are plain JSON in the event's folder (``composerlab slides build --event DIR``): ``DIR/event.json``
for the kickoff deck and ``DIR/results.json`` for the awards deck (formats in :func:`load_event_info`
and :func:`load_results`), or read straight from the event's database when the folder holds one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from composerlab.event.exports import results_json
from composerlab.event.store import Store
from composerlab.quiz.store import winners


class ResultsError(ValueError):
    """An event file the decks cannot use, with the file and the reason."""


@dataclass
class Entry:
    """One ranked composition."""

    rank: int
    composer: str
    points: float
    title: str = ""
    comments: str = ""


@dataclass
class Results:
    """An event's winners: the human judges' ranking, the AI judge's, the quiz winner."""

    event: str
    human: list[Entry] = field(default_factory=list)
    ai: list[Entry] = field(default_factory=list)
    quiz_winner: str = ""

    def category(self, name: str) -> list[Entry]:
        if name not in ("human", "ai"):
            raise ResultsError(f"unknown results category '{name}'; known: human, ai")
        return getattr(self, name)


def _entries(values, category: str, where: str) -> list[Entry]:
    if not isinstance(values, list):
        raise ResultsError(f"{where}: '{category}' must be a list of entries, not {type(values).__name__}")
    entries = []
    for i, value in enumerate(values):
        if not isinstance(value, dict):
            raise ResultsError(f"{where}: {category}[{i}] must be an object with rank, composer, points")
        if "rank" in value and value["rank"] is None:
            continue  # not ranked (the AI judge could not read the file)
        if "points" not in value and "score" in value:
            value = {**value, "points": value["score"]}
        missing = [k for k in ("rank", "composer", "points") if k not in value]
        if missing:
            raise ResultsError(f"{where}: {category}[{i}] has no {', '.join(repr(k) for k in missing)}")
        try:
            rank, points = int(value["rank"]), float(value["points"])
        except (TypeError, ValueError):
            raise ResultsError(f"{where}: {category}[{i}]: rank must be a whole number and points a number "
                               f"(got {value['rank']!r}, {value['points']!r})") from None
        entries.append(Entry(rank, str(value["composer"]), points, str(value.get("title") or ""),
                             str(value.get("comments") or "")))
    return sorted(entries, key=lambda e: (e.rank, -e.points))


def results_from_dict(data: dict, where: str = "results") -> Results:
    """Check ``data`` (the shape in this module's docstring) and return :class:`Results`."""
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: expected a JSON object with 'event', 'human', 'ai', 'quiz_winner'")
    if not data.get("event"):
        raise ResultsError(f"{where}: 'event' (the event's name) is missing")
    quiz = data.get("quiz_winner") or ""
    if isinstance(quiz, dict):
        quiz = str(quiz.get("name", ""))
    return Results(event=str(data["event"]), human=_entries(data.get("human", []), "human", where),
                   ai=_entries(data.get("ai", []), "ai", where), quiz_winner=str(quiz))


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file") from None
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path.name}: not valid JSON (line {err.lineno}: {err.msg})") from None


def load_results(path: str | Path) -> Results:
    """The results in a ``results.json`` file::

        {"event": "composition-jam",
         "human": [{"rank": 1, "composer": "ada", "title": "Baroque Beatz",
                    "points": 27.5, "comments": "a bass line that walks"}, ...],
         "ai":    [{"rank": 1, "composer": "ben", "title": "Fugue-ish", "points": 81.2, "comments": ""}, ...],
         "quiz_winner": "cleo"}

    ``human`` is the final round's leaderboard, ``ai`` the AI judge's ranking (points 0-100),
    ``quiz_winner`` a name or ``{"name": ..., "points": ...}``. Only ``event`` and the
    ``rank``/``composer``/``points`` of each entry are required; other keys are ignored. An entry's
    points may be called ``score`` (the AI judge's rows, as the event server exports them), and an
    entry whose ``rank`` is null (a file the AI judge could not read) is left out.
    """
    path = Path(path)
    return results_from_dict(_read_json(path), where=path.name)


@dataclass
class EventInfo:
    """The kickoff deck's details of an event."""

    name: str
    join_url: str = ""
    deadline: str = ""
    max_submissions: int | None = None


def load_event_info(path: str | Path) -> EventInfo:
    """The details in an ``event.json`` file::

        {"name": "composition-jam", "join_url": "http://192.168.1.20:8000/submit",
         "deadline": "15:00", "max_submissions": 1}
    """
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not data.get("name"):
        raise ResultsError(f"{path.name}: needs at least {{\"name\": ...}}")
    limit = data.get("max_submissions")
    return EventInfo(name=str(data["name"]), join_url=str(data.get("join_url") or ""),
                     deadline=str(data.get("deadline") or ""),
                     max_submissions=int(limit) if limit is not None else None)


def load_event_dir(folder: str | Path) -> tuple[EventInfo | None, Results | None]:
    """An event's details and winners, from its folder.

    The event server's database (``event.db``, made by ``composerlab event new``) gives the name, the
    submission limit and the winners; ``event.json`` adds the join link and the deadline (the server
    does not know under which address it will be reached); ``results.json``, when present, replaces
    the database's winners (for an event run elsewhere).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such event folder")
    info_path, results_path, db_path = folder / "event.json", folder / "results.json", folder / "event.db"
    if not (info_path.exists() or results_path.exists() or db_path.exists()):
        raise ResultsError(f"{folder}: holds no event.db, event.json or results.json "
                           "(see composerlab.slides.results for their shape)")
    info, results = None, None
    if db_path.exists():
        info, results = _from_event_database(folder)
    if info_path.exists():
        given = load_event_info(info_path)
        info = EventInfo(name=given.name or (info.name if info else ""), join_url=given.join_url,
                         deadline=given.deadline,
                         max_submissions=given.max_submissions if given.max_submissions is not None
                         else (info.max_submissions if info else None))
    if results_path.exists():
        results = load_results(results_path)
    if info is None and results is not None:
        info = EventInfo(name=results.event)
    return info, results


def _from_event_database(folder: Path) -> tuple[EventInfo, Results]:
    store = Store.open(folder)
    try:
        event = store.event()
        data = results_json(store)
        top = winners(store.engine, 1)  # the live quiz keeps its games in the same database
        if top:
            data["quiz_winner"] = {"name": top[0]["nickname"], "points": top[0]["points"]}
    finally:
        store.close()
    info = EventInfo(name=data["event"], max_submissions=event.max_per_composer if event else None)
    return info, results_from_dict(data, where=str(folder / "event.db"))


def placeholder_values(info: EventInfo | None, results: Results | None) -> dict[str, str]:
    """The text of every placeholder these give (:data:`composerlab.slides.deck.PLACEHOLDERS`); absent ones left out."""
    values = {}
    if info:
        values["event.name"] = info.name
        if info.join_url:
            values["event.join_url"] = info.join_url
        if info.deadline:
            values["event.deadline"] = info.deadline
        if info.max_submissions is not None:
            values["event.max_submissions"] = str(info.max_submissions)
    if results:
        values["results.event"] = results.event
        values["results.human_count"] = str(len(results.human))
        values["results.ai_count"] = str(len(results.ai))
        if results.quiz_winner:
            values["results.quiz_winner"] = results.quiz_winner
    return values

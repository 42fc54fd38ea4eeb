"""What the kickoff and awards decks are filled with: an event's details and its results.

Both are plain JSON in the event's folder (``composerlab slides build --event DIR``): ``DIR/event.json``
for the kickoff deck and ``DIR/results.json`` for the awards deck (formats in :func:`load_event_info`
and :func:`load_results`), or read straight from the event's database when the folder holds one.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from composerlab.event import settings
from composerlab.event.awards import results_json
from composerlab.event.media import audio_mp3
from composerlab.event.rules import EventError
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
    place: int | None = None
    """Its podium place (1-3), None off the podium (a contestant's second piece steps aside)."""
    audio: str = ""
    """The piece as a ``data:audio/mpeg`` URI (podium pieces read from an event's database), or ""."""


@dataclass
class Results:
    """An event's winners: the human judges' ranking, the AI judge's, the quiz winner."""

    event: str
    human: list[Entry] = field(default_factory=list)
    ai: list[Entry] = field(default_factory=list)
    quiz_winner: str = ""
    counts: dict = field(default_factory=dict)
    """The event's counts as ``GET /api/awards`` gives them (empty for a ``results.json`` without them)."""
    final_complete: bool = True
    notes: list[str] = field(default_factory=list)
    """What must be read before announcing (the final is not complete, ...), plain sentences."""
    round: str = "final"
    """The round whose board gives the judges' award."""

    def category(self, name: str) -> list[Entry]:
        if name not in ("human", "ai"):
            raise ResultsError(f"unknown results category '{name}'; known: human, ai")
        return getattr(self, name)

    def podium(self, name: str) -> list[Entry]:
        """The category's podium, place 1 first."""
        return sorted((e for e in self.category(name) if e.place), key=lambda e: e.place)

    def placed(self, name: str, place: int) -> Entry | None:
        return next((e for e in self.category(name) if e.place == place), None)


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
        place = value.get("place", rank if rank <= 3 else None)  # a hand-written file: the top three
        entries.append(Entry(rank, str(value["composer"]), points, str(value.get("title") or ""),
                             str(value.get("comments") or ""), int(place) if place else None,
                             str(value.get("audio") or "")))
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
                   ai=_entries(data.get("ai", []), "ai", where), quiz_winner=str(quiz),
                   counts=dict(data.get("counts") or {}), final_complete=bool(data.get("final_complete", True)),
                   notes=[str(n) for n in data.get("notes") or []], round=str(data.get("round") or "final"))


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
    entry whose ``rank`` is null (a file the AI judge could not read) is left out. An entry's ``place``
    (1-3, else null) is its podium place; without one the top three ranks are the podium. As
    ``GET /api/awards`` gives them, ``counts`` (``uploads``, ``contestants``, ``ai_scored``,
    ``preliminary_board``, ``final_board``, ...), ``round`` (the deciding one), ``final_complete`` and
    ``notes`` fill the awards deck's numbers and its warnings.
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
    judged_per_composer: int | None = None


def load_event_info(path: str | Path) -> EventInfo:
    """The details in an ``event.json`` file::

        {"name": "composition-jam", "join_url": "http://192.168.1.20:8000/submit",
         "deadline": "15:00", "max_submissions": 3, "judged_per_composer": 1}

    ``judged_per_composer`` (how many of a contestant's pieces go to the human judges) defaults to 1.
    """
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not data.get("name"):
        raise ResultsError(f"{path.name}: needs at least {{\"name\": ...}}")
    limit = data.get("max_submissions")
    return EventInfo(name=str(data["name"]), join_url=str(data.get("join_url") or ""),
                     deadline=str(data.get("deadline") or ""),
                     max_submissions=int(limit) if limit is not None else None,
                     judged_per_composer=int(data.get("judged_per_composer") or 1))  # the kit's rule: 1


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
                         else (info.max_submissions if info else None),
                         judged_per_composer=info.judged_per_composer if info and "judged_per_composer" not in
                         _read_json(info_path) else given.judged_per_composer)
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
        for category in ("human", "ai"):
            for entry in data[category]:
                entry["audio"] = _audio_uri(store, entry["id"]) if entry["place"] else ""
        top = winners(store.engine, 1)  # the live quiz keeps its games in the same database
        if top:
            data["quiz_winner"] = {"name": top[0]["nickname"], "points": top[0]["points"]}
    finally:
        store.close()
    join = f"{event.public_url}/" if event.public_url else ""
    info = EventInfo(name=data["event"], join_url=join,
                     deadline=settings.clock_text(event.deadline, event.timezone, day=True),
                     max_submissions=event.max_per_composer, judged_per_composer=event.judged_per_composer)
    return info, results_from_dict(data, where=str(folder / "event.db"))


def _audio_uri(store: Store, submission_id: int) -> str:
    """A podium piece as an embedded MP3 (the deck plays it offline); "" when it cannot be rendered."""
    try:
        return "data:audio/mpeg;base64," + base64.b64encode(audio_mp3(store, store.submission(submission_id))).decode()
    except EventError:
        return ""


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
        if info.judged_per_composer is not None:
            values["event.judged_per_composer"] = str(info.judged_per_composer)
    if results:
        values["results.event"] = results.event
        counts = results.counts
        # the board that decides the judges' award (the final, or a preliminary everyone scored), and the AI's
        values["results.human_count"] = str(counts.get(f"{results.round}_board", len(results.human)))
        values["results.ai_count"] = str(counts.get("ai_scored", len(results.ai)))
        for key in ("uploads", "contestants"):
            if key in counts:
                values[f"results.{key}"] = str(counts[key])
        values["results.status"] = " ".join(results.notes) if results.notes else "Every result below is complete."
        if results.quiz_winner:
            values["results.quiz_winner"] = results.quiz_winner
    return values

"""The event's data as the API, the pages and the facilitator take it away: JSON shapes, CSV, a zip.

Every shape is built here once, so the JSON API, the live leaderboard and the CSV files always agree.
A CSV cell a spreadsheet would run as a formula (text starting ``= + - @``, a tab or a return) is written
with a leading apostrophe. The awards' numbers are :mod:`composerlab.event.awards`'.
"""
from __future__ import annotations

import csv
import io
import zipfile

from composerlab.event import judging, rules
from composerlab.event.rules import CRITERIA
from composerlab.event.settings import as_utc
from composerlab.event.store import Store
from composerlab.event.tables import Round, ScoreVersion, Submission

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def when(value) -> str | None:
    """ISO time in UTC (SQLite hands datetimes back without their zone; they were stored in UTC)."""
    return None if value is None else as_utc(value).isoformat(timespec="seconds")


def hidden(store: Store) -> bool:
    """Whether names are hidden from judges and boards now: anonymous judging until the deciding round closes."""
    if not store.event().anonymous:
        return False
    found = store.rounds().get(store.deciding_round())
    return found is None or found.state != "closed"


def submission_json(row: Submission, score: ScoreVersion | None = None, public: bool = False,
                    anonymous: bool = False, judged: set[int] | None = None) -> dict:
    """A submission; ``public`` leaves out what only the facilitator sees (the uploader's file name, hash,
    why it was withdrawn); ``anonymous`` shows it by number only (``Piece #7``)."""
    shape = {"id": row.id, "number": f"#{row.id}", "composer": "" if anonymous else row.alias,
             "title": f"Piece #{row.id}" if anonymous else row.title,
             "stored_as": "" if anonymous else row.stored_as, "eligible": row.eligible,
             "created_at": when(row.created_at), "late": row.late, "withdrawn": row.withdrawn}
    if not public:
        shape.update(original_name=row.original_name, size=row.size, sha256=row.sha256, replaces=row.replaces,
                     withdrawn_reason=row.withdrawn_reason, withdrawn_by=row.withdrawn_by,
                     withdrawn_at=when(row.withdrawn_at))
        if judged is not None:
            shape["for_judges"] = row.id in judged
    if score is not None:
        shape["my_score"] = {c: getattr(score, c) for c in CRITERIA} | {"comment": score.comment,
                                                                         "version": score.version}
    return shape


def round_json(row: Round, store: Store | None = None) -> dict:
    shape = {"name": row.name, "mode": row.mode, "seed": row.seed, "top": row.top, "state": row.state,
             "ai_top": row.ai_top, "note": row.note, "opened_at": when(row.opened_at),
             "closed_at": when(row.closed_at)}
    if store is not None:
        shape["assignments"] = {judge.name: [s.id for s in store.assignments(judge.id, row.name)]
                                for judge in store.judges()}
    return shape


def score_json(row: ScoreVersion, judge_name: str) -> dict:
    return {"submission_id": row.submission_id, "round": row.round, "judge": judge_name, "version": row.version,
            **{c: getattr(row, c) for c in CRITERIA}, "comment": row.comment, "created_at": when(row.created_at)}


def leaderboard_json(store: Store, round_name: str, reveal: bool = False) -> dict:
    """A round's ranked pieces (only those every assigned judge scored) and how many are missing.

    The deciding round's rows carry their podium ``place`` (a contestant once, unless the event says
    otherwise); the preliminary's rows of a random deal mark the pieces sent to the final (``finalist``).
    ``waiting``: pieces still to be scored while the round is open; ``incomplete``: pieces it closed without.
    """
    found = store.rounds().get(round_name)
    table = store.standings(round_name)
    pieces = {row.id: row for row in store.submissions()}
    anonymous = hidden(store) and not reveal
    deciding = store.deciding_round() == round_name
    places = rules.podium_places([pieces[s.submission].composer for s in table], store.event().podium_unique)
    sent = store.finalists_sent() if round_name == "preliminary" else {}
    rows = []
    for s, place in zip(table, places):
        piece = pieces[s.submission]
        place = place if deciding else None
        rows.append({"rank": s.rank, "place": place, "podium": place is not None, "finalist": s.submission in sent,
                     "id": s.submission, "number": f"#{s.submission}", "late": piece.late,
                     "composer": "" if anonymous else piece.alias,
                     "title": f"Piece #{s.submission}" if anonymous else piece.title,
                     "stored_as": "" if anonymous else piece.stored_as, "points": round(s.points, 2),
                     "originality": round(s.originality, 2), "balance": round(s.balance, 2),
                     "emotional": round(s.emotional, 2), "judges": s.judges})
    missing = len(store.assigned_ids(round_name)) - len(rows)
    state = found.state if found else None
    return {"round": round_name, "state": state, "deciding": deciding, "anonymous": anonymous,
            "note": found.note if found else "", "rows": rows, "waiting": missing if state == "open" else 0,
            "incomplete": missing if state == "closed" else 0}


def ai_json(store: Store, reveal: bool = False) -> dict:
    """The AI judge's latest run over the pieces it ranks now (a piece withdrawn since leaves the ranking),
    best first, podium places as on the human boards; ``unscored``: pieces sent after the run."""
    run = judging.latest_run(store)
    pieces = {row.id: row for row in store.for_ai()}
    anonymous = hidden(store) and not reveal
    results = [r for r in judging.latest_scores(store) if r.submission_id in pieces]
    scored = [r for r in results if r.score is not None]
    places = rules.podium_places([pieces[r.submission_id].composer for r in scored], store.event().podium_unique)
    place_of = {r.submission_id: p for r, p in zip(scored, places)}
    rows, ranked = [], 0
    for r in results:
        piece, rank = pieces[r.submission_id], None
        if r.score is not None:
            ranked += 1
            rank = ranked
        place = place_of.get(piece.id)
        rows.append({"rank": rank, "place": place, "podium": place is not None, "id": piece.id,
                     "number": f"#{piece.id}", "late": piece.late, "composer": "" if anonymous else piece.alias,
                     "title": f"Piece #{piece.id}" if anonymous else piece.title,
                     "stored_as": "" if anonymous else piece.stored_as,
                     "score": None if r.score is None else round(r.score, 1), "classifier": r.classifier,
                     "pitch": r.pitch, "why": r.why, "error": r.error})
    return {"round": "ai", "anonymous": anonymous, "unscored": len(set(pieces) - {r.submission_id for r in results}),
            "run": None if run is None else {
                "id": run.id, "state": run.state, "total": run.total, "done": run.done, "error": run.error,
                "started_at": when(run.started_at), "finished_at": when(run.finished_at)}, "rows": rows}


def csv_safe(value):
    """A cell as a spreadsheet may open it: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def scores_csv(store: Store) -> str:
    """Every version of every score, oldest first: nothing a judge entered is lost."""
    judges = {j.id: j.name for j in store.judges()}
    pieces = {row.id: row for row in store.submissions()}
    return to_csv(["id", "round", "judge", "submission_id", "stored_as", "composer", "title", "version",
                   *CRITERIA, "comment", "created_at"],
                  [[v.id, v.round, judges[v.judge_id], v.submission_id, pieces[v.submission_id].stored_as,
                    pieces[v.submission_id].alias, pieces[v.submission_id].title, v.version,
                    *(getattr(v, c) for c in CRITERIA), v.comment, when(v.created_at)]
                   for v in store.score_versions()])


def leaderboard_csv(store: Store, round_name: str) -> str:
    board = leaderboard_json(store, round_name, reveal=True)
    keys = ["rank", "place", "id", "composer", "title", "stored_as", "points", *CRITERIA, "judges", "late"]
    return to_csv(keys, [[row[k] for k in keys] for row in board["rows"]])


SUBMISSION_COLUMNS = ["id", "alias", "title", "stored_as", "original_name", "received_at", "eligible",
                      "for_judges", "late", "withdrawn", "withdrawn_by", "reason", "replaces", "sha256"]


def submissions_csv(store: Store) -> str:
    """Who sent what: every upload, withdrawn ones too, with why (the zip holds it beside the files)."""
    judged = set(store.for_judges())
    return to_csv(SUBMISSION_COLUMNS,
                  [[r.id, r.alias, r.title, r.stored_as, r.original_name, when(r.created_at), r.eligible,
                    r.id in judged, r.late, r.withdrawn, r.withdrawn_by, r.withdrawn_reason, r.replaces or "",
                    r.sha256] for r in store.submissions()])


def ai_csv(store: Store) -> str:
    """The AI judge's latest ranking (pieces it could not read last, with the reason)."""
    keys = ["rank", "place", "id", "composer", "title", "stored_as", "score", "classifier", "pitch", "why", "error"]
    return to_csv(keys, [[row[k] for k in keys] for row in ai_json(store, reveal=True)["rows"]])


def submissions_zip(store: Store) -> bytes:
    """Every stored file under its server-chosen name (``event-alias-composition.mid``), and
    ``submissions.csv`` saying who sent what."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in store.submissions():
            archive.write(store.path_of(row), arcname=row.stored_as)
        archive.writestr("submissions.csv", submissions_csv(store))
    return buffer.getvalue()

"""The event's data as the API, the pages and the facilitator take it away: JSON shapes, CSV, a zip.

Every shape is built here once, so the JSON API, the live leaderboard and the
CSV files always agree.
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import timezone

from composerlab.event import judging
from composerlab.event.rules import CRITERIA
from composerlab.event.store import Store
from composerlab.event.tables import Round, ScoreVersion, Submission


def _when(value) -> str | None:
    """ISO time in UTC (SQLite hands datetimes back without their zone; they were stored in UTC)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat(timespec="seconds")


def submission_json(row: Submission, score: ScoreVersion | None = None, public: bool = False) -> dict:
    """A submission; ``public`` leaves out what only the facilitator sees (the uploader's file name, hash)."""
    shape = {"id": row.id, "composer": row.alias, "title": row.title, "stored_as": row.stored_as,
             "eligible": row.eligible, "created_at": _when(row.created_at)}
    if not public:
        shape.update(original_name=row.original_name, size=row.size, sha256=row.sha256)
    if score is not None:
        shape["my_score"] = {c: getattr(score, c) for c in CRITERIA} | {"comment": score.comment,
                                                                         "version": score.version}
    return shape


def round_json(row: Round, store: Store | None = None) -> dict:
    shape = {"name": row.name, "mode": row.mode, "seed": row.seed, "top": row.top, "state": row.state,
             "opened_at": _when(row.opened_at), "closed_at": _when(row.closed_at)}
    if store is not None:
        shape["assignments"] = {judge.name: [s.id for s in store.assignments(judge.id, row.name)]
                                for judge in store.judges()}
    return shape


def score_json(row: ScoreVersion, judge_name: str) -> dict:
    return {"submission_id": row.submission_id, "round": row.round, "judge": judge_name, "version": row.version,
            **{c: getattr(row, c) for c in CRITERIA}, "comment": row.comment, "created_at": _when(row.created_at)}


def leaderboard_json(store: Store, round_name: str) -> dict:
    """A round's ranked pieces (only those every assigned judge scored) and how many still wait."""
    found = store.rounds().get(round_name)
    table = store.standings(round_name)
    pieces = {row.id: row for row in store.submissions()}
    assigned = store.assigned_ids(round_name)
    rows = [{"rank": s.rank, "id": s.submission, "composer": pieces[s.submission].alias,
             "title": pieces[s.submission].title, "stored_as": pieces[s.submission].stored_as,
             "points": round(s.points, 2), "originality": round(s.originality, 2), "balance": round(s.balance, 2),
             "emotional": round(s.emotional, 2), "judges": s.judges, "podium": s.podium} for s in table]
    return {"round": round_name, "state": found.state if found else None, "rows": rows,
            "waiting": len(assigned) - len(rows)}


def ai_json(store: Store) -> dict:
    run = judging.latest_run(store)
    pieces = {row.id: row for row in store.submissions()}
    rows, rank = [], 0
    for r in judging.latest_scores(store):
        piece = pieces[r.submission_id]
        rank = rank + 1 if r.score is not None else None
        rows.append({"rank": rank, "id": piece.id, "composer": piece.alias, "title": piece.title,
                     "stored_as": piece.stored_as, "score": None if r.score is None else round(r.score, 1),
                     "classifier": r.classifier, "pitch": r.pitch, "why": r.why, "error": r.error,
                     "podium": rank is not None and rank <= 3})
    return {"round": "ai", "run": None if run is None else {
        "id": run.id, "state": run.state, "total": run.total, "done": run.done, "error": run.error,
        "started_at": _when(run.started_at), "finished_at": _when(run.finished_at)}, "rows": rows}


def winners(store: Store) -> tuple[str | None, list[dict]]:
    """The human-judged top three (the final's if it has results, else the preliminary's) with comments."""
    judges = {j.id: j.name for j in store.judges()}
    for round_name in ("final", "preliminary"):
        board = leaderboard_json(store, round_name)
        if board["rows"]:
            scores = store.latest_scores(round_name)
            top = board["rows"][:3]
            for row in top:
                row["comments"] = [(judges[v.judge_id], v.comment) for v in scores
                                   if v.submission_id == row["id"] and v.comment]
            return round_name, top
    return None, []


def results_json(store: Store) -> dict:
    """The event's winners in the shape the awards slides read (:mod:`composerlab.slides.results`).

    ``human``: the human-judged top three (final round, else preliminary) with each judge's comment;
    ``ai``: the AI judge's top three, its one-line reason as the comment.
    """
    _, human = winners(store)
    ai = [row for row in ai_json(store)["rows"] if row["rank"] is not None][:3]
    event = store.event()
    return {"event": event.name if event else store.dir.name,
            "human": [{"rank": r["rank"], "composer": r["composer"] or "(no alias)", "title": r["title"],
                       "points": r["points"], "comments": "; ".join(f"{who}: {text}" for who, text in r["comments"])}
                      for r in human],
            "ai": [{"rank": r["rank"], "composer": r["composer"] or "(no alias)", "title": r["title"],
                    "points": r["score"], "comments": r["why"] or ""} for r in ai],
            "quiz_winner": ""}


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def scores_csv(store: Store) -> str:
    """Every version of every score, oldest first: nothing a judge entered is lost."""
    judges = {j.id: j.name for j in store.judges()}
    pieces = {row.id: row for row in store.submissions()}
    return _csv(["id", "round", "judge", "submission_id", "stored_as", "composer", "title", "version",
                 *CRITERIA, "comment", "created_at"],
                [[v.id, v.round, judges[v.judge_id], v.submission_id, pieces[v.submission_id].stored_as,
                  pieces[v.submission_id].alias, pieces[v.submission_id].title, v.version,
                  *(getattr(v, c) for c in CRITERIA), v.comment, _when(v.created_at)]
                 for v in store.score_versions()])


def leaderboard_csv(store: Store, round_name: str) -> str:
    board = leaderboard_json(store, round_name)
    keys = ["rank", "composer", "title", "stored_as", "points", *CRITERIA, "judges"]
    return _csv(keys, [[row[k] for k in keys] for row in board["rows"]])


def submissions_zip(store: Store) -> bytes:
    """Every stored file under its server-chosen name (``event-alias-composition.mid``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in store.submissions():
            archive.write(store.path_of(row), arcname=row.stored_as)
    return buffer.getvalue()

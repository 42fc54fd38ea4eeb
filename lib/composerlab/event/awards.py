"""The awards' one source: the numbers and podiums the awards page, ``GET /api/awards`` and the awards deck show.

:func:`awards_json` reads the deciding round's board (the final, or a preliminary where every judge scored
everything), the AI judge's ranking and the counts, each as the exports compute them, so a count on the
awards page or deck equals the one a spreadsheet finds in the CSV files. When the final has no complete
results it says so (``final_complete`` false and a note); it never falls back to another round.
"""
from __future__ import annotations

from composerlab.event import exports
from composerlab.event.settings import pieces_text
from composerlab.event.store import Store


def plugin_sections(app) -> list[dict]:
    """What plugins add to the awards: ``{"id", "title", "empty", "rows": [{"rank", "name", "detail"}]}`` each.

    A plugin (the quiz) appends a callable returning such sections (or []) to ``app.state.awards``.
    """
    return [section for source in getattr(app.state, "awards", ()) for section in source()]


def counts(store: Store, human: dict | None = None, ai: dict | None = None) -> dict:
    """``uploads`` (every row, withdrawn too), ``contestants`` (aliases that sent something), ``eligible``
    (with an alias, not withdrawn), ``withdrawn``, ``late``, ``judged`` (pieces the human judges were dealt),
    ``ai_scored``, ``preliminary_board``, ``final_board``."""
    rows = store.submissions()
    ai = ai or exports.ai_json(store, reveal=True)
    boards = {name: exports.leaderboard_json(store, name, reveal=True) for name in ("preliminary", "final")}
    return {"uploads": len(rows), "contestants": len({r.composer for r in rows if r.composer}),
            "eligible": sum(r.eligible and not r.withdrawn for r in rows), "withdrawn": sum(r.withdrawn for r in rows),
            "late": sum(r.late for r in rows), "judged": len(store.assigned_ids("preliminary")),
            "ai_scored": sum(row["score"] is not None for row in ai["rows"]),
            "preliminary_board": len(boards["preliminary"]["rows"]), "final_board": len(boards["final"]["rows"])}


def with_comments(store: Store, round_name: str, rows: list[dict]) -> list[dict]:
    """The podium rows with each judge's latest comment, ``[(judge, text), ...]``, in ``comments``."""
    judges = {j.id: j.name for j in store.judges()}
    scores = store.latest_scores(round_name)
    for row in rows:
        row["comments"] = [(judges[v.judge_id], v.comment) for v in scores if v.submission_id == row["id"]
                           and v.comment] if row["place"] else []
    return rows


def awards_json(store: Store, quiz: list[dict] | None = None) -> dict:
    """Everything the awards show, names revealed (anonymous judging ends here).

    ``human``: the deciding round's whole board (``place`` 1-3 on the podium, with the judges' comments);
    ``ai``: the AI judge's ranked rows; ``quiz``: the plugins' sections (the quiz's podium) when given;
    ``final_complete``: the deciding round exists and every piece in it has all its judges' scores;
    ``notes``: what a person must read before announcing anything (plain sentences).
    """
    name = store.deciding_round()
    found = store.rounds().get(name)
    board = exports.leaderboard_json(store, name, reveal=True)
    ai = exports.ai_json(store, reveal=True)
    missing = board["waiting"] + board["incomplete"]
    complete = found is not None and bool(board["rows"]) and missing == 0
    what = "final" if name == "final" else "preliminary round (every judge scored everything)"
    notes = []
    if found is None:
        notes.append(f"The {what} has not been opened: there is no judges' award yet.")
    elif not board["rows"]:
        notes.append(f"No piece of the {what} has been scored by all its judges: there is no judges' award yet.")
    elif missing:
        notes.append(f"The {what} is not complete: {pieces_text(missing)} still lack a judge's score, so the "
                     "judges' podium below is provisional.")
    if found is not None and found.state == "open" and complete:
        notes.append(f"The {what} is still open: scores may change until it is closed.")
    if found is not None and found.note:
        notes.append(f"Note: {found.note}.")
    if ai["run"] is None:
        notes.append("The AI judge has not run.")
    elif ai["unscored"]:
        notes.append(f"{pieces_text(ai['unscored'])} arrived after the AI judge's last run: run it again.")
    event = store.event()
    return {"event": event.name, "round": name, "round_state": found.state if found else None,
            "final_complete": complete, "notes": notes, "counts": counts(store, ai=ai),
            "human": with_comments(store, name, board["rows"]) if found is not None else [],
            "ai": [row for row in ai["rows"] if row["rank"] is not None], "ai_run": ai["run"],
            "quiz": quiz if quiz is not None else [], "podium_unique": event.podium_unique}


def podium_ids(awards: dict) -> set[int]:
    """The pieces on a podium (human or AI): the ones the awards page may play to everyone."""
    return {row["id"] for key in ("human", "ai") for row in awards[key] if row["place"]}


def results_json(store: Store, awards: dict | None = None) -> dict:
    """The awards in the shape the awards deck reads (:mod:`composerlab.slides.results`): ``human`` and ``ai``
    entries with rank, place, composer, title, points and comments, the counts and notes."""
    awards = awards or awards_json(store)

    def entry(row: dict, points: float, comments: str) -> dict:
        return {"rank": row["rank"], "place": row["place"], "id": row["id"], "stored_as": row["stored_as"],
                "composer": row["composer"] or "(no alias)", "title": row["title"], "points": points,
                "comments": comments}

    return {"event": awards["event"], "round": awards["round"], "counts": awards["counts"],
            "final_complete": awards["final_complete"],
            "notes": awards["notes"],
            "human": [entry(r, r["points"], "; ".join(f"{who}: {text}" for who, text in r["comments"]))
                      for r in awards["human"]],
            "ai": [entry(r, r["score"], r["why"] or "") for r in awards["ai"]], "quiz_winner": ""}

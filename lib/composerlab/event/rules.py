"""The competition's rules as pure functions: who judges what, and who leads.

Nothing here touches the database or the web: the store passes plain values in and stores what comes
out. A preliminary round deals the contestants to the judges evenly and at random; each judge's top three
go to the final, judged by every other judge; a piece reaches the leaderboard only when every judge
assigned to it has scored it. Also the event's refusal (:class:`EventError`) and its text cleaning.
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

CRITERIA = ("originality", "balance", "emotional")
"""The three scores a judge gives, each 1-5."""
CRITERIA_TITLES = {"originality": "Originality", "balance": "Balance", "emotional": "Emotional resonance"}
SCALE = {1: "Very unimpressed", 2: "Slightly unimpressed", 3: "Neither impressed or unimpressed",
         4: "Slightly impressed", 5: "Very impressed"}
"""The five-point scale's titles, as the event's judges saw them."""
ROUNDS = ("preliminary", "final")
DEFAULT_FINALISTS = 3
"""How many of each judge's best pieces go to the final."""


class EventError(Exception):
    """A request the event refuses; ``status`` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        if status is not None:
            self.status = status


def validation_reason(problems: list[dict]) -> str:
    """One sentence from pydantic's list of problems with a request (``err.errors()``): each field and what is
    wrong with it, and the value sent (``originality: Input should be less than or equal to 5 (got 6)``)."""
    parts = []
    for problem in problems:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path"))
        got = f" (got {problem['input']!r})" if "input" in problem and not isinstance(problem["input"], dict) else ""
        parts.append(f"{where or 'the request'}: {problem.get('msg', 'is not valid')}{got}")
    return "; ".join(parts)


def slug(value: str, limit: int = 40) -> str:
    """Lower-case ASCII letters, digits and ``_`` only: safe in a file name on every system ("" if none)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:limit].strip("_")


def clean_text(value: str | None, field: str, limit: int, required: bool) -> str:
    """A form field as stored: control characters out, spaces trimmed, length and presence checked."""
    value = "".join(ch for ch in (value or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if required and not value:
        raise EventError(f"{field} is missing: please fill it in", 422)
    if len(value) > limit:
        raise EventError(f"{field} is too long: {len(value)} characters, at most {limit}", 422)
    return value


class RuleError(ValueError):
    """A request the rules refuse (opening the final with one judge, ...); the message says why."""


@dataclass(frozen=True)
class Mark:
    """One judge's latest score for one piece."""

    judge: int
    submission: int
    originality: int
    balance: int
    emotional: int

    @property
    def points(self) -> int:
        return self.originality + self.balance + self.emotional


@dataclass
class Standing:
    """A piece on the leaderboard: points are the sum of the criteria, averaged over its judges."""

    submission: int
    points: float
    originality: float
    balance: float
    emotional: float
    judges: int
    rank: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def podium(self) -> bool:
        return 1 <= self.rank <= 3


def deal(submissions: list[int], judges: list[int], seed: int) -> dict[int, list[int]]:
    """Deal the submissions to the judges evenly and at random (the preliminary round).

    The submissions are shuffled, and so is the order the judges receive them
    in, so the judges who get one piece more are drawn at random too. Sizes
    differ by at most one; the same seed gives the same deal.

    Returns
    -------
    dict
        ``{judge: [submission, ...]}`` for every judge (an empty list when there are fewer pieces than judges).
    """
    if not judges:
        raise RuleError("the event has no judges")
    rng = random.Random(seed)
    pieces = sorted(submissions)
    rng.shuffle(pieces)
    order = sorted(judges)
    rng.shuffle(order)
    dealt = {judge: [] for judge in sorted(judges)}
    for i, piece in enumerate(pieces):
        dealt[order[i % len(order)]].append(piece)
    return {judge: sorted(pieces) for judge, pieces in dealt.items()}


def everyone(submissions: list[int], judges: list[int]) -> dict[int, list[int]]:
    """Every judge scores every submission (a small event's single round)."""
    if not judges:
        raise RuleError("the event has no judges")
    return {judge: sorted(submissions) for judge in sorted(judges)}


def ranking_key(standing: Standing) -> tuple:
    """How a board is sorted. Ties: points, then each criterion in the scale's order, then who submitted
    first (submission ids are given in the order uploads are stored)."""
    return (-standing.points, -standing.originality, -standing.balance, -standing.emotional, standing.submission)


def standings(assigned: dict[int, list[int]], marks: list[Mark]) -> list[Standing]:
    """The leaderboard of one round, ranked 1, 2, 3... with no shared ranks.

    Parameters
    ----------
    assigned : dict
        ``{judge: [submission, ...]}``: who must score what in this round.
    marks : list of Mark
        Each judge's latest score per piece in this round (marks for pieces
        not assigned to that judge are ignored).

    Returns
    -------
    list of Standing
        Only pieces that every assigned judge has scored, best first (:func:`ranking_key`).
    """
    judges_of: dict[int, set[int]] = {}
    for judge, pieces in assigned.items():
        for piece in pieces:
            judges_of.setdefault(piece, set()).add(judge)
    by_piece: dict[int, dict[int, Mark]] = {}
    for mark in marks:
        if mark.judge in judges_of.get(mark.submission, ()):
            by_piece.setdefault(mark.submission, {})[mark.judge] = mark
    table = []
    for piece, judges in judges_of.items():
        got = by_piece.get(piece, {})
        if set(got) != judges:
            continue  # still waiting for a judge: not on the board yet
        n = len(got)
        table.append(Standing(
            submission=piece,
            points=round(sum(m.points for m in got.values()) / n, 4),
            originality=round(sum(m.originality for m in got.values()) / n, 4),
            balance=round(sum(m.balance for m in got.values()) / n, 4),
            emotional=round(sum(m.emotional for m in got.values()) / n, 4),
            judges=n,
        ))
    table.sort(key=ranking_key)
    for i, standing in enumerate(table, 1):
        standing.rank = i
    return table


def finalists(assigned: dict[int, list[int]], marks: list[Mark], top: int = DEFAULT_FINALISTS) -> dict[int, list[int]]:
    """Each judge's ``top`` best-scored pieces of the preliminary round, by that judge's own scores.

    Only pieces on the preliminary leaderboard (every assigned judge scored
    them) can go through. Returns ``{judge: [submission, ...]}`` best first.
    """
    if top < 1:
        raise RuleError(f"each judge sends at least one piece to the final, not {top}")
    complete = {s.submission for s in standings(assigned, marks)}
    chosen = {}
    for judge, pieces in sorted(assigned.items()):
        own = [Standing(m.submission, m.points, m.originality, m.balance, m.emotional, 1)
               for m in marks if m.judge == judge and m.submission in pieces and m.submission in complete]
        own.sort(key=ranking_key)
        chosen[judge] = [s.submission for s in own[:top]]
    return chosen


def final_assignment(sent: dict[int, list[int]], judges: list[int]) -> dict[int, list[int]]:
    """The final round: every piece is judged by every judge except the one who sent it.

    A piece sent by several judges (possible only when several judges scored
    it in the preliminary) is judged by the judges who did not send it.
    """
    if len(judges) < 2:
        raise RuleError("a final needs at least two judges: nobody else could judge a judge's finalists")
    senders: dict[int, set[int]] = {}
    for judge, pieces in sent.items():
        for piece in pieces:
            senders.setdefault(piece, set()).add(judge)
    if not senders:
        raise RuleError("no piece has been scored by every assigned judge in the preliminary round")
    plan = {judge: sorted(p for p, who in senders.items() if judge not in who) for judge in sorted(judges)}
    orphaned = [p for p, who in senders.items() if who >= set(judges)]
    if orphaned:
        raise RuleError(f"pieces {sorted(orphaned)} were sent by every judge, so nobody is left to judge them")
    return plan

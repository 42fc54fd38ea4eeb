"""Points for an answer, the answer-streak bonus, and the ranking: pure functions.

The rules (after Kahoot's published ones):

* a correct answer given ``t`` seconds after the question opened, with the time
  limit ``T``, earns ``round(1000 * (1 - (t / T) / 2))``: 1000 at once, 750 at
  half time, 500 on the last moment. Halves round up (``999.5`` is 1000), so the
  result never depends on Python's round-half-to-even. An answer within the
  first :data:`GRACE_SECONDS` (half a second) earns the full 1000 ("full marks
  under about half a second"); ``t`` is clamped to ``[0, T]``.
* a wrong answer, or none, earns 0 and ends the streak.
* the streak is the number of correct answers in a row, this one included. The
  bonus is +100 for each correct answer in the row beyond the first, at most
  +500: streak 1 earns +0, 2 +100, 3 +200, 4 +300, 5 +400, 6 and more +500.
  It is added to the points of the correct answer that extends the streak.
* ranking: more points first; on equal points, less total time spent on the
  correct answers first (the faster player); then the earlier join.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_POINTS = 1000
"""Points for an instant correct answer."""
GRACE_SECONDS = 0.5
"""Answers this fast earn :data:`MAX_POINTS` whatever the time limit."""
STREAK_STEP = 100
"""Bonus per correct answer in a row beyond the first."""
MAX_STREAK_BONUS = 500


def answer_points(correct: bool, seconds: float | None, limit: float, grace: float = GRACE_SECONDS) -> int:
    """Points for one answer, before the streak bonus.

    Parameters
    ----------
    correct : bool
        Whether the chosen answer is right.
    seconds : float or None
        Response time ``t`` from the question's opening; None for no answer.
    limit : float
        The question's time limit ``T`` (> 0).
    grace : float
        Answers at most this fast get full marks (0 turns the grace off).

    Returns
    -------
    int
        500-1000 for a correct answer in time, else 0.
    """
    if limit <= 0:
        raise ValueError(f"the time limit must be positive, not {limit}")
    if not correct or seconds is None:
        return 0
    t = min(max(float(seconds), 0.0), float(limit))
    if t <= grace:
        return MAX_POINTS
    exact = round(MAX_POINTS * (1 - (t / limit) / 2), 9)  # so 792.4999999 from float error is 792.5
    return math.floor(exact + 0.5)


def streak_bonus(streak: int) -> int:
    """Bonus for a correct answer that makes a run of ``streak`` correct answers (this one included)."""
    if streak < 1:
        return 0
    return min(STREAK_STEP * (streak - 1), MAX_STREAK_BONUS)


@dataclass(frozen=True)
class Result:
    """The outcome of one question for one player."""

    correct: bool
    points: int
    """Points for the answer itself (0 when wrong or missing)."""
    bonus: int
    """Streak bonus added on top."""
    streak: int
    """The player's streak after this question."""

    @property
    def total(self) -> int:
        return self.points + self.bonus


def score_answer(correct: bool, seconds: float | None, limit: float, streak_before: int,
                 grace: float = GRACE_SECONDS) -> Result:
    """Points, bonus and the new streak for one player's answer (or missing answer) to one question."""
    if correct and seconds is not None:
        streak = streak_before + 1
        return Result(True, answer_points(True, seconds, limit, grace), streak_bonus(streak), streak)
    return Result(False, 0, 0, 0)


def rank_key(points: int, correct_seconds: float, join_order: int) -> tuple:
    """Sort key of one player: more points, then less time on correct answers, then earlier join."""
    return (-points, round(correct_seconds, 6), join_order)


def ranked(rows: list[dict]) -> list[dict]:
    """``rows`` (each with ``points``, ``correct_seconds``, ``join_order``) best first, each given its ``rank``.

    Every player gets a distinct rank (1, 2, 3, ...): ties are broken by the rule
    above, so the podium is never shared and the order never depends on input order.
    """
    ordered = sorted(rows, key=lambda r: rank_key(r["points"], r["correct_seconds"], r["join_order"]))
    return [{**row, "rank": i} for i, row in enumerate(ordered, start=1)]

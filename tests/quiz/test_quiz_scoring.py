"""composerlab.quiz.scoring: the points formula, the streak bonus, the ranking."""
import pytest

from composerlab.quiz.scoring import (GRACE_SECONDS, MAX_POINTS, answer_points, ranked, score_answer,
                                      streak_bonus)


@pytest.mark.parametrize("limit", [10, 20, 30, 7])
def test_formula_at_zero_half_and_full_time(limit):
    assert answer_points(True, 0, limit) == 1000
    assert answer_points(True, limit / 2, limit) == 750
    assert answer_points(True, limit, limit) == 500


def test_formula_between_and_rounding():
    assert answer_points(True, 5, 20) == 875          # 1000 * (1 - 0.125)
    assert answer_points(True, 8.3, 20) == 793        # 792.5 rounds half up (Python's round() gives 792)
    assert answer_points(True, 19.99, 20) == 500      # 500.25
    assert answer_points(True, 25, 20) == 500         # clamped to the limit
    points = [answer_points(True, t / 10, 20) for t in range(6, 201)]
    assert points == sorted(points, reverse=True) and 500 <= min(points) and max(points) <= 1000


def test_full_marks_within_the_grace():
    assert answer_points(True, GRACE_SECONDS, 20) == MAX_POINTS
    assert answer_points(True, 0.6, 20) == 985        # the formula again just past it
    assert answer_points(True, 0.4, 20, grace=0) == 990


def test_wrong_and_missing_answers_score_zero():
    assert answer_points(False, 0, 20) == 0
    assert answer_points(False, 10, 20) == 0
    assert answer_points(True, None, 20) == 0
    assert score_answer(False, 1.0, 20, streak_before=4).total == 0
    assert score_answer(True, None, 20, streak_before=4).total == 0


def test_bad_limit_is_refused():
    with pytest.raises(ValueError, match="positive"):
        answer_points(True, 1, 0)


def test_streak_bonus_steps_and_cap():
    assert [streak_bonus(s) for s in range(0, 9)] == [0, 0, 100, 200, 300, 400, 500, 500, 500]


def test_streak_builds_and_resets():
    streak, totals = 0, []
    for correct in [True, True, True, False, True, True, None]:  # None: no answer
        result = score_answer(bool(correct), None if correct is None else 0.0, 20, streak)
        streak = result.streak
        totals.append((result.points, result.bonus, result.streak))
    assert totals == [(1000, 0, 1), (1000, 100, 2), (1000, 200, 3), (0, 0, 0),
                      (1000, 0, 1), (1000, 100, 2), (0, 0, 0)]
    long_run = 0
    for _ in range(10):
        result = score_answer(True, 10, 20, long_run)
        long_run = result.streak
    assert (result.points, result.bonus, result.streak) == (750, 500, 10)


def test_ties_are_ranked_deterministically():
    rows = [
        {"nickname": "late joiner", "points": 1500, "correct_seconds": 4.0, "join_order": 3},
        {"nickname": "slow", "points": 1500, "correct_seconds": 9.5, "join_order": 0},
        {"nickname": "first", "points": 1500, "correct_seconds": 4.0, "join_order": 1},
        {"nickname": "top", "points": 2000, "correct_seconds": 20.0, "join_order": 2},
        {"nickname": "zero", "points": 0, "correct_seconds": 0.0, "join_order": 4},
    ]
    expected = ["top", "first", "late joiner", "slow", "zero"]
    for order in (rows, rows[::-1], rows[2:] + rows[:2]):
        result = ranked(order)
        assert [r["nickname"] for r in result] == expected
        assert [r["rank"] for r in result] == [1, 2, 3, 4, 5]

"""The competition's rules, without a server: dealing, the final, the leaderboard, names."""
import itertools

import pytest

from composerlab.event import rules
from composerlab.event.rules import Mark, RuleError


@pytest.mark.parametrize("pieces, judges", [(0, 3), (1, 3), (2, 3), (10, 3), (11, 4), (57, 5), (200, 10), (3, 1)])
def test_deal_is_even_complete_and_seeded(pieces, judges):
    subs, js = list(range(100, 100 + pieces)), list(range(1, judges + 1))
    plan = rules.deal(subs, js, seed=7)
    sizes = [len(p) for p in plan.values()]
    assert set(plan) == set(js)
    assert max(sizes) - min(sizes) <= 1
    assert sorted(itertools.chain(*plan.values())) == subs  # each piece exactly once
    assert rules.deal(list(reversed(subs)), js, seed=7) == plan  # the seed, not the input order, decides


def test_deal_is_random_across_seeds():
    subs, js = list(range(30)), [1, 2, 3]
    plans = {tuple(tuple(v) for v in rules.deal(subs, js, seed=s).values()) for s in range(10)}
    assert len(plans) == 10
    # the judges who get the extra piece are drawn too, not always the first ones
    extra = {tuple(j for j, p in rules.deal(list(range(4)), js, seed=s).items() if len(p) == 2) for s in range(20)}
    assert len(extra) == 3


def test_deal_needs_judges():
    with pytest.raises(RuleError, match="no judges"):
        rules.deal([1, 2], [], seed=0)


def test_everyone_scores_everything():
    assert rules.everyone([3, 1, 2], [2, 1]) == {1: [1, 2, 3], 2: [1, 2, 3]}


def test_a_piece_missing_one_judges_score_never_reaches_the_board():
    assigned = {1: [10, 11], 2: [10, 11]}
    marks = [Mark(1, 10, 5, 5, 5), Mark(2, 10, 3, 3, 3), Mark(1, 11, 5, 5, 5)]  # judge 2 has not scored 11
    table = rules.standings(assigned, marks)
    assert [s.submission for s in table] == [10]
    assert table[0].points == 12.0 and table[0].originality == 4.0 and table[0].judges == 2
    # a mark from a judge not assigned to the piece does not complete it
    assert [s.submission for s in rules.standings(assigned, marks + [Mark(3, 11, 1, 1, 1)])] == [10]
    assert [s.submission for s in rules.standings(assigned, marks + [Mark(2, 11, 1, 1, 1)])] == [10, 11]


def test_points_are_the_sum_of_criteria_averaged_over_judges():
    table = rules.standings({1: [7], 2: [7], 3: [7]}, [Mark(1, 7, 5, 4, 3), Mark(2, 7, 2, 2, 2), Mark(3, 7, 1, 5, 5)])
    assert table[0].points == pytest.approx((12 + 6 + 11) / 3, abs=1e-3)
    assert (table[0].originality, table[0].balance, table[0].emotional) == pytest.approx((8 / 3, 11 / 3, 10 / 3),
                                                                                         abs=1e-3)


def test_ties_are_ranked_deterministically():
    assigned = {1: [1, 2, 3, 4, 5]}
    marks = [Mark(1, 5, 4, 4, 4), Mark(1, 4, 5, 4, 3), Mark(1, 3, 4, 4, 4), Mark(1, 2, 4, 5, 3), Mark(1, 1, 3, 3, 3)]
    # all of 2-5 have 12 points: originality first, then balance, then emotional, then upload order
    expected = [4, 2, 3, 5, 1]
    for order in itertools.permutations(marks):
        table = rules.standings(assigned, list(order))
        assert [s.submission for s in table] == expected
        assert [s.rank for s in table] == [1, 2, 3, 4, 5]
    assert [s.podium for s in rules.standings(assigned, marks)] == [True, True, True, False, False]


def test_a_tie_on_every_criterion_goes_to_the_earlier_upload_on_the_board_and_to_the_final():
    # pieces 3 and 7 score alike from both judges: the earlier upload (the smaller id) ranks first, whatever
    # order the marks come in, on the board and among a judge's finalists
    assigned = {1: [3, 7], 2: [3, 7]}
    marks = [Mark(j, p, 4, 3, 5) for j in (1, 2) for p in (7, 3)]
    for order in itertools.permutations(marks):
        assert [s.submission for s in rules.standings(assigned, list(order))] == [3, 7]
        assert rules.finalists(assigned, list(order), top=1) == {1: [3], 2: [3]}
    assert rules.ranking_key(rules.standings(assigned, marks)[0]) < rules.ranking_key(
        rules.standings(assigned, marks)[1])


def test_finalists_are_each_judges_top_and_never_go_back_to_them():
    assigned = rules.deal(list(range(1, 31)), [1, 2, 3, 4], seed=3)
    marks = [Mark(j, p, 1 + (p * 7 + j) % 5, 1 + p % 5, 1 + (p * 3) % 5) for j, ps in assigned.items() for p in ps]
    sent = rules.finalists(assigned, marks, top=3)
    for judge, pieces in sent.items():
        assert len(pieces) == 3 and set(pieces) <= set(assigned[judge])
        own = sorted(((m.points, m.originality, m.balance, m.emotional) for m in marks
                      if m.judge == judge), reverse=True)
        best = [next((m.points, m.originality, m.balance, m.emotional) for m in marks if m.submission == p)
                for p in pieces]
        assert best == own[:3]
    plan = rules.final_assignment(sent, [1, 2, 3, 4])
    for judge, pieces in plan.items():
        assert not set(pieces) & set(sent[judge]), "a judge got back a piece they sent"
        assert len(pieces) == 9  # the other three judges' top three
    assert rules.finalists(assigned, marks, top=2)[1] == sent[1][:2]


def test_unscored_pieces_do_not_go_to_the_final():
    sent = rules.finalists({1: [1, 2, 3, 4]}, [Mark(1, 1, 2, 2, 2), Mark(1, 2, 5, 5, 5)], top=3)
    assert sent == {1: [2, 1]}


def test_a_final_needs_two_judges_and_some_finalists():
    with pytest.raises(RuleError, match="at least two judges"):
        rules.final_assignment({1: [1, 2, 3]}, [1])
    with pytest.raises(RuleError, match="no piece"):
        rules.final_assignment({1: [], 2: []}, [1, 2])
    with pytest.raises(RuleError, match="sent by every judge"):
        rules.final_assignment({1: [5], 2: [5]}, [1, 2])
    with pytest.raises(RuleError, match="at least one"):
        rules.finalists({1: [1]}, [], top=0)


@pytest.mark.parametrize("text, expected", [("Summit 24", "summit_24"), ("../../x", "x"), ("<script>", "script"),
                                             ("Zoë Ørsted", "zoe_rsted"), ("李白", ""), ("a-b-c", "a_b_c"),
                                             ("x" * 80, "x" * 40)])
def test_slug_is_safe_in_a_file_name(text, expected):
    assert rules.slug(text) == expected


def test_clean_text_refuses_empty_and_long_and_drops_control_characters():
    assert rules.clean_text("  a\x00b\u202ec ", "the alias", 10, True) == "abc"
    with pytest.raises(rules.EventError, match="the alias is missing") as err:
        rules.clean_text(" \t", "the alias", 10, True)
    assert err.value.status == 422
    with pytest.raises(rules.EventError, match="too long"):
        rules.clean_text("x" * 11, "the alias", 10, True)

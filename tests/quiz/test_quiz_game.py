"""composerlab.quiz.game: the live game's states, server timing, refusals, reveal, podium, snapshots."""
import json
import random
import threading

import pytest

from composerlab.quiz.bank import bank_from_dict
from composerlab.quiz.game import (ERROR_CODES, FINISHED, LOBBY, MAX_NICKNAME, QUESTION, REVEAL, Game, QuizError,
                                   clean_nickname)
from composerlab.quiz.games import Games


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self, now=1_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def tick(self, seconds):
        self.now += seconds


def make_bank(n=3, seconds=20):
    return bank_from_dict({"questions": [
        {"question": f"Question {i}?", "choices": ["a", "b", "c", "d"], "answer": [i % 4], "seconds": seconds}
        for i in range(n)]})


def refused(code, call, *args, **kwargs):
    with pytest.raises(QuizError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.to_dict()
    assert caught.value.message
    return caught.value


@pytest.fixture
def clock():
    return FakeClock()


def test_a_whole_game_lobby_to_podium(clock):
    game = Game(make_bank(3), pin="123456", clock=clock)
    assert game.status()["state"] == LOBBY
    ana, ben, cai = (game.join(n) for n in ("Ana", "Ben", "Cai"))
    assert game.status()["nicknames"] == ["Ana", "Ben", "Cai"]

    assert game.advance() == QUESTION                     # question 1, answer 0
    status = game.status()
    assert status["question"] == {"question": "Question 0?", "choices": ["a", "b", "c", "d"], "seconds": 20,
                                  "melody": None, "picture": None}
    assert '"answer"' not in json.dumps(status) and status["seconds_left"] == 20
    clock.tick(0.3); game.answer(ana.token, 0)            # within the grace: 1000
    clock.tick(9.7); game.answer(ben.token, 0)            # t = 10 of 20: 750
    assert game.status()["answers"] == 2 and game.state == QUESTION
    clock.tick(5); game.answer(cai.token, 3)              # wrong; everyone answered: closes now
    assert game.state == REVEAL and game.closed_by == "all_answered" and game.closed_at == clock.now
    reveal = game.reveal()
    assert reveal["counts"] == [2, 0, 0, 1] and reveal["correct"] == [0] and reveal["answered"] == 3
    assert [(r["nickname"], r["points"]) for r in reveal["top"]] == [("Ana", 1000), ("Ben", 750), ("Cai", 0)]

    assert game.advance() == QUESTION                     # question 2, answer 1
    clock.tick(2); game.answer(ana.token, 1)              # 950 + streak bonus 100
    clock.tick(18.5)                                      # Ben and Cai never answer; time runs out
    assert game.status()["state"] == REVEAL and game.closed_by == "time"
    assert game.closed_at == game.opened_at + 20          # stamped at the limit, not when noticed
    view = game.player_view(ana.token)
    assert view["result"] == {"choice": 1, "correct": True, "points": 950, "bonus": 100, "streak": 2,
                              "gained": 1050}
    assert view["points"] == 2050 and view["rank"] == 1
    assert game.player_view(ben.token)["result"]["choice"] is None
    assert game.player_view(ben.token)["streak"] == 0

    game.advance()                                        # question 3, answer 2: the host closes it early
    clock.tick(4); game.answer(cai.token, 2)
    assert game.advance() == REVEAL and game.closed_by == "host"
    assert game.advance() == FINISHED
    podium = game.podium()
    assert [(p["rank"], p["nickname"], p["points"]) for p in podium] == [(1, "Ana", 2050), (2, "Cai", 900),
                                                                          (3, "Ben", 750)]
    assert game.winner()["nickname"] == "Ana" and game.status()["podium"] == podium
    refused("game_finished", game.advance)
    refused("not_open", game.answer, ana.token, 0)
    refused("game_finished", game.join, "Dee")


def test_players_on_zero_points_never_stand_on_the_podium(clock):
    game = Game(make_bank(1, seconds=10), clock=clock)
    ana, ben, cai = game.join("Ana"), game.join("Ben"), game.join("Cai")
    game.advance()
    clock.tick(2); game.answer(ana.token, 0)              # question 0's answer is choice 0
    game.answer(ben.token, 1)
    assert game.advance() == REVEAL and game.advance() == FINISHED
    assert [r["nickname"] for r in game.scoreboard()] == ["Ana", "Ben", "Cai"]  # everyone is still ranked
    assert [p["nickname"] for p in game.podium()] == ["Ana"]

    nobody = Game(make_bank(1, seconds=10), clock=clock)
    dee = nobody.join("Dee")
    nobody.advance(); nobody.answer(dee.token, 3)          # the only player answered: the question closes
    assert nobody.advance() == FINISHED
    assert nobody.state == FINISHED and nobody.podium() == []


def test_late_double_and_closed_answers_are_refused(clock):
    game = Game(make_bank(2, seconds=10), clock=clock)
    ana, ben = game.join("Ana"), game.join("Ben")
    refused("not_open", game.answer, ana.token, 0)        # lobby
    game.advance()
    game.answer(ana.token, 0)
    err = refused("already_answered", game.answer, ana.token, 1)
    assert "question 1" in err.message
    clock.tick(10)
    game.answer(ben.token, 1)                             # exactly at the limit: accepted
    assert game.state == REVEAL                           # everyone answered
    assert game.players[ben.token].answers[0].seconds == 10
    game.advance()                                        # question 2
    clock.tick(10.001)
    err = refused("late", game.answer, ana.token, 1)      # past the limit: the engine closed it first
    assert "time ran out" in err.message
    assert game.state == REVEAL and game.reveal()["answered"] == 0   # no answers at all: a normal reveal
    assert game.reveal()["counts"] == [0, 0, 0, 0]


def test_next_after_the_time_ran_out_still_shows_the_reveal(clock):
    game = Game(make_bank(2, seconds=10), clock=clock)
    game.join("Ana")
    game.advance()
    clock.tick(12)                                        # nobody polled while the time ran out
    assert game.advance() == REVEAL and game.closed_by == "time" and game.index == 0
    assert game.advance() == QUESTION and game.index == 1


def test_every_refusal_has_its_code(clock):
    game = Game(make_bank(2), clock=clock)
    refused("no_players", game.advance)
    refused("nickname_empty", game.join, "   ")
    refused("nickname_too_long", game.join, "x" * (MAX_NICKNAME + 1))
    refused("nickname_invalid", game.join, "bell\x07")
    refused("nickname_invalid", game.join, None)
    ana = game.join("  Ana   Maria ")
    assert ana.nickname == "Ana Maria"
    refused("nickname_taken", game.join, "ana maria")
    refused("nickname_taken", game.join, "ANA  MARIA")
    html = game.join("<b>Bold</b>")
    assert html.nickname == "<b>Bold</b>"                 # kept as text; the pages escape it
    refused("unknown_player", game.answer, "no-such-token", 0)
    refused("unknown_player", game.rejoin, "no-such-token")
    game.advance()
    refused("choice_out_of_range", game.answer, ana.token, 4)
    refused("choice_out_of_range", game.answer, ana.token, -1)
    refused("choice_invalid", game.answer, ana.token, "2")
    refused("choice_invalid", game.answer, ana.token, True)
    refused("wrong_question", game.answer, ana.token, 0, question=2)
    game.answer(ana.token, 0, question=1)
    refused("not_open", game.reveal)
    game.advance()                                        # host closes: Bold never answered
    err = refused("late", game.answer, html.token, 0)
    assert "host closed it" in err.message
    assert set(ERROR_CODES) >= {"late", "already_answered", "not_open", "choice_out_of_range"}


def test_nicknames_are_limited_and_trimmed():
    assert clean_nickname("x" * MAX_NICKNAME) == "x" * MAX_NICKNAME
    assert clean_nickname("\tZoë\n") == "Zoë"
    assert clean_nickname("Zoe\u0308") == "Zoë"           # combining diaeresis normalized to one character


def test_rejoin_keeps_score_and_a_late_joiner_plays_on(clock):
    game = Game(make_bank(3), clock=clock)
    ana = game.join("Ana")
    game.advance(); clock.tick(1); game.answer(ana.token, 0)
    again = game.rejoin(ana.token)                        # the page was refreshed
    assert again is ana and again.points == game.player_view(ana.token)["points"] > 0
    game.advance()
    late = game.join("Late")                              # joins during question 2
    clock.tick(1); game.answer(late.token, 1)
    assert game.state == QUESTION                         # Ana has not answered yet
    game.answer(ana.token, 1)
    assert game.state == REVEAL
    assert [r["nickname"] for r in game.scoreboard()] == ["Ana", "Late"]
    assert 0 not in game.players[late.token].results      # not in the game when question 1 closed


def test_snapshot_round_trip_mid_question(clock):
    game = Game(make_bank(3), pin="424242", clock=clock)
    ana, ben = game.join("Ana"), game.join("Ben")
    game.advance(); clock.tick(3); game.answer(ana.token, 0); clock.tick(3); game.answer(ben.token, 2)
    game.advance(); clock.tick(2); game.answer(ben.token, 1)
    data = json.loads(json.dumps(game.to_dict()))        # through JSON, as the server stores it
    copy = Game.from_dict(data, clock=clock)
    assert copy.status() == game.status() and copy.scoreboard() == game.scoreboard()
    clock.tick(1)
    for g in (game, copy):                                # both go on identically
        g.answer(ana.token, 1)
    assert copy.reveal() == game.reveal() and copy.to_dict() == game.to_dict()
    refused("already_answered", copy.answer, ben.token, 1)
    with pytest.raises(ValueError, match="unknown game state"):
        Game.from_dict({**data, "state": "paused"}, clock=clock)


def test_two_hundred_players_ten_questions_nothing_lost(clock):
    """200 players answer 10 questions from 8 threads: every accepted answer is scored exactly once."""
    n_players, n_questions = 200, 10
    game = Game(make_bank(n_questions, seconds=30), clock=clock)
    players = [game.join(f"player{i:03d}") for i in range(n_players)]
    rng = random.Random(7)
    plan = {}                                             # (question, player) -> (delay, choice) or None
    for q in range(n_questions):
        for p in range(n_players):
            plan[q, p] = None if rng.random() < 0.1 else (rng.randint(0, 29), rng.randint(0, 3))
    lock = threading.Lock()
    for q in range(n_questions):
        game.advance()
        opened = clock.now
        answers = sorted((delay, p, choice) for (qq, p), step in plan.items() if qq == q and step
                         for delay, choice in [step])
        errors = []

        def play(chunk):
            for delay, p, choice in chunk:
                with lock:                               # the fake clock moves only forward, in order
                    clock.now = max(clock.now, opened + delay)
                try:
                    game.answer(players[p].token, choice, question=q + 1)
                except QuizError as err:
                    errors.append(err)

        chunks = [answers[i::8] for i in range(8)]
        threads = [threading.Thread(target=play, args=(c,)) for c in chunks]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert errors == []
        if game.state == QUESTION:                        # some players skipped: wait out the time
            clock.now = opened + 30.5
        assert game.status()["state"] == REVEAL
        reveal = game.reveal()
        assert reveal["answered"] == len(answers) and sum(reveal["counts"]) == len(answers)
    assert game.advance() == FINISHED

    accepted = sum(len(p.answers) for p in players)
    assert accepted == sum(1 for step in plan.values() if step)
    for player in players:
        assert len(player.results) == n_questions        # scored once per question, answered or not
        assert player.points == sum(r.total for r in player.results.values())
        for q, answer in player.answers.items():
            result = player.results[q]
            assert result.correct == (answer.choice == q % 4)
            if result.correct:
                assert 500 <= result.points <= 1000
    board = game.scoreboard()
    assert len(board) == n_players and [r["rank"] for r in board] == list(range(1, n_players + 1))
    assert all(a["points"] >= b["points"] for a, b in zip(board, board[1:]))


def test_games_are_found_by_pin(clock):
    games = Games(clock=clock)
    first, second = games.create(make_bank(2)), games.create(make_bank(3))
    assert first.pin != second.pin and len(first.pin) == 6 and first.pin.isdigit()
    assert games.get(first.pin) is first and games.get(f" {second.pin} ") is second
    assert games.get(int(first.pin)) is first             # a PIN typed as a number
    for bad in ["12345", "abcdef", "", None, "1234567"]:
        assert "not a game PIN" in refused("unknown_pin", games.get, bad).message
    missing = next(p for p in (f"{n:06d}" for n in range(100_000, 100_010)) if p not in games)
    assert "no game has the PIN" in refused("unknown_pin", games.get, missing).message
    player = first.join("Ana")
    games.remove(first.pin)
    refused("unknown_pin", games.get, first.pin)
    back = games.restore(json.loads(json.dumps(first.to_dict())))
    assert games.get(first.pin) is back and back.rejoin(player.token).nickname == "Ana"

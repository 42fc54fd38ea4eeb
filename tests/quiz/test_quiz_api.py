"""The live quiz's JSON API on the event server: a whole game, server timing, saving, restarts, refusals."""
import json

import httpx2
from eventkit import bearer
from quizkit import QuizClient, inline_bank, live_quiz, quiz  # noqa: F401  (fixtures)
from sqlalchemy import func, select

from composerlab.quiz.tables import QuizAnswer, QuizGame, QuizPlayer, QuizResult


class FakeClock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_a_game_through_the_api_to_the_podium_and_the_awards_page(quiz):
    pin = quiz.new_game(3)
    assert len(pin) == 6
    ana, ben, cai = (quiz.join(pin, n) for n in ("Ana", "Ben", "Cai"))
    lobby = quiz.client.get(f"/api/quiz/games/{pin}").json()
    assert lobby["state"] == "lobby" and lobby["nicknames"] == ["Ana", "Ben", "Cai"]

    opened = quiz.next(pin)
    assert opened["state"] == "question" and opened["question_number"] == 1
    assert "answer" not in opened["question"] and 19 < opened["seconds_left"] <= 20
    assert quiz.answer(pin, ana, 0).status_code == 201
    assert quiz.answer(pin, ben, 1).status_code == 201
    assert quiz.client.get(f"/api/quiz/games/{pin}").json()["answers"] == 2
    assert quiz.answer(pin, cai, 0).status_code == 201              # the last answer closes it early
    reveal = quiz.client.get(f"/api/quiz/games/{pin}", headers=ana).json()
    assert reveal["state"] == "reveal" and reveal["reveal"]["closed_by"] == "all_answered"
    assert reveal["reveal"]["counts"] == [2, 1, 0, 0] and reveal["reveal"]["correct"] == [0]
    assert reveal["me"]["result"]["correct"] and reveal["me"]["result"]["gained"] == 1000

    quiz.next(pin)                                                  # question 2: nobody answers, the host closes
    closed = quiz.next(pin)
    assert closed["state"] == "reveal" and closed["reveal"]["counts"] == [0, 0, 0, 0]
    assert closed["reveal"]["answered"] == 0                        # no answers at all is a normal result
    quiz.next(pin)                                                  # question 3, answer 2
    assert quiz.answer(pin, cai, 2).status_code == 201
    quiz.next(pin)
    end = quiz.next(pin)
    assert end["state"] == "finished"
    assert [r["nickname"] for r in end["podium"]] == ["Cai", "Ana"]   # Ben, on 0 points, is not on it
    board = quiz.client.get(f"/api/quiz/games/{pin}/scoreboard").json()
    assert [(r["rank"], r["nickname"]) for r in board] == [(1, "Cai"), (2, "Ana"), (3, "Ben")]
    assert set(board[0]) == {"rank", "nickname", "points", "streak"}

    awards = quiz.client.get("/awards").text
    assert 'id="quiz-winners"' in awards and "Cai" in awards
    assert "Quiz champion" in quiz.client.get("/leaderboard").text


def test_everything_is_in_the_database_and_a_restart_keeps_players_and_scores(tmp_path):
    kit = QuizClient(tmp_path)
    pin = kit.new_game(2)
    ana, ben = kit.join(pin, "Ana"), kit.join(pin, "Ben")
    kit.next(pin)
    kit.answer(pin, ana, 0)
    kit.answer(pin, ben, 3)
    before = kit.client.get(f"/api/quiz/games/{pin}/scoreboard").json()
    with kit.store.read() as s:
        assert s.scalar(select(func.count()).select_from(QuizPlayer)) == 2
        assert s.scalar(select(func.count()).select_from(QuizAnswer)) == 2
        assert s.scalar(select(func.count()).select_from(QuizResult)) == 2
        assert s.scalar(select(QuizGame.state)) == "reveal"
    kit.close()

    again = QuizClient(tmp_path, make=False)                        # a new server process on the same folder
    try:
        assert again.client.get(f"/api/quiz/games/{pin}/scoreboard").json() == before
        me = again.client.get(f"/api/quiz/games/{pin}", headers=ana).json()["me"]   # the page reload rejoins
        assert me["nickname"] == "Ana" and me["points"] == 1000
        assert again.next(pin)["question_number"] == 2
        assert again.answer(pin, ben, 1).status_code == 201           # question 2's answer is 1
        assert again.client.post(f"/api/quiz/games/{pin}/players", json={"nickname": "ana"}).status_code == 409
    finally:
        again.close()


def test_the_server_times_the_answers(quiz):
    pin = quiz.new_game(2, seconds=10)
    ana, ben = quiz.join(pin, "Ana"), quiz.join(pin, "Ben")
    game = quiz.quiz.games.get(pin)
    clock = FakeClock(game.clock())
    game.clock = clock
    quiz.next(pin)
    clock.now += 5
    assert quiz.answer(pin, ana, 0).json()["seconds"] == 5.0        # counted from the server's opening stamp
    clock.now += 5.5
    late = quiz.answer(pin, ben, 0)
    assert late.status_code == 409 and late.json()["code"] == "late" and "time ran out" in late.json()["error"]
    state = quiz.client.get(f"/api/quiz/games/{pin}", headers=ana).json()
    assert state["state"] == "reveal" and state["reveal"]["closed_by"] == "time"
    assert state["me"]["result"]["points"] == 750
    with quiz.store.read() as s:                                    # the close by time was saved too
        assert s.scalar(select(QuizGame.closed_by)) == "time"
        assert s.scalar(select(func.count()).select_from(QuizResult)) == 2


def test_refusals_are_clear_errors(quiz):
    pin = quiz.new_game(1)
    c = quiz.client

    def refused(response, status, code=None, words=""):
        body = response.json()
        assert response.status_code == status, body
        assert set(body) >= {"error"} and words in body["error"], body
        if code:
            assert body["code"] == code, body
        return body

    refused(c.post("/api/quiz/games/000000/players", json={"nickname": "x"}), 404, "unknown_pin", "000000")
    refused(c.get("/api/quiz/games/12ab"), 404, "unknown_pin", "6 digits")
    refused(c.post(f"/api/quiz/games/{pin}/players", json={"nickname": "   "}), 422, "nickname_empty")
    refused(c.post(f"/api/quiz/games/{pin}/players", json={"nickname": "x" * 21}), 422, "nickname_too_long")
    refused(c.post(f"/api/quiz/games/{pin}/players", json={"nickname": 5}), 422, "nickname_invalid")
    refused(c.post(f"/api/quiz/games/{pin}/players", json={}), 422, None, "nickname")
    ana = quiz.join(pin, "Ana")
    refused(c.post(f"/api/quiz/games/{pin}/players", json={"nickname": " ANA "}), 409, "nickname_taken", "taken")
    refused(quiz.answer(pin, ana, 0), 409, "not_open", "not started")
    refused(c.post(f"/api/quiz/games/{pin}/next"), 401, None, "token")
    refused(c.post(f"/api/quiz/games/{pin}/next", headers=ana), 403, None, "facilitator")
    refused(c.post("/api/quiz/games", json={"bank": "event"}, headers=ana), 403)
    quiz.next(pin)
    refused(quiz.answer(pin, ana, 4), 422, "choice_out_of_range", "0-3")
    refused(quiz.answer(pin, ana, "two"), 422, "choice_invalid")
    refused(quiz.answer(pin, bearer("not-a-player"), 0), 403, "unknown_player")
    refused(quiz.answer(pin, ana, 0, question=2), 409, "wrong_question")
    assert quiz.answer(pin, ana, 0).status_code == 201              # the only player: the question closes
    refused(quiz.answer(pin, ana, 1), 409, "already_answered")


def test_a_malformed_or_unknown_bank_is_refused_with_every_problem(quiz):
    bad = inline_bank(2)
    bad[0]["choices"] = ["only", "three", "choices"]
    bad[1]["answer"] = [7]
    r = quiz.client.post("/api/quiz/games", json={"questions": bad}, headers=quiz.admin)
    assert r.status_code == 422 and r.json()["code"] == "bank_invalid"
    problems = r.json()["problems"]
    assert any("question 1" in p and "3 choices" in p for p in problems)
    assert any("question 2" in p and "answer 7" in p for p in problems)
    r = quiz.client.post("/api/quiz/games", json={"bank": "../../etc/passwd"}, headers=quiz.admin)
    assert r.status_code == 404 and "not a quiz bank" in r.json()["error"] and "event" in r.json()["error"]
    r = quiz.client.post("/api/quiz/games", json={"bank": "event", "questions": inline_bank(1)}, headers=quiz.admin)
    assert r.status_code == 422 and "either" in r.json()["error"]
    assert quiz.client.post("/api/quiz/games", json={"bank": "event", "count": 5},
                            headers=quiz.admin).json()["questions"] == 5


def test_html_in_a_nickname_is_text_on_every_page(quiz):
    pin = quiz.new_game(1)
    nasty = "<script>alert(1)</script>"[:20]
    player = quiz.join(pin, nasty)
    quiz.next(pin)
    quiz.answer(pin, player, 0)
    quiz.next(pin)
    for page in ("/awards", "/leaderboard", f"/quiz/{pin}", f"/quiz/host/{quiz.token}", f"/quiz/host/{quiz.token}/{pin}"):
        html = quiz.client.get(page).text
        assert "<script>alert" not in html, page
    assert "&lt;script&gt;alert(1)&lt;/sc" in quiz.client.get("/awards").text
    assert quiz.client.get(f"/api/quiz/games/{pin}/scoreboard").json()[0]["nickname"] == nasty


def test_pages_and_the_openapi_page_list_the_quiz(quiz):
    pin = quiz.new_game(1)
    assert quiz.client.get("/quiz").status_code == 200
    assert quiz.client.get(f"/quiz/{pin}").status_code == 200
    missing = quiz.client.get("/quiz/654321")
    assert missing.status_code == 404 and "654321" in missing.text
    assert quiz.client.get(f"/quiz/host/{quiz.token}/{pin}").status_code == 200
    assert quiz.client.get("/quiz/host/wrong").status_code == 403
    made = quiz.client.post(f"/quiz/host/{quiz.token}/games", data={"bank": "lab01", "count": "3"},
                            follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith(f"/quiz/host/{quiz.token}/")
    assert quiz.client.get(f"/api/quiz/games/{pin}/qr.svg").text.startswith("<?xml")
    for name in ("quiz.css", "play.js", "host.js"):
        assert quiz.client.get(f"/quiz/static/{name}").status_code == 200
    assert quiz.client.get("/quiz/static/..%2Fweb.py").status_code == 404
    paths = quiz.client.get("/openapi.json").json()["paths"]
    for path in ("/api/quiz/games", "/api/quiz/games/{pin}/players", "/api/quiz/games/{pin}/next",
                 "/api/quiz/games/{pin}", "/api/quiz/games/{pin}/answers", "/api/quiz/games/{pin}/scoreboard",
                 "/api/quiz/games/{pin}/stream"):
        assert path in paths, path
    assert "/api/quiz/games/{pin}/answers" in quiz.client.get("/docs").text


def test_the_event_stream_pushes_each_change(live_quiz):
    pin = live_quiz.new_game(2)
    ana = live_quiz.join(pin, "Ana")
    token = ana["Authorization"].split()[1]
    seen = []
    with httpx2.Client(base_url=live_quiz.url, timeout=10) as http:
        with http.stream("GET", f"/api/quiz/games/{pin}/stream", params={"token": token}) as stream:
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    seen.append((kind, data["state"]))
                    if len(seen) == 2:                               # the lobby's status and "me"
                        http.post(f"/api/quiz/games/{pin}/next", headers=live_quiz.admin)
                    elif kind == "status" and data["state"] == "question":
                        assert "nicknames" not in data               # players' messages are slim
                        http.post(f"/api/quiz/games/{pin}/answers", json={"choice": 0}, headers=ana)
                    elif kind == "me" and data["state"] == "reveal":
                        assert data["result"]["correct"] and data["points"] == 1000
                        break
    assert seen == [("status", "lobby"), ("me", "lobby"), ("status", "question"), ("status", "reveal"),
                    ("me", "reveal")]


def test_an_answer_the_database_refuses_did_not_happen(quiz, monkeypatch):
    pin = quiz.new_game(2)
    ana, ben = quiz.join(pin, "Ana"), quiz.join(pin, "Ben")
    quiz.next(pin)
    real = quiz.quiz.store.commit

    def broken(changes):
        raise OSError("disk full")

    monkeypatch.setattr(quiz.quiz.store, "commit", broken)
    r = quiz.answer(pin, ana, 0)
    assert r.status_code == 503 and r.json()["code"] == "not_saved" and "try again" in r.json()["error"]
    monkeypatch.setattr(quiz.quiz.store, "commit", real)
    status = quiz.client.get(f"/api/quiz/games/{pin}", headers=ana).json()
    assert status["answers"] == 0 and not status["me"]["answered"]      # read back from the database
    assert quiz.answer(pin, ana, 0).status_code == 201                  # so it can be sent again
    with quiz.store.read() as s:
        assert s.scalar(select(func.count()).select_from(QuizAnswer)) == 1


def test_a_questions_melody_and_picture_are_served_while_it_is_on(quiz):
    from composerlab.quiz.bank import read_bank

    bank = read_bank("event")
    with_media = [q for q in bank.questions if q.melody][:1] + [q for q in bank.questions if q.picture][:1]
    assert len(with_media) == 2
    game = quiz.quiz.create(type(bank)(bank.title, tuple(with_media), bank.source))
    player = quiz.join(game.pin, "Ana")
    assert quiz.client.get(f"/api/quiz/games/{game.pin}/melody.mp3").status_code == 404   # the lobby
    quiz.next(game.pin)
    audio = quiz.client.get(f"/api/quiz/games/{game.pin}/melody.mp3")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 1000
    assert quiz.answer(game.pin, player, 0).status_code == 201
    quiz.next(game.pin)
    image = quiz.client.get(f"/api/quiz/games/{game.pin}/picture")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"

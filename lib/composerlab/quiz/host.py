"""Driving a live quiz through the server's JSON API: the host's calls, and simulated players to rehearse.

Used by the quiz notebook (``facilitator/quiz.ipynb``, through
:mod:`composerlab.quiz.hostview`) and by scripts. It talks HTTP with the
standard library only (``urllib``), so it works against any server running the
event with the quiz: the one the notebook starts, or ``composerlab serve`` on
another machine. A refusal raises :class:`QuizAPIError` with the server's reason.
"""
from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from html import escape


class QuizAPIError(RuntimeError):
    """The server refused a call: ``status``, ``reason`` (its ``error``) and ``code``."""

    def __init__(self, status: int, reason: str, code: str | None = None):
        self.status, self.reason, self.code = status, reason, code
        super().__init__(f"{status}: {reason}")


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None, timeout: float = 30):
    """One JSON API call; the decoded answer (text for non-JSON answers such as the QR code's SVG)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read().decode()
            kind = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        try:
            found = json.loads(err.read().decode())
        except ValueError:
            found = {"error": err.reason}
        raise QuizAPIError(err.code, found.get("error", str(err.reason)), found.get("code")) from None
    return json.loads(raw) if "json" in kind else raw


class QuizHost:
    """The host's side of one game on a server at ``url`` (the facilitator's ``admin_token``)."""

    def __init__(self, url: str, admin_token: str, pin: str | None = None):
        self.url, self.token, self.pin = url.rstrip("/"), admin_token, pin

    def _game(self, tail: str = "") -> str:
        if not self.pin:
            raise RuntimeError("no game yet: call new_game() or give a pin")
        return f"{self.url}/api/quiz/games/{self.pin}{tail}"

    def new_game(self, bank: str | None = "event", count: int | None = None, questions: list | None = None,
                 title: str | None = None, seed: int = 0) -> dict:
        """Make a game (a bank's name, or inline ``questions``); remembers its PIN."""
        body = {"questions": questions, "title": title} if questions is not None else {"bank": bank}
        body.update({"count": count, "seed": seed})
        made = call(f"{self.url}/api/quiz/games", "POST", body, self.token)
        self.pin = made["pin"]
        return made

    def status(self) -> dict:
        return call(self._game())

    def next(self) -> dict:
        """Open the next question, close the open one, or end the game (the host's one button)."""
        return call(self._game("/next"), "POST", {}, self.token)

    def scoreboard(self) -> list[dict]:
        return call(self._game("/scoreboard"))

    def qr_svg(self) -> str:
        return call(self._game("/qr.svg"))

    def join_url(self) -> str:
        return f"{self.url}/quiz/{self.pin}"

    def host_page(self) -> str:
        return f"{self.url}/quiz/host/{self.token}/{self.pin}"


class SimulatedPlayers:
    """``n`` made-up players who join a game and answer every question at random (to rehearse, and in tests).

    :meth:`start` runs them on a thread that watches the game and answers each
    open question once, after a random think time of at most ``think`` seconds,
    with a random button (the players guess); :meth:`answer_open_question` does
    one round of it at once.
    """

    def __init__(self, url: str, pin: str, n: int, think: float = 0.5, seed: int = 0,
                 names: tuple[str, ...] = ("Ada", "Bach", "Clara", "Dvorak", "Elgar", "Fanny", "Grieg", "Holst")):
        self.url, self.pin, self.think = url.rstrip("/"), pin, think
        self.rng = random.Random(seed)
        self.tokens: dict[str, str] = {}
        for i in range(n):
            name = names[i % len(names)] + (f" {i // len(names) + 1}" if i >= len(names) else "")
            made = call(f"{self.url}/api/quiz/games/{pin}/players", "POST", {"nickname": name})
            self.tokens[made["nickname"]] = made["player_token"]
        self.answered: set[tuple[str, int]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def answer_open_question(self) -> int:
        """Everyone who has not answered the open question answers it now; how many answered."""
        status = call(f"{self.url}/api/quiz/games/{self.pin}")
        if status["state"] != "question":
            return 0
        number, sent = status["question_number"], 0
        for name, token in self.tokens.items():
            if (name, number) in self.answered:
                continue
            self.answered.add((name, number))
            try:
                call(f"{self.url}/api/quiz/games/{self.pin}/answers", "POST",
                     {"choice": self.rng.randrange(len(status["question"]["choices"])), "question": number}, token)
                sent += 1
            except QuizAPIError as err:
                if err.code not in ("late", "not_open", "wrong_question", "already_answered"):
                    raise
        return sent

    def start(self) -> "SimulatedPlayers":
        def run():
            while not self._stop.is_set():
                try:
                    if call(f"{self.url}/api/quiz/games/{self.pin}")["state"] == "question":
                        time.sleep(self.rng.uniform(0, self.think))
                        self.answer_open_question()
                except (QuizAPIError, OSError):
                    pass
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=run, name="simulated-players", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def ranking_html(rows: list[dict], title: str = "Top five") -> str:
    """Rows of the scoreboard as an HTML list (nicknames escaped)."""
    items = "".join(f"<li><b>{escape(r['nickname'])}</b> {r['points']} points</li>" for r in rows)
    return f"<h3>{escape(title)}</h3><ol style='font-size:1.3em'>{items or '<li>nobody</li>'}</ol>"

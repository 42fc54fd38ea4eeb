"""The live quiz game: an in-memory state machine with an injectable clock.

States: ``lobby`` -> ``question`` -> ``reveal`` -> ``question`` -> ... -> ``finished``,
moved by the host's :meth:`Game.advance`. The engine is the clock's only reader: a
question closes at its time limit (checked on every call: no timer thread) or once
every player has answered, and its answers are scored then, so nothing about
correctness leaks while it is open. Every refusal is a :class:`QuizError` with a
machine ``code`` and a sentence a person can act on; :meth:`Game.to_dict` and
:meth:`Game.from_dict` are how the server persists a game.

The JSON API (:mod:`composerlab.quiz.api`) maps onto it one call each.
"""
from __future__ import annotations

import secrets
import threading
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Callable

from composerlab.quiz.questions import Bank, question_from_dict
from composerlab.quiz.scoring import Result, ranked, score_answer

LOBBY, QUESTION, REVEAL, FINISHED = "lobby", "question", "reveal", "finished"
STATES = (LOBBY, QUESTION, REVEAL, FINISHED)
MAX_NICKNAME = 20
MAX_PLAYERS = 1000
TOP = 5
"""Players shown after each question."""
PODIUM = 3

ERROR_CODES = {
    "nickname_invalid": "the nickname is not text or holds control characters",
    "nickname_empty": "the nickname is empty",
    "nickname_too_long": f"the nickname is longer than {MAX_NICKNAME} characters",
    "nickname_taken": "another player has that nickname",
    "game_full": f"the game has {MAX_PLAYERS} players already",
    "game_finished": "the game is over",
    "unknown_pin": "no game has that PIN",
    "unknown_player": "no player in this game has that token",
    "no_players": "nobody has joined yet",
    "not_open": "no question is open",
    "wrong_question": "the answer is for another question than the open one",
    "late": "the question closed before the answer arrived",
    "already_answered": "the player has answered this question already",
    "choice_invalid": "the choice is not a whole number",
    "choice_out_of_range": "the choice is not one of the question's choices",
}
"""Every :class:`QuizError` code and what it means (the JSON API's error vocabulary)."""


class QuizError(ValueError):
    """A refused action: ``code`` (one of :data:`ERROR_CODES`) for programs, ``message`` for people."""

    def __init__(self, code: str, message: str):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown quiz error code {code!r}")
        self.code, self.message = code, message
        super().__init__(message)

    def to_dict(self) -> dict:
        return {"error": self.message, "code": self.code}


@dataclass
class Answer:
    """One accepted answer: the choice, the clock stamp, and the response time from the opening."""

    choice: int
    at: float
    seconds: float


@dataclass
class Player:
    token: str
    nickname: str
    join_order: int
    joined_at: float
    points: int = 0
    streak: int = 0
    correct_seconds: float = 0.0
    answers: dict[int, Answer] = field(default_factory=dict)
    """Question index -> accepted answer."""
    results: dict[int, Result] = field(default_factory=dict)
    """Question index -> scored outcome, for every question that closed while the player was in the game."""


def clean_nickname(raw) -> str:
    """The nickname as stored: NFC-normalized, trimmed, inner runs of spaces made one; or a :class:`QuizError`."""
    if not isinstance(raw, str):
        raise QuizError("nickname_invalid", "a nickname is text")
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise QuizError("nickname_empty", "type a nickname (1 to 20 characters)")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise QuizError("nickname_invalid", "a nickname cannot hold control characters")
    if len(name) > MAX_NICKNAME:
        raise QuizError("nickname_too_long", f"'{name[:MAX_NICKNAME]}...' is {len(name)} characters; "
                                             f"at most {MAX_NICKNAME}")
    return name


def new_pin(taken=()) -> str:
    """A random 6-digit game PIN not in ``taken``."""
    while (pin := f"{secrets.randbelow(900_000) + 100_000}") in taken:
        pass
    return pin


class Game:
    """One live quiz game.

    Parameters
    ----------
    bank : Bank
        The checked questions (:mod:`composerlab.quiz.bank`).
    pin : str, optional
        The game PIN players type; a random 6-digit one by default.
    clock : callable, optional
        Seconds as a float; ``time.time`` by default. Tests pass a fake clock
        to make every response time exact.

    Examples
    --------
    >>> game = Game(read_bank("event"))                     # doctest: +SKIP
    >>> ana = game.join("Ana"); game.advance()              # doctest: +SKIP
    >>> game.answer(ana.token, 2)                           # doctest: +SKIP
    """

    def __init__(self, bank: Bank, pin: str | None = None, clock: Callable[[], float] = time.time):
        self.bank, self.clock = bank, clock
        self.pin = pin or new_pin()
        self.created_at = clock()
        self.state = LOBBY
        self.index = -1
        self.opened_at = self.closes_at = self.closed_at = None
        self.closed_by: str | None = None
        self.players: dict[str, Player] = {}
        self.version = 0
        """Grows with every change: a server streaming events sends a new status when it moves."""
        self.lock = self._lock = threading.RLock()
        """Held by every method; a server holds it across an action and its save, to save in order."""

    # --- players -------------------------------------------------------------------
    def join(self, nickname) -> Player:
        """Add a player; the nickname must be unique in the game, ignoring case."""
        name = clean_nickname(nickname)
        with self._lock:
            self._update()
            if self.state == FINISHED:
                raise QuizError("game_finished", "the game is over; ask the host for the next PIN")
            key = name.casefold()
            if any(p.nickname.casefold() == key for p in self.players.values()):
                raise QuizError("nickname_taken", f"'{name}' is taken in this game; choose another nickname")
            if len(self.players) >= MAX_PLAYERS:
                raise QuizError("game_full", f"the game has {MAX_PLAYERS} players already")
            token = secrets.token_urlsafe(16)
            player = Player(token, name, len(self.players), self.clock())
            self.players[token] = player
            self.version += 1
            return player

    def rejoin(self, token: str) -> Player:
        """The player holding ``token`` (after a page refresh), score and streak kept."""
        with self._lock:
            self._update()
            return self._player(token)

    def _player(self, token) -> Player:
        player = self.players.get(token) if isinstance(token, str) else None
        if player is None:
            raise QuizError("unknown_player", "this game has no player with that token; join again with a nickname")
        return player

    # --- the host ------------------------------------------------------------------
    def advance(self) -> str:
        """The host's "next": open the first or next question, close the open one early, or end the game.

        Returns the new state.
        """
        with self._lock:
            was = self.state
            self._update()
            if was == QUESTION and self.state == REVEAL:
                return self.state  # the time ran out first: "next" closes it, and the reveal still shows
            if self.state == LOBBY:
                if not self.players:
                    raise QuizError("no_players", "nobody has joined yet; share the PIN first")
                self._open(0)
            elif self.state == QUESTION:
                self._close(self.clock(), "host")
            elif self.state == REVEAL:
                if self.index + 1 < len(self.bank.questions):
                    self._open(self.index + 1)
                else:
                    self.state = FINISHED
            else:
                raise QuizError("game_finished", "the game is over")
            self.version += 1
            return self.state

    def deadline(self) -> float | None:
        """When the open question closes by time (a clock value), or None when none is open."""
        with self._lock:
            self._update()
            return self.closes_at if self.state == QUESTION else None

    def _open(self, index: int) -> None:
        self.index, self.state = index, QUESTION
        self.opened_at = self.clock()
        self.closes_at = self.opened_at + self.bank.questions[index].seconds
        self.closed_at = self.closed_by = None

    def _update(self) -> None:
        """Close the open question if its time has run out (stamped at its limit, not when noticed)."""
        if self.state == QUESTION and self.clock() > self.closes_at:
            self._close(self.closes_at, "time")
            self.version += 1

    def _close(self, at: float, by: str) -> None:
        """Close the open question and score it: the one place where points are given."""
        question = self.bank.questions[self.index]
        for player in sorted(self.players.values(), key=lambda p: p.join_order):
            answer = player.answers.get(self.index)
            correct = answer is not None and question.is_correct(answer.choice)
            result = score_answer(correct, answer.seconds if answer else None, question.seconds, player.streak)
            player.results[self.index] = result
            player.points += result.total
            player.streak = result.streak
            if result.correct:
                player.correct_seconds += answer.seconds
        self.state, self.closed_at, self.closed_by = REVEAL, at, by

    # --- answers -------------------------------------------------------------------
    def answer(self, token: str, choice, question: int | None = None) -> Answer:
        """Accept one player's answer to the open question, or refuse it with a :class:`QuizError`.

        ``question`` (1-based number, optional) guards against a stale page
        answering the next question by mistake.
        """
        with self._lock:
            player = self._player(token)
            self._update()
            number = self.index + 1
            if self.state in (LOBBY, FINISHED):
                when = "the game has not started" if self.state == LOBBY else "the game is over"
                raise QuizError("not_open", f"no question is open: {when}")
            if question is not None and question != number:
                raise QuizError("wrong_question", f"question {question} is not open; question {number} is")
            if self.index in player.answers:
                raise QuizError("already_answered", f"you have answered question {number} already")
            if self.state == REVEAL:
                why = "its time ran out" if self.closed_by == "time" else "the host closed it"
                raise QuizError("late", f"question {number} is closed ({why} "
                                        f"{max(self.clock() - self.closed_at, 0):.1f} s ago)")
            n = len(self.bank.questions[self.index].choices)
            if isinstance(choice, bool) or not isinstance(choice, int):
                raise QuizError("choice_invalid", f"the choice must be a number from 0 to {n - 1}, not {choice!r}")
            if not 0 <= choice < n:
                raise QuizError("choice_out_of_range", f"choice {choice} is not one of 0-{n - 1}")
            now = self.clock()
            answer = Answer(choice, now, now - self.opened_at)
            player.answers[self.index] = answer
            if all(self.index in p.answers for p in self.players.values()):
                self._close(now, "all_answered")
            self.version += 1
            return answer

    # --- views ---------------------------------------------------------------------
    def scoreboard(self) -> list[dict]:
        """Every player ranked: ``nickname``, ``points``, ``streak``, ``rank`` (ties broken, never shared)."""
        with self._lock:
            self._update()
            rows = [{"nickname": p.nickname, "points": p.points, "streak": p.streak,
                     "correct_seconds": p.correct_seconds, "join_order": p.join_order}
                    for p in self.players.values()]
        return [{k: r[k] for k in ("rank", "nickname", "points", "streak")} for r in ranked(rows)]

    def podium(self) -> list[dict]:
        """The top three (fewer with fewer players)."""
        return self.scoreboard()[:PODIUM]

    def winner(self) -> dict | None:
        """The finished game's first place, for the awards page; None before the end or without players."""
        with self._lock:
            self._update()
            if self.state != FINISHED or not self.players:
                return None
        return self.scoreboard()[0]

    def reveal(self) -> dict:
        """After a question: its answer, how many chose each choice, and the top five."""
        with self._lock:
            self._update()
            if self.state != REVEAL:
                raise QuizError("not_open", f"there is nothing to reveal while the game is in '{self.state}'")
            question = self.bank.questions[self.index]
            counts = [0] * len(question.choices)
            answered = [p.answers[self.index] for p in self.players.values() if self.index in p.answers]
            for answer in answered:
                counts[answer.choice] += 1
            return {"question_number": self.index + 1, "question": question.public(),
                    "correct": list(question.answer), "explanation": question.explanation,
                    "counts": counts, "answered": len(answered), "players": len(self.players),
                    "closed_by": self.closed_by, "top": self.scoreboard()[:TOP]}

    def status(self) -> dict:
        """What the pages show: the state, the open question without its answer, seconds left, counts."""
        with self._lock:
            self._update()
            data = {"pin": self.pin, "title": self.bank.title, "state": self.state, "version": self.version,
                    "question_number": self.index + 1, "questions": len(self.bank.questions),
                    "players": len(self.players),
                    "nicknames": [p.nickname for p in sorted(self.players.values(), key=lambda p: p.join_order)]}
            if self.state in (QUESTION, REVEAL):
                data["question"] = self.bank.questions[self.index].public()
                data["answers"] = sum(self.index in p.answers for p in self.players.values())
                data["seconds_left"] = round(max(self.closes_at - self.clock(), 0.0), 3) \
                    if self.state == QUESTION else 0.0
            if self.state == REVEAL:
                data["reveal"] = self.reveal()
            if self.state == FINISHED:
                data["podium"] = self.podium()
            return data

    def player_view(self, token: str, ranks: dict[str, int] | None = None) -> dict:
        """One player's page: points, streak, rank (``ranks``: nickname -> rank, if known), last result."""
        with self._lock:
            self._update()
            player = self._player(token)
            rank = (ranks or {r["nickname"]: r["rank"] for r in self.scoreboard()})[player.nickname]
            view = {"nickname": player.nickname, "points": player.points, "streak": player.streak, "rank": rank,
                    "players": len(self.players), "state": self.state, "question_number": self.index + 1,
                    "answered": self.index in player.answers, "result": None}
            result = player.results.get(self.index) if self.state in (REVEAL, FINISHED) else None
            if result is not None:
                answer = player.answers.get(self.index)
                view["result"] = {"choice": answer.choice if answer else None, **asdict(result),
                                  "gained": result.total}
            return view

    # --- persistence ---------------------------------------------------------------
    def to_dict(self) -> dict:
        """The whole game as plain JSON-able data (:meth:`from_dict` reads it back)."""
        with self._lock:
            return {
                "pin": self.pin, "bank": self.bank.to_dict(), "created_at": self.created_at,
                "state": self.state, "index": self.index, "opened_at": self.opened_at,
                "closes_at": self.closes_at, "closed_at": self.closed_at, "closed_by": self.closed_by,
                "version": self.version,
                "players": [{
                    "token": p.token, "nickname": p.nickname, "join_order": p.join_order, "joined_at": p.joined_at,
                    "points": p.points, "streak": p.streak, "correct_seconds": p.correct_seconds,
                    "answers": {str(i): asdict(a) for i, a in p.answers.items()},
                    "results": {str(i): asdict(r) for i, r in p.results.items()},
                } for p in sorted(self.players.values(), key=lambda p: p.join_order)],
            }

    @classmethod
    def from_dict(cls, data: dict, clock: Callable[[], float] = time.time) -> "Game":
        """Rebuild a game from :meth:`to_dict`'s data; an open question keeps its stamped times."""
        bank = Bank(data["bank"]["title"], tuple(question_from_dict(q) for q in data["bank"]["questions"]),
                    data["bank"].get("source", "inline bank"))
        game = cls(bank, pin=data["pin"], clock=clock)
        if data["state"] not in STATES:
            raise ValueError(f"unknown game state {data['state']!r}")
        for key in ("created_at", "state", "index", "opened_at", "closes_at", "closed_at", "closed_by", "version"):
            setattr(game, key, data[key])
        for row in data["players"]:
            player = Player(row["token"], row["nickname"], row["join_order"], row["joined_at"], row["points"],
                            row["streak"], row["correct_seconds"],
                            {int(i): Answer(**a) for i, a in row["answers"].items()},
                            {int(i): Result(**r) for i, r in row["results"].items()})
            game.players[player.token] = player
        return game

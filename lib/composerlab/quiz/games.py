"""The games a server is running, found by their PIN.

A thin in-memory registry: the event server keeps one, creates games through it
and persists each game's :meth:`~composerlab.quiz.game.Game.to_dict` in its own
store; after a restart it puts them back with :meth:`Games.restore`.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Callable

from composerlab.quiz.game import Game, QuizError, new_pin
from composerlab.quiz.questions import Bank

PIN = re.compile(r"\d{6}")


class Games:
    """Games by PIN, each with a PIN no other running game has."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._games: dict[str, Game] = {}
        self._lock = threading.Lock()

    def create(self, bank: Bank) -> Game:
        """A new game in its lobby, under a fresh PIN."""
        with self._lock:
            game = Game(bank, pin=new_pin(self._games), clock=self.clock)
            self._games[game.pin] = game
            return game

    def restore(self, data: dict) -> Game:
        """Put back a game saved with ``to_dict`` (after a server restart)."""
        game = Game.from_dict(data, clock=self.clock)
        with self._lock:
            self._games[game.pin] = game
        return game

    def get(self, pin) -> Game:
        """The game with this PIN, or a :class:`QuizError` ``unknown_pin`` saying what is wrong with it."""
        text = str(pin).strip() if pin is not None else ""
        if not PIN.fullmatch(text):
            raise QuizError("unknown_pin", f"'{text[:20]}' is not a game PIN; a PIN is 6 digits")
        with self._lock:
            game = self._games.get(text)
        if game is None:
            raise QuizError("unknown_pin", f"no game has the PIN {text}; check it on the big screen")
        return game

    def all(self) -> list[Game]:
        """Every game, oldest first."""
        with self._lock:
            return sorted(self._games.values(), key=lambda g: g.created_at)

    def remove(self, pin: str) -> None:
        with self._lock:
            self._games.pop(pin, None)

    def __len__(self) -> int:
        return len(self._games)

    def __contains__(self, pin) -> bool:
        return pin in self._games

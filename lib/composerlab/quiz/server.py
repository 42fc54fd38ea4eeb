"""The live quiz on a server: games by PIN, each action saved, and live feeds for the pages.

:class:`QuizServer` joins the engine (:mod:`composerlab.quiz.game`), the
registry (:mod:`composerlab.quiz.games`) and the database
(:mod:`composerlab.quiz.store`): every action runs holding the game's lock and
is saved, in one transaction, before the call returns, so the database
follows the game change by change (see :meth:`QuizServer.act`: saves are
grouped). If a save fails, the game is read back from the database (what was
not saved did not happen) and every caller whose change was lost gets an error.

:class:`Feed` is the one watcher per game behind every server-sent-events
stream of it: it wakes on each action (and every tenth of a second, to close a
question whose time ran out even when nobody acts), builds the game's status
once per change and hands the same text to every open page. Players' pages
get a message only when the state or the question changes (not on every
answer); the host's page gets every change, at most ten a second.

Games live in the memory of the server process that made them (and in the
database): the quiz is played on one server process.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Callable

from fastapi.concurrency import run_in_threadpool

from composerlab.quiz.game import QUESTION, Game, QuizError
from composerlab.quiz.games import Games
from composerlab.quiz.questions import Bank
from composerlab.quiz.store import QuizStore

TICK = 0.1
"""Seconds between a feed's checks for a question whose time ran out."""
PLAYER_FIELDS_DROPPED = ("nicknames",)
"""Left out of what players' pages receive (200 nicknames on every message would be most of the traffic)."""


class QuizSaveError(RuntimeError):
    """The database refused a save: the action did not happen."""


class QuizServer:
    """Every game of one server process, saved in ``store``."""

    def __init__(self, store: QuizStore, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock
        self.games = Games(clock)
        for data in store.load():
            self.games.restore(data)
        self.feeds: dict[str, Feed] = {}
        self._save_locks: dict[str, threading.Lock] = {}
        self._restores: dict[str, int] = {}  # pin -> times the game was read back after a failed save

    def create(self, bank: Bank) -> Game:
        game = self.games.create(bank)
        self._save(game, self._restores.get(game.pin, 0))
        return game

    def act(self, pin, action: Callable[[Game], object]):
        """Run ``action(game)`` on the game with ``pin``, then save what it changed; QuizError passes through.

        The action runs holding the game's lock; the save runs after it, holding
        only the game's save lock: whoever gets it writes every change made so
        far (its own and those of the actions that finished meanwhile) in one
        transaction, and the others find theirs written already (a group commit:
        a burst of answers shares a few fsyncs, and the game is not locked while
        the disk works). Either way the call returns only once its change is in
        the database.
        """
        game = self.games.get(pin)
        failure = None
        with game.lock:
            generation = self._restores.get(game.pin, 0)
            try:
                result = action(game)
            except QuizError as err:  # a refused action may still have closed a question by time: saved too
                failure = err
        self._save(game, generation)
        if failure is not None:
            raise failure
        return result

    def _save(self, game: Game, generation: int) -> None:
        with self._save_locks.setdefault(game.pin, threading.Lock()):
            if self._restores.get(game.pin, 0) != generation:
                raise QuizSaveError("the quiz could not be saved; try again")
            with game.lock:
                changes = self.store.changes(game)
            if changes is None:
                return
            try:
                self.store.commit(changes)
            except Exception as err:
                with game.lock:  # what was not saved did not happen: the game as the database has it
                    self._restores[game.pin] = generation + 1
                    self.store.forget(game.pin)
                    stored = self.store.load(game.pin)
                    if stored:
                        self.games.restore(stored[0])
                    else:
                        self.games.remove(game.pin)
                raise QuizSaveError(f"the quiz could not be saved ({type(err).__name__}); try again") from err

    # -- the API's actions ----------------------------------------------------------------------------------
    def join(self, pin, nickname):
        return self.act(pin, lambda g: g.join(nickname))

    def advance(self, pin) -> dict:
        return self.act(pin, lambda g: (g.advance(), g.status())[1])

    def answer(self, pin, token, choice, question=None):
        return self.act(pin, lambda g: g.answer(token, choice, question))

    def status(self, pin, token: str | None = None) -> dict:
        def view(game: Game) -> dict:
            data = game.status()
            if token is not None:
                data["me"] = game.player_view(token)
            return data

        return self.act(pin, view)

    def views(self, pin) -> tuple[int, dict[str, dict]]:
        """(version, every player's ``me`` view): one ranking for all of them (a reveal's 200 pages share it)."""
        def build(game: Game):
            ranks = {r["nickname"]: r["rank"] for r in game.scoreboard()}
            return game.version, {token: game.player_view(token, ranks) for token in game.players}

        return self.act(pin, build)

    def tick(self, pin) -> None:
        """Close the open question if its time ran out (and save that)."""
        self.act(pin, lambda g: g.deadline())

    def feed(self, pin) -> "Feed":
        self.games.get(pin)  # unknown_pin before a stream starts
        if pin not in self.feeds:
            self.feeds[pin] = Feed(self, pin)
        return self.feeds[pin]

    def poke(self, pin) -> None:
        """Wake the game's feed now (from the event loop, after an action)."""
        feed = self.feeds.get(pin)
        if feed is not None:
            feed.wake.set()


def player_text(status: dict) -> str:
    return json.dumps({k: v for k, v in status.items() if k not in PLAYER_FIELDS_DROPPED})


class Feed:
    """One game's changes for all its open streams (runs on the server's event loop while anyone listens)."""

    def __init__(self, server: QuizServer, pin: str):
        self.server, self.pin = server, pin
        self.version = -1
        self.host_text = self.player_text = ""
        self.player_key: tuple = ()
        self.host_serial = self.player_serial = 0
        self.changed = asyncio.Event()  # replaced by a new one at each publish (no lock: one event loop)
        self.wake = asyncio.Event()
        self.listeners = 0
        self.task: asyncio.Task | None = None
        self.stopping: Callable[[], bool] = lambda: False
        self._views: asyncio.Future | None = None
        self._views_version = -2

    def join(self, stopping: Callable[[], bool]) -> None:
        self.stopping = stopping
        self.listeners += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def leave(self) -> None:
        self.listeners -= 1
        self.wake.set()

    async def _run(self) -> None:
        while self.listeners > 0 and not self.stopping():
            try:
                game = self.server.games.get(self.pin)
            except QuizError:
                return
            if game.state == QUESTION and game.closes_at is not None and self.server.clock() > game.closes_at:
                await run_in_threadpool(self.server.tick, self.pin)
            if game.version != self.version:
                status = await run_in_threadpool(self.server.status, self.pin)
                await self._publish(status)
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), TICK)
            except TimeoutError:
                pass
            if self.wake.is_set():
                await asyncio.sleep(0.005)  # a burst of answers becomes one message

    async def me(self, token: str) -> dict:
        """A player's ``me`` view for the current version, from one computation shared by every page."""
        if self._views is None or self._views_version != self.version:
            self._views_version = self.version
            self._views = asyncio.ensure_future(run_in_threadpool(self.server.views, self.pin))
        version, views = await asyncio.shield(self._views)
        if token not in views:  # joined after this version: their own view
            return await run_in_threadpool(self.server.act, self.pin, lambda g: g.player_view(token))
        return views[token]

    async def _publish(self, status: dict) -> None:
        self.version = status["version"]
        self.host_text, self.host_serial = json.dumps(status), self.host_serial + 1
        key = (status["state"], status["question_number"])
        if key != self.player_key:
            self.player_key = key
            self.player_text, self.player_serial = player_text(status), self.player_serial + 1
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()  # wakes every stream waiting in next()

    async def next(self, host: bool, seen: int, timeout: float) -> tuple[int, str, tuple] | None:
        """The newest (serial, text, (state, question)) once the serial passes ``seen`` (host or player kind);
        None after ``timeout`` seconds without.

        An event swapped at each publish, not an ``asyncio.Condition``: a stream cancelled while it waits
        (the page closed) must not leave a lock behind.
        """
        while (self.host_serial if host else self.player_serial) == seen:
            try:
                await asyncio.wait_for(self.changed.wait(), timeout)
            except TimeoutError:
                return None
        return (self.host_serial if host else self.player_serial), (self.host_text if host else self.player_text), \
            self.player_key

"""The leaderboards as JSON text, built once per change and shared by every open page, and their live feeds.

:class:`Boards` is one event's, kept on the app (``app.state.boards``): a plain reload is answered from the
text built for the latest revision; one poller per board serves every open stream (server-sent events).
"""
from __future__ import annotations

import asyncio
import json
import threading
import time

from fastapi.concurrency import run_in_threadpool

from composerlab.event import exports

STREAM_SECONDS = 1800
"""A leaderboard stream ends after this long; the browser's EventSource reconnects by itself."""
POLL_SECONDS = 0.5
"""How often a feed looks whether its board changed."""
QUIET_SECONDS = 15
"""A stream with nothing to send says it is still there this often (proxies close idle streams)."""


class Boards:
    """One event's boards (``preliminary``, ``final``, ``ai``): their text cached by revision, their feeds."""

    def __init__(self, store, stopping):
        self.store, self.stopping = store, stopping  # stopping(): True once the server is asked to stop
        self.built: dict[str, tuple[int, float, str]] = {}  # board -> (revision, when built, text)
        self.lock = threading.Lock()
        self.feeds: dict[str, BoardFeed] = {}

    def text(self, round_name: str, max_age: float = 0.0) -> str:
        """A board as JSON text, built once per change and shared by every open page.

        ``max_age`` > 0 lets a live stream reuse a board that young even if a write came since (many writes
        a second become one build a second); a plain request (``max_age`` 0) always gets the latest.
        """
        revision = self.store.revision()
        with self.lock:  # the other pages wait for the one build, then share it
            cached = self.built.get(round_name)
            if cached is not None and (cached[0] == revision or time.monotonic() - cached[1] < max_age):
                return cached[2]
            board = (exports.ai_json(self.store) if round_name == "ai"
                     else exports.leaderboard_json(self.store, round_name))
            text = json.dumps(board)
            self.built[round_name] = (revision, time.monotonic(), text)
            return text

    def current(self, round_name: str) -> str | None:
        """The board's text if it is built for the latest revision this process knows of, else None; reads no
        database and takes no lock, so a page's reload is answered on the event loop (no worker thread)."""
        revision = self.store.known_revision()
        cached = self.built.get(round_name)
        return cached[2] if cached is not None and revision is not None and cached[0] == revision else None

    def feed(self, round_name: str) -> "BoardFeed":
        """The board's one live feed (made on the first stream that asks)."""
        found = self.feeds.get(round_name)
        return found or self.feeds.setdefault(round_name, BoardFeed(self, round_name))


class BoardFeed:
    """One poller per board for every open stream of the app: many pages cost one check per poll.

    A change is signalled by setting an :class:`asyncio.Event` and putting a fresh one in its place (the
    feed lives on one event loop, so it needs no lock). A stream that goes away while it waits, cancelled
    again and again by its response's cancel scope, leaves nothing behind; with a condition variable it
    could end holding the condition's lock, and every stream and the poller then waited for ever.
    """

    def __init__(self, boards: Boards, round_name: str):
        self.boards, self.round_name = boards, round_name
        self.text, self.version, self.listeners = "", 0, 0
        self.changed = asyncio.Event()
        self.task: asyncio.Task | None = None

    def join(self) -> None:
        self.listeners += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.poll())

    async def poll(self) -> None:
        while self.listeners > 0 and not self.boards.stopping():
            text = await run_in_threadpool(self.boards.text, self.round_name, 1.0)
            if text != self.text:
                self.text, self.version = text, self.version + 1
                changed, self.changed = self.changed, asyncio.Event()
                changed.set()
            await asyncio.sleep(POLL_SECONDS)

    async def next(self, seen: int, timeout: float) -> tuple[int, str] | None:
        """The board once it differs from version ``seen``; None after ``timeout`` seconds without a change."""
        if self.version == seen:
            try:
                await asyncio.wait_for(self.changed.wait(), timeout)
            except TimeoutError:
                return None
        return self.version, self.text

    async def events(self):
        """One stream's server-sent events: the board each time it changes, until the server stops or for
        :data:`STREAM_SECONDS` (bounded; EventSource reconnects)."""
        self.join()
        try:
            seen, quiet_since, ends = 0, time.monotonic(), time.monotonic() + STREAM_SECONDS
            yield "retry: 2000\n\n"
            while time.monotonic() < ends and not self.boards.stopping():
                got = await self.next(seen, timeout=1.0)
                if got is not None:  # only a board that changed is sent (an upload alone changes none)
                    (seen, text), quiet_since = got, time.monotonic()
                    yield f"event: leaderboard\ndata: {text}\n\n"
                elif time.monotonic() - quiet_since > QUIET_SECONDS:
                    quiet_since = time.monotonic()
                    yield ": still here\n\n"
        finally:
            self.listeners -= 1

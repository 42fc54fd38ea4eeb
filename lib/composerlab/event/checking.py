"""Whether an upload's bytes are MIDI the kit can read: the check itself, and the worker process that runs it.

:func:`midi_problem` asks the kit's MIDI reader about some bytes. :class:`MidiChecker` runs it in a worker
process beside the server (the app starts the worker in its lifespan): reading MIDI is CPU work under
Python's GIL, and in a second process it runs on another core instead of taking turns with the server's
event loop. Until the worker is up, or once it has died, the server checks uploads itself, with the same
answers. This module stays light: the worker process imports it, and nothing of the web server.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import anyio
import anyio.to_thread

from composerlab.errors import MusicFileError
from composerlab.event.batching import Batches
from composerlab.event.rules import EventError
from composerlab.music.midi import check_midi_bytes

log = logging.getLogger(__name__)

CHECK_IN_LOOP_BYTES = 64 * 1024
"""Without the worker, files up to this size are checked on the event loop itself: a melody of a few KB
takes less time to check than handing it to a thread costs under a burst (the thread waits for the GIL
behind the loop). A larger file, up to the event's limit, is checked in a thread so the loop never stalls."""
WATCH_SECONDS = 1.0
"""How often the worker looks whether its server is still there."""


def midi_problem(data: bytes, name: str) -> str | None:
    """Why the kit's MIDI reader refuses ``data`` (as :func:`composerlab.music.midi.check_midi_bytes` says
    it), or None when it reads. A plain function of bytes to text, so a worker process can run it."""
    try:
        check_midi_bytes(data, name)
    except MusicFileError as err:
        return err.reason
    return None


def midi_problems(items: list[tuple[bytes, str]]) -> list[str | None]:
    """:func:`midi_problem` of each ``(data, name)``: a batch of uploads checked in one call of the worker."""
    return [midi_problem(data, name) for data, name in items]


def midi_refusal(name: str, problem: str) -> EventError:
    """The 415 an upload named ``name`` gets for :func:`midi_problem`'s ``problem``."""
    return EventError(f"{name} {problem}", 415)


class MidiChecker:
    """:func:`midi_problem` in a worker process, the uploads that arrive while it works handed over together.

    One hand-over per upload would cost a round of thread hops each, so uploads are batched
    (:class:`~composerlab.event.batching.Batches`). :meth:`start` starts the worker; until it has read its
    first (warm-up) file, and after it has died or :meth:`stop` was called, uploads are checked in this
    process. The worker ends by itself when the server's process is gone, even killed with ``-9``.
    """

    def __init__(self):
        self.pool: ProcessPoolExecutor | None = None
        self.ready = threading.Event()  # set once the worker has imported the reader and answered
        self.batches = Batches(self.check_in_worker)
        self.threads = anyio.CapacityLimiter(2)  # large files checked here: the GIL lets more only take turns

    def start(self) -> None:
        """Start the worker process (a second call does nothing)."""
        if self.pool is not None:
            return
        # spawn, not fork: the server has threads running, and a forked child would inherit their locks
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=end_with_parent, initargs=(os.getpid(),))
        pool = self.pool
        warm_up = pool.submit(midi_problem, b"", "warm-up")  # the worker imports the reader now

        def up(future) -> None:
            if self.pool is pool and not future.cancelled() and future.exception() is None:
                self.ready.set()

        warm_up.add_done_callback(up)

    def stop(self) -> None:
        """End the worker (it has no upload to finish: the server checks any that come later itself)."""
        pool, self.pool = self.pool, None
        self.ready.clear()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def problem(self, data: bytes, name: str) -> str | None:
        """:func:`midi_problem`'s answer, from the worker when it is up, else from this process."""
        if self.pool is not None and self.ready.is_set():
            return await self.batches.add((data, name))
        if len(data) <= CHECK_IN_LOOP_BYTES:
            return midi_problem(data, name)
        return await anyio.to_thread.run_sync(midi_problem, data, name, limiter=self.threads)

    async def check_in_worker(self, items: list[tuple[bytes, str]]) -> list[str | None]:
        """A batch checked by the worker; by this process if the worker is gone (from then on too)."""
        pool = self.pool
        try:
            if pool is None:
                raise BrokenProcessPool("stopped")
            return await asyncio.get_running_loop().run_in_executor(pool, midi_problems, items)
        except BrokenProcessPool:
            log.warning("the MIDI checking process is gone; uploads are checked in the server")
            self.pool = None
            self.ready.clear()
            return midi_problems(items)


def end_with_parent(parent: int) -> None:
    """In the worker: end once the server that started it is gone. A server killed with -9 cannot tell it,
    and the worker would wait for uploads for ever (it holds its own end of the queue it reads)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="composerlab-checker-watch", daemon=True).start()

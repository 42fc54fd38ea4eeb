"""A batching queue for the event loop: what arrives while one batch is handled goes together in the next.

The upload path uses it twice: the MIDI checker hands uploads to its worker process in batches
(:mod:`composerlab.event.checking`), and the batch writer commits checked uploads in batches
(:mod:`composerlab.event.uploads`).
"""
from __future__ import annotations

import asyncio
import weakref


class Batches:
    """Items handed to ``handle`` in batches: the first item of a burst goes at once, alone; those that
    arrive while a batch is handled wait and go together in the next one.

    ``handle(items)`` is a coroutine function that returns one result per item, or an exception for an
    item that failed alone; if it raises, every item of the batch gets that error. The queue of each event
    loop is its own (an in-process test client runs each request on a new loop); only its loop touches it,
    so it needs no lock.
    """

    def __init__(self, handle):
        self.handle = handle
        self.queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue]" = weakref.WeakKeyDictionary()

    async def add(self, item):
        """``item``'s result, once its batch has been handled (its exception raised)."""
        loop = asyncio.get_running_loop()
        queue = self.queues.get(loop)
        if queue is None:
            queue = self.queues[loop] = _Queue(loop, self.handle)
        return await queue.add(item)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until the batches of this loop are handled (at most ``timeout`` seconds); True if they are."""
        queue = self.queues.get(asyncio.get_running_loop())
        if queue is None or queue.task is None:
            return True
        done, _ = await asyncio.wait([queue.task], timeout=timeout)
        return bool(done)


class _Queue:
    """One event loop's pending items and the task that drains them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, handle):
        self.loop, self.handle = loop, handle
        self.pending: list[tuple[object, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def add(self, item):
        done = self.loop.create_future()
        self.pending.append((item, done))
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self.drain())
        return await done

    async def drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    results = await self.handle([item for item, _ in batch])
                except Exception as err:  # the whole batch failed: each of it is told
                    results = [err] * len(batch)
                except BaseException:  # cancelled (the server stops): this batch's waiters end with it
                    self.pending = batch + self.pending
                    raise
                for (_, done), result in zip(batch, results):
                    if done.done():  # the request gave up meanwhile
                        continue
                    if isinstance(result, BaseException):
                        done.set_exception(result)
                    else:
                        done.set_result(result)
        finally:
            for _, done in self.pending:
                done.cancel()
            self.pending = []

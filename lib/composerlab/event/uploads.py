"""The server's upload path: a form read as it streams in, checked, and written with the uploads that came meanwhile.

:class:`Uploads` is one event's path, kept on the app (``app.state.uploads``) and started and stopped in
its lifespan. It owns the :class:`~composerlab.event.checking.MidiChecker` (the MIDI read in a worker
process) and the :class:`BatchWriter` (checked uploads written in batches, one transaction each).
"""
from __future__ import annotations

import asyncio
import logging

import anyio
import anyio.to_thread

from composerlab.event import files, submissions
from composerlab.event.batching import Batches
from composerlab.event.checking import MidiChecker, midi_refusal
from composerlab.event.forms import read_upload
from composerlab.event.rules import EventError
from composerlab.event.submissions import Checked, Receipt

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0
"""How long a stopping server waits for the batch being written."""


class BatchWriter:
    """Checked uploads of one event, written in batches by one thread at a time.

    Each upload's file is staged (temp file, fsync) on the store's staging threads as soon as it is
    checked, while the rest of a burst still arrives. The first upload of a burst is then written at once,
    alone; those that arrive while it is being written wait and go together in the next batch
    (:func:`composerlab.event.submissions.write`: one transaction). One thread per upload spent more time
    handing the GIL between threads than writing.
    """

    def __init__(self, store):
        self.store = store
        self.batches = Batches(self.write_batch)
        # its own threads, apart from the pool the pages' routes share: many live leaderboards reloading
        # must not make a batch of uploads wait for a thread
        self.threads = anyio.CapacityLimiter(2)

    async def write(self, checked: Checked) -> Receipt:
        """``checked`` stored: its receipt (its refusal raised, such as the per-composer limit)."""
        staging = asyncio.wrap_future(self.store.staging.submit(files.stage, self.store.files, checked.data))
        return await self.batches.add((checked, staging))

    async def write_batch(self, items: list) -> list:
        await asyncio.wait([staging for _, staging in items])
        # a file that could not be written (a full disk) fails alone; the others are written together
        results: list = [staging.exception() for _, staging in items]
        ready = [i for i, error in enumerate(results) if error is None]
        if ready:
            try:
                written = await anyio.to_thread.run_sync(submissions.write, self.store, [items[i][0] for i in ready],
                                                         [items[i][1].result() for i in ready], limiter=self.threads)
            except Exception as err:  # the batch failed (a disk or database error): each of it is told
                written = [err] * len(ready)
            for i, result in zip(ready, written):
                results[i] = result
        return results

    async def stop(self) -> None:
        """Wait for the batch being written (bounded: :data:`STOP_SECONDS`)."""
        if not await self.batches.wait_idle(STOP_SECONDS):
            log.warning("a batch of uploads was still being written when the server stopped")


class Uploads:
    """One event's upload path (see the module's docstring): :meth:`start` and :meth:`stop` in the app's
    lifespan; without them (an app driven in-process) uploads are checked in the server's own process."""

    def __init__(self, store):
        self.store = store
        self.checker = MidiChecker()
        self.writer = BatchWriter(store)

    def start(self) -> None:
        self.checker.start()

    async def stop(self) -> None:
        await self.writer.stop()
        await anyio.to_thread.run_sync(self.checker.stop)

    async def store_upload(self, fields: dict[str, str], file_name: str | None, data: bytes) -> Receipt:
        """Check an upload (the fields here, the MIDI data by the checker), then write it in a batch. Returns
        the receipt; raises :class:`EventError` when refused, the fields' refusals first, as
        :meth:`Store.add_submission <composerlab.event.store.Store.add_submission>` does."""
        checked = submissions.check(self.store.event(), fields.get("alias"), fields.get("title"), file_name, data,
                                    midi=False)
        problem = await self.checker.problem(data, checked.original_name)
        if problem is not None:
            raise midi_refusal(checked.original_name, problem)
        return await self.writer.write(checked)

    async def submit(self, request) -> dict:
        """``POST /api/submissions``: read the form, check it, store it; the receipt as the API answers it.

        Raises :class:`EventError`: the refusal's 4xx, or 503 when the disk or the database failed (the
        upload is then not stored, and no file is left without its row).
        """
        fields, file_name, data = await read_upload(request, self.store.event().max_bytes)
        try:
            receipt = await self.store_upload(fields, file_name, data)
        except EventError:
            raise
        except Exception as err:  # OSError (a full disk), a database error: said as such, and nothing was kept
            log.exception("an upload could not be stored")
            what = f"{type(err).__name__}: {err}"[:200]
            raise EventError(f"the upload could not be stored ({what}); nothing was kept, try again", 503) from None
        return {"id": receipt.id, "stored_as": receipt.stored_as, "eligible": receipt.eligible,
                "created_at": receipt.created_at}

"""Reading an upload form as it streams in, refusing it as soon as it is too large.

Starlette's own form parser spools a whole file before the route sees it, so
the size limit could only be checked after everything was read; here the
multipart stream is fed to python-multipart's low-level ``MultipartParser``
chunk by chunk and the request stops at the first byte over the limit. The
file stays in memory (it is at most the event's limit, a few MB).

Then the upload is checked (:meth:`Store.check_submission`) and written in a
batch with the uploads that arrived meanwhile (:class:`_BatchWriter`).
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import weakref
from concurrent.futures.process import BrokenProcessPool

import anyio
import anyio.to_thread
from python_multipart.multipart import MultipartParser, parse_options_header

from composerlab.event import files
from composerlab.event.rules import EventError
from composerlab.event.store import midi_problem, midi_problems, midi_refusal

log = logging.getLogger(__name__)

FORM_OVERHEAD = 64 * 1024
"""Bytes allowed on top of the file's limit for the other fields and the multipart framing."""
MAX_FIELD = 8 * 1024
MAX_PARTS = 8
CHECK_IN_LOOP_BYTES = 64 * 1024
"""Without the checking process (:class:`MidiChecker`), files up to this size are checked on the event loop
itself: a melody of a few KB takes about 0.2 ms to check, less than handing it to a thread costs under a burst
(the thread waits for the GIL behind the loop). A larger file, up to the event's limit, is checked in a worker
thread so that the loop never stalls."""
CHECKING_AT_ONCE = anyio.CapacityLimiter(2)
"""Large uploads checked at once in threads. The check is CPU work under the GIL: more threads would only
take turns."""


WRITING = anyio.CapacityLimiter(4)
"""Threads for the batch writers (one per event at a time) apart from the shared pool of 40 that the pages'
routes run in: 50 live leaderboards reloading must not make a batch of uploads wait for a thread."""


class _Form:
    """Callbacks for MultipartParser: collects text fields and the one file, enforcing the limits."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.fields: dict[str, str] = {}
        self.file_name: str | None = None
        self.data = bytearray()
        self.parts = 0
        self._header_field = b""
        self._header_value = b""
        self._name = ""
        self._is_file = False
        self._value = bytearray()

    def callbacks(self) -> dict:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_part_data": self.part_data, "on_part_end": self.part_end}

    def part_begin(self):
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise EventError(f"the form has more than {MAX_PARTS} parts; send alias, title and file", 422)
        self._name, self._is_file, self._value = "", False, bytearray()

    def header_field(self, data, start, end):
        self._header_field += data[start:end]

    def header_value(self, data, start, end):
        self._header_value += data[start:end]

    def header_end(self):
        if self._header_field.lower() == b"content-disposition":
            _, params = parse_options_header(self._header_value)
            self._name = params.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in params:
                self._is_file = True
                if self._name == "file":
                    self.file_name = params[b"filename"].decode("utf-8", "replace")
        self._header_field, self._header_value = b"", b""

    def part_data(self, data, start, end):
        if self._is_file and self._name == "file":
            self.data += data[start:end]
            if len(self.data) > self.max_bytes:
                raise EventError(f"the file is larger than the limit of {self.max_bytes / 1e6:.1f} MB", 413)
        elif not self._is_file:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD:
                raise EventError(f"the field '{self._name[:40]}' is longer than {MAX_FIELD} bytes", 422)

    def part_end(self):
        if not self._is_file and self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")


async def read_upload(request, max_bytes: int) -> tuple[dict[str, str], str | None, bytes]:
    """The text fields, the file's own name (data only) and its bytes, from a multipart request.

    Raises
    ------
    EventError
        413 as soon as the declared length or the bytes received pass the
        limit (the rest is not read), 415 for a body that is not
        multipart/form-data, 422 for a broken form.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise EventError("send the form as multipart/form-data with the fields alias, title and file", 415)
    ceiling = max_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > ceiling:
        raise EventError(f"the upload is {int(declared) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB", 413)
    form = _Form(max_bytes)
    parser = MultipartParser(params[b"boundary"], form.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > ceiling:
                raise EventError(f"the upload is larger than the limit of {max_bytes / 1e6:.1f} MB", 413)
            parser.write(chunk)
        parser.finalize()
    except EventError:
        raise
    except Exception as err:  # python-multipart raises its own types for a malformed body
        raise EventError(f"the form could not be read ({type(err).__name__}: {err})"[:200], 422) from None
    return form.fields, form.file_name, bytes(form.data)



class _Batches:
    """Work that arrives while a batch is being handled waits and goes together in the next batch.

    ``handle(items)`` (a coroutine) returns one result per item, an exception for an item that failed
    alone; if it raises, every item of the batch is told. The first item of a burst goes at once, alone.
    Lives on one event loop: no lock, since only the loop touches ``pending``.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, handle):
        self.loop, self.handle = loop, handle
        self.pending: list[tuple[object, asyncio.Future]] = []
        self.busy = False

    async def add(self, item):
        done = self.loop.create_future()
        self.pending.append((item, done))
        if not self.busy:
            self.busy = True
            self.loop.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                try:
                    results = await self.handle([item for item, _ in batch])
                except BaseException as err:  # the whole batch failed: each is told
                    results = [err] * len(batch)
                for (_, done), result in zip(batch, results):
                    if done.done():  # the request gave up meanwhile
                        continue
                    if isinstance(result, BaseException):
                        done.set_exception(result)
                    else:
                        done.set_result(result)
        finally:
            self.busy = False


class _BatchWriter:
    """Checked uploads of one event, written in batches by one worker thread at a time (:class:`_Batches`).

    Each upload's file is staged (temp file, fsync) on a staging thread as
    soon as it is checked. The first upload of a burst is then written at
    once, alone; those that arrive while it is being written wait and go
    together in the next batch (:meth:`Store.store_submissions`: one
    transaction). Written a thread per upload, 200 uploads in one instant
    spent more time handing the GIL between threads than writing (p95 0.7 s
    against about 0.4 s this way, 2 cores, ``bench/bench_event.py``); staged
    by the batch rather than on arrival, a burst's files waited for the
    burst's last upload before any reached the disk (the big batch took
    0.13 s of its 0.35 s to stage).
    """

    def __init__(self, store):
        self.store = store
        self.loop = asyncio.get_running_loop()
        self.batches = _Batches(self.loop, self._write)

    async def write(self, checked):
        staging = asyncio.wrap_future(files.stage_soon(self.store.files, checked.data), loop=self.loop)
        return await self.batches.add((checked, staging))

    async def _write(self, items: list) -> list:
        await asyncio.wait([staging for _, staging in items])
        # a file that could not be written (a full disk) fails alone; the others are written together
        results: list = [staging.exception() for _, staging in items]
        ready = [i for i, error in enumerate(results) if error is None]
        if ready:
            try:
                written = await anyio.to_thread.run_sync(self.store.store_submissions, [items[i][0] for i in ready],
                                                         [items[i][1].result() for i in ready], limiter=WRITING)
            except BaseException as err:  # the batch failed (a disk or database error): each of it is told
                written = [err] * len(ready)
            for i, result in zip(ready, written):
                results[i] = result
        return results


_writers: "weakref.WeakKeyDictionary[object, _BatchWriter]" = weakref.WeakKeyDictionary()


class MidiChecker:
    """The MIDI check of uploads in a worker process, beside the server's own (see :func:`store_upload`).

    The server is one process: its event loop, and every thread it hands work to, take turns on one core
    (Python's GIL). Reading an upload's MIDI data (mido, then pretty_midi: 0.24 ms for a melody, more for a
    song) was the largest single share of a burst's server CPU. In a worker process it runs on the other core.
    The uploads that arrive while the worker checks go to it together, in one hand-over: one at a time, each
    hand-over's own thread hops took back most of the gain (upload p95 on ``bench/bench_event.py``'s burst,
    median of five runs each, interleaved: 595 ms in the server, 523 ms one at a time, 376 ms batched, against
    568 ms in the server in that series). :meth:`start` starts the worker (``composerlab serve`` does); until it
    has, or if it ever fails, uploads are checked in the server as before, with the same answers.
    """

    def __init__(self):
        self.pool = None
        # per event loop (two servers may run in one process, each on its loop)
        self.batches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batches]" = weakref.WeakKeyDictionary()

    def start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self.pool is None:
            # spawn, not fork: the server has threads running, and a forked child would inherit their locks
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_end_with_parent, initargs=(os.getpid(),))
            self.pool.submit(midi_problem, b"", "warm-up")  # imports the reader there now, not on the first upload

    def stop(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # the worker ends now (it has no upload to finish)

    async def problem(self, data: bytes, name: str) -> str | None:
        """:func:`composerlab.event.store.midi_problem` in the worker (in this process if there is none)."""
        loop = asyncio.get_running_loop()
        if self.pool is None:
            if len(data) <= CHECK_IN_LOOP_BYTES:
                return midi_problem(data, name)
            return await anyio.to_thread.run_sync(midi_problem, data, name, limiter=CHECKING_AT_ONCE)
        batches = self.batches.get(loop)
        if batches is None:
            batches = self.batches[loop] = _Batches(loop, self._check)
        return await batches.add((data, name))

    async def _check(self, items: list[tuple[bytes, str]]) -> list[str | None]:
        try:
            if self.pool is None:
                raise BrokenProcessPool("stopped")
            return await asyncio.get_running_loop().run_in_executor(self.pool, midi_problems, items)
        except BrokenProcessPool:  # the worker died or was stopped: check here from now on
            log.warning("the MIDI checking process is gone; uploads are checked in the server")
            self.pool = None
            return [midi_problem(data, name) for data, name in items]


def _end_with_parent(parent: int) -> None:
    """In the checking process: end once the server that started it is gone. A server killed with -9 cannot
    tell it, and the worker would wait for uploads for ever (it holds its own end of the queue it reads)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="composerlab-checker-watch", daemon=True).start()


CHECKER = MidiChecker()
"""The server's MIDI checker (started by :func:`composerlab.event.app.server`)."""


async def store_upload(store, fields: dict[str, str], file_name: str | None, data: bytes):
    """:meth:`Store.add_submission` in two halves: the check (the fields here, the MIDI data by :data:`CHECKER`),
    then the writing, batched with the uploads that arrive meanwhile (:class:`_BatchWriter`). Returns the
    receipt; raises :class:`EventError` when refused, the fields' refusals first, as ``add_submission`` does."""
    checked = store.check_submission(fields.get("alias"), fields.get("title"), file_name, data, midi=False)
    problem = await CHECKER.problem(data, checked.original_name)
    if problem is not None:
        raise midi_refusal(checked.original_name, problem)
    writer = _writers.get(store)
    if writer is None or writer.loop is not asyncio.get_running_loop():  # a test client may bring a new loop
        writer = _writers[store] = _BatchWriter(store)
    return await writer.write(checked)


async def submit(store, request) -> dict:
    """``POST /api/submissions``: read the form, check it, store it; the receipt as the API answers it.

    Raises :class:`EventError`: the refusal's 4xx, or 503 when the disk or the database failed (the
    upload is then not stored, and no file is left without its row: :meth:`Store.store_submissions`).
    """
    fields, file_name, data = await read_upload(request, store.event().max_bytes)
    try:
        receipt = await store_upload(store, fields, file_name, data)
    except EventError:
        raise
    except Exception as err:  # OSError (a full disk), a database error: said as such, and nothing was kept
        log.exception("an upload could not be stored")
        what = f"{type(err).__name__}: {err}"[:200]
        raise EventError(f"the upload could not be stored ({what}); nothing was kept, try again", 503) from None
    return {"id": receipt.id, "stored_as": receipt.stored_as, "eligible": receipt.eligible,
            "created_at": receipt.created_at}


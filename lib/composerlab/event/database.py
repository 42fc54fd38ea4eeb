"""The event database's engine and its write discipline, which :class:`~composerlab.event.store.Store` is built on.

The engine (SQLite in WAL mode with full sync by default, any SQLAlchemy URL otherwise); two ways to
write: :meth:`Database.write`, one transaction, and :meth:`Database.write_grouped`, a change committed
together with those queued meanwhile (judges' scores). Each write bumps the event's ``revision`` first:
that takes the database's write lock at once, so writers queue instead of failing, and live pages learn
that something changed (a cached read of the revision serves the many pages that poll it).
"""
from __future__ import annotations

import contextlib
import threading
import time

from sqlalchemy import create_engine, event as sa_event, select, text, update
from sqlalchemy.orm import sessionmaker

from composerlab.event.rules import EventError
from composerlab.event.tables import Event


_BUMP = update(Event).values(revision=Event.revision + 1)
_NO_BUMP = update(Event).values(revision=Event.revision)
_REVISION = select(Event.revision)
"""The statements of every write transaction, built once, not per write."""


class _Pending:
    """A change waiting for a group commit, and what came of it."""

    __slots__ = ("change", "bump", "result", "error", "done")

    def __init__(self, change, bump: bool):
        self.change, self.bump = change, bump
        self.result, self.error, self.done = None, None, False


class Database:
    """An engine with the event's write discipline (see the module's docstring)."""

    def __init__(self, url: str):
        self.url = url
        sqlite = self.url.startswith("sqlite")
        self.engine = create_engine(self.url, connect_args={"timeout": 60, "check_same_thread": False}
                                    if sqlite else {}, pool_size=20, max_overflow=20)
        if sqlite:
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._revision = (0.0, -1)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Pending] = []

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _transaction(self, bump: bool = True):
        with self._sessions() as session, session.begin():
            # Even without a bump (an upload changes no board) the update takes the write lock first.
            session.execute(_BUMP if bump else _NO_BUMP)
            yield session
            written = session.scalar(_REVISION)
        self._remember(written)  # this process sees its own write at once

    @contextlib.contextmanager
    def write(self, bump: bool = True):
        """One write transaction: the revision bump (or, with ``bump=False``, an update that changes
        nothing) takes the write lock first, then the caller's changes."""
        # Writers of this process queue on a Python lock: SQLite's own busy wait sleeps in growing steps
        # (up to 100 ms), which under a burst of uploads costs far more than the writes themselves.
        with self._write_lock, self._transaction(bump) as session:
            yield session

    def write_grouped(self, change, bump: bool = True):
        """``change(session)`` in one transaction with the changes queued meanwhile (group commit).

        Under a burst (judges scoring at once) each commit's fsync is shared
        by every write waiting for it. ``change`` must do its checks before it
        adds anything: an :class:`EventError` it raises refuses it alone; any
        other error fails the whole batch, and every caller gets it.
        """
        pending = _Pending(change, bump)
        with self._queue_lock:
            self._queue.append(pending)
        with self._write_lock:
            if not pending.done:  # this thread leads: it commits everything queued so far
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    with self._transaction(bump=any(item.bump for item in batch)) as session:
                        for item in batch:
                            try:
                                item.result = item.change(session)
                            except EventError as err:
                                item.error = err
                except BaseException as err:
                    for item in batch:
                        item.error = item.error or err
                for item in batch:
                    item.done = True
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _remember(self, revision: int | None) -> int:
        with self._lock:
            if revision is not None and revision >= self._revision[1]:
                self._revision = (time.monotonic(), revision)
            return self._revision[1]

    @contextlib.contextmanager
    def read(self):
        with self._sessions() as session:
            yield session

    def known_revision(self, max_age: float = 0.25) -> int | None:
        """The revision if it was read or written less than ``max_age`` seconds ago, else None (no database read:
        safe on an event loop)."""
        at, value = self._revision
        return value if time.monotonic() - at < max_age else None

    def revision(self, max_age: float = 0.25) -> int:
        """The event's revision, read from the database at most every ``max_age`` seconds (many pages poll it)."""
        known = self.known_revision(max_age)
        if known is not None:
            return known
        with self.read() as s:
            return self._remember(s.scalar(_REVISION))

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok" when the file is sound)."""
        with self.engine.connect() as conn:
            return conn.execute(text("PRAGMA integrity_check")).scalar()


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed score survives a power cut, not only a crash
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

"""The event's rows and files: :class:`Store` opens an event and owns every write to it.

An event lives in a folder: ``event.db`` (SQLite in WAL mode, or any SQLAlchemy URL given as ``db_url``,
such as PostgreSQL when several server processes share one event) and ``submissions/`` (the MIDI files,
named by the server). Every write is one transaction (:mod:`composerlab.event.database`); uploads are
checked and written by :mod:`composerlab.event.submissions`, whose files reach the disk before their rows
commit, so a file a crash left without its row is moved aside to ``submissions/.unacknowledged/`` when
the event is opened again. Here: opening, the event's settings, the submissions and their withdrawal;
the rounds and scores (:mod:`~composerlab.event.rounds`) and the panel of judges
(:mod:`~composerlab.event.panel`) are the store's too.
"""
from __future__ import annotations

import secrets
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update

from composerlab.event import files, rules, settings, submissions
from composerlab.event.database import Database, add_missing_columns
from composerlab.event.panel import Panel
from composerlab.event.rounds import Rounds
from composerlab.event.rules import EventError, clean_text, slug
from composerlab.event.submissions import Receipt
from composerlab.event.tables import Base, Event, Judge, Submission, utcnow

DB_NAME = "event.db"
SUBMISSIONS = "submissions"
MAX_REASON = 500
EVENT_MAX_AGE = 1.0
"""Seconds the event's row is kept before it is read again (another server process may have changed it)."""


class Store(Rounds, Panel, Database):
    """An event's database and files. Open one with :meth:`create` or :meth:`open`."""

    def __init__(self, event_dir: str | Path, db_url: str | None = None):
        self.dir = Path(event_dir).resolve()
        self.files = self.dir / SUBMISSIONS
        self.staging = files.staging_threads()  # where uploads' files are written and linked
        self.kept_event: tuple[float, Event | None] = (0.0, None)
        self.kept_judges: list[Judge] | None = None
        super().__init__(db_url or f"sqlite:///{self.dir / DB_NAME}")

    def close(self) -> None:
        self.staging.shutdown(wait=True)
        super().close()

    # -- opening -----------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, event_dir: str | Path, name: str, judges: list[str], max_per_composer: int = 3,
               max_mb: float = 2.0, db_url: str | None = None, public_url: str = "", timezone: str | None = None,
               judged_per_composer: int = 1, minutes_per_piece: int = 4, anonymous: bool = False) -> "Store":
        """Make a new event in ``event_dir`` (refused when one is there already)."""
        name = clean_text(name, "the event name", 200, True)
        judges = [clean_text(j, "a judge's name", 100, True) for j in judges]
        if not judges:
            raise EventError("name at least one judge (--judges \"Ada,Ben,Cleo\")", 422)
        if len({j.casefold() for j in judges}) != len(judges):
            raise EventError(f"two judges have the same name: {', '.join(judges)}", 422)
        if max_mb <= 0:
            raise EventError("the size limit must be positive", 422)
        settings.check_limits(max_per_composer, judged_per_composer, minutes_per_piece)
        url = settings.check_public_url(public_url).url
        zone_name = settings.check_zone(timezone) if timezone else settings.local_timezone()
        store = cls(event_dir, db_url)
        store.dir.mkdir(parents=True, exist_ok=True)
        Base.metadata.create_all(store.engine)
        with store.write() as s:
            if s.scalar(select(func.count()).select_from(Event)):
                raise EventError(f"{store.dir} already holds an event; choose another folder", 409)
            s.add(Event(id=1, name=name, slug=slug(name, 30) or "event", admin_token=secrets.token_urlsafe(18),
                        max_per_composer=max_per_composer, max_bytes=int(max_mb * 1_000_000), revision=1,
                        public_url=url, timezone=zone_name, judged_per_composer=judged_per_composer,
                        minutes_per_piece=minutes_per_piece, anonymous=anonymous))
            s.add_all(Judge(name=j, token=secrets.token_urlsafe(18)) for j in judges)
        store.files.mkdir(exist_ok=True)
        return store

    @classmethod
    def open(cls, event_dir: str | Path, db_url: str | None = None, recover: bool = False) -> "Store":
        """Open an existing event (tables and columns added since it was made are created, nothing is dropped).

        ``recover``: move files a crash left without a row aside (:meth:`recover`). Only the server, starting,
        asks for it: a command run beside a live server (``event close``, ``judge --event``) would take an
        upload's file, linked a moment before its row commits, for a crash's."""
        store = cls(event_dir, db_url)
        if db_url is None and not (store.dir / DB_NAME).is_file():
            raise EventError(f"{store.dir} holds no event; make one with 'composerlab event new {event_dir}'", 404)
        add_missing_columns(store.engine, Base.metadata)
        Base.metadata.create_all(store.engine)
        if store.event() is None:
            raise EventError(f"the database of {store.dir} holds no event", 404)
        store.judges()  # read now, not by the first judge's request (on the server's event loop)
        store.files.mkdir(exist_ok=True)
        if recover:
            store.recover()
        return store

    def recover(self) -> list[str]:
        """Move files without a row (a crash between the link and the commit) to ``.unacknowledged/``."""
        with self.read() as s:
            known = set(s.scalars(select(Submission.stored_as)))
        return files.recover(self.files, known)

    # -- the event and its settings ----------------------------------------------------------------------------
    def event(self, fresh: bool = False) -> Event | None:
        """The event's row, kept for :data:`EVENT_MAX_AGE` seconds (every upload and page needs it); this
        process's own changes are seen at once. Its ``revision`` is not kept fresh here (use :meth:`revision`)."""
        at, row = self.kept_event
        if fresh or row is None or time.monotonic() - at > EVENT_MAX_AGE:
            with self.read() as s:
                row = s.get(Event, 1)
            self.kept_event = (time.monotonic(), row)
        return row

    def set_submissions(self, open_: bool, deadline: datetime | None = None) -> Event:
        """Open submissions (with an optional deadline, in UTC; none clears an old one) or close them now."""
        with self.write() as s:
            row = s.get(Event, 1)
            row.submissions_open = open_
            if open_:
                row.deadline, row.closed_at = deadline, None
            elif row.closed_at is None or row.submissions_open:
                row.closed_at = utcnow()
        return self.event(fresh=True)

    def update_settings(self, **changes) -> Event:
        """Change the settings named in :data:`composerlab.event.settings.SETTINGS` (each checked first)."""
        unknown = set(changes) - set(settings.SETTINGS)
        if unknown:
            raise EventError(f"unknown setting {', '.join(sorted(unknown))}; known: {', '.join(settings.SETTINGS)}",
                             422)
        if "public_url" in changes:
            changes["public_url"] = settings.check_public_url(changes["public_url"]).url
        if "timezone" in changes:
            settings.check_zone(changes["timezone"])
        with self.write() as s:
            row = s.get(Event, 1)
            merged = {key: changes.get(key, getattr(row, key)) for key in
                      ("max_per_composer", "judged_per_composer", "minutes_per_piece")}
            settings.check_limits(**merged)
            for key, value in changes.items():
                setattr(row, key, value)
        return self.event(fresh=True)

    def is_admin(self, token: str) -> bool:
        return secrets.compare_digest(self.event().admin_token.encode(), token.encode())

    # -- who is who --------------------------------------------------------------------------------------------
    def judges(self) -> list[Judge]:
        """The event's judges in order, removed ones too (their scores stay). Kept once read: every judge's
        request looks its token up here; the panel's changes read them again (:meth:`forget_judges`)."""
        if self.kept_judges is None:
            with self.read() as s:
                self.kept_judges = list(s.scalars(select(Judge).order_by(Judge.id)))
        return list(self.kept_judges)

    def forget_judges(self) -> None:
        self.kept_judges = None

    def judge_for(self, token: str) -> Judge | None:
        """The judge whose private token this is (compared in constant time), or None (a removed judge too)."""
        found = None
        for judge in self.judges():
            if secrets.compare_digest(judge.token.encode(), token.encode()) and not judge.removed:
                found = judge
        return found

    # -- submissions -------------------------------------------------------------------------------------------
    def add_submission(self, alias: str | None, title: str | None, original_name: str | None,
                       data: bytes, accept_late: bool = False) -> Receipt:
        """Check and store one upload; raises :class:`EventError` (nothing stored) when refused.

        ``accept_late``: the facilitator accepts it after submissions closed (it is marked late). The server
        does the same in two halves, checking each upload as it arrives and writing whatever arrived
        meanwhile together (:mod:`composerlab.event.uploads`).
        """
        checked = submissions.check(self.event(), alias, title, original_name, data, accept_late=accept_late)
        receipt = submissions.write(self, [checked])[0]
        if isinstance(receipt, EventError):
            raise receipt
        return receipt

    def submissions(self) -> list[Submission]:
        with self.read() as s:
            return list(s.scalars(select(Submission).order_by(Submission.id)))

    def submission(self, submission_id: int) -> Submission:
        with self.read() as s:
            row = s.get(Submission, submission_id)
        if row is None:
            raise EventError(f"there is no submission {submission_id}", 404)
        return row

    def by_receipt(self, token: str) -> Submission:
        """The submission whose receipt link carries ``token`` (404 when none)."""
        with self.read() as s:
            row = s.scalar(select(Submission).where(Submission.withdraw_token == token)) if token else None
        if row is None or not secrets.compare_digest(row.withdraw_token.encode(), token.encode()):
            raise EventError("this receipt link is not valid for this event", 404)
        return row

    def for_judges(self) -> list[int]:
        """The pieces that count for the human judges: each contestant's latest ``judged_per_composer``
        eligible pieces not withdrawn (the others go to the AI judge only)."""
        rows = [(r.id, r.composer) for r in self.submissions() if r.eligible and not r.withdrawn]
        return rules.counted_for_judges(rows, self.event().judged_per_composer)

    def for_ai(self) -> list[Submission]:
        """What the AI judge ranks: every eligible piece not withdrawn (a late one is there only because the
        facilitator accepted it)."""
        return [r for r in self.submissions() if r.eligible and not r.withdrawn]

    def withdraw(self, submission_id: int, reason: str = "", token: str | None = None) -> Submission:
        """Withdraw a piece: by the facilitator (``token`` None) at any time, with a reason; by the contestant
        (the receipt's ``token``) while submissions are open. The row, the file and its scores are kept."""
        reason = clean_text(reason, "the reason", MAX_REASON, token is None)
        with self.write() as s:
            row = s.get(Submission, submission_id)
            if row is None:
                raise EventError(f"there is no submission {submission_id}", 404)
            if token is not None:
                if not row.withdraw_token or not secrets.compare_digest(row.withdraw_token.encode(), token.encode()):
                    raise EventError("this token is neither this piece's receipt nor the facilitator's", 403)
                closed = settings.closed_reason(s.get(Event, 1))
                if closed:
                    raise EventError(f"{closed}: ask the facilitator to withdraw it", 409)
            if row.withdrawn:
                raise EventError(f"submission {submission_id} was withdrawn already ({row.withdrawn_reason})", 409)
            s.execute(update(Submission).where(Submission.id == submission_id).values(
                withdrawn=True, withdrawn_reason=reason or "withdrawn by the contestant",
                withdrawn_by="contestant" if token is not None else "facilitator", withdrawn_at=utcnow()))
        return self.submission(submission_id)

    def path_of(self, row: Submission) -> Path:
        return self.files / row.stored_as

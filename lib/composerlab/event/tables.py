"""The event database's tables (SQLAlchemy 2 declarative), all on one :class:`Base`.

A later part (the quiz) adds its own tables by subclassing the same ``Base``;
``Store`` creates whatever tables ``Base.metadata`` holds when an event is made
or opened. Rows are only ever written by :mod:`composerlab.event.store`.
Score versions are append-only: a revised score is a new row, never an update. A column added after an event
was made has a ``server_default``, so opening an older event adds it in place
(:func:`composerlab.event.database.add_missing_columns`).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Every table of an event (and the quiz's, when it comes) hangs off this one metadata."""


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(60))
    admin_token: Mapped[str] = mapped_column(String(64), unique=True)
    max_per_composer: Mapped[int] = mapped_column(Integer)
    max_bytes: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped in the same transaction by every write that can change a board (not by uploads): live pages watch it."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    public_url: Mapped[str] = mapped_column(String(300), default="", server_default="")
    """The address contestants open (``http://192.168.1.20:8000``): links, QR codes and decks use it."""
    timezone: Mapped[str] = mapped_column(String(60), default="UTC", server_default="UTC")
    """The event's local time zone (IANA name): deadlines are typed and shown in it, stored in UTC."""
    submissions_open: Mapped[bool] = mapped_column(default=True, server_default=true())
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """After it, uploads are refused (as when closed) unless the facilitator accepts them (marked late)."""
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    judged_per_composer: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    """How many of a contestant's pieces (their latest) go to the human judges; the others to the AI judge only."""
    podium_unique: Mapped[bool] = mapped_column(default=True, server_default=true())
    """A podium holds each contestant once (their next piece steps aside for the next contestant)."""
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Judges and the leaderboard see pieces by number; the awards reveal the names."""
    minutes_per_piece: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    """How long a judge spends on one piece (the judges' sheet, the sizing of the day)."""


class Judge(Base):
    __tablename__ = "judges"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    present: Mapped[bool] = mapped_column(default=True, server_default=true())
    """False once marked absent: new rounds deal nothing to them until they are marked present again."""
    removed: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Removed from the panel: their link no longer works; the scores they gave are kept."""


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(100))
    """As typed (data only, shown escaped); "" when none was given."""
    composer: Mapped[str] = mapped_column(String(100), index=True)
    """The alias folded for counting (case and spaces ignored); "" when none."""
    title: Mapped[str] = mapped_column(String(200))
    stored_as: Mapped[str] = mapped_column(String(200), unique=True)
    """The file name the server chose, inside the submissions folder."""
    original_name: Mapped[str] = mapped_column(String(300))
    """The uploader's file name: data only, never used as a path."""
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    eligible: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    late: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Sent after submissions closed, accepted by the facilitator."""
    withdraw_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The receipt's private link: its holder may withdraw or replace the piece while submissions are open."""
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Out of rounds, boards and the AI ranking; the row, the file and any scores are kept."""
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    withdrawn_by: Mapped[str] = mapped_column(String(20), default="", server_default="")
    """"contestant" or "facilitator"."""
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    replaces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The id of the piece this one replaced (that one is withdrawn in the same transaction)."""

    __table_args__ = (Index("ix_submissions_withdraw_token", "withdraw_token", unique=True),)


class Round(Base):
    __tablename__ = "rounds"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    """"random" (dealt evenly), "everyone" (every judge scores everything) or "final"."""
    seed: Mapped[int] = mapped_column(Integer, default=0)
    top: Mapped[int] = mapped_column(Integer, default=3)
    state: Mapped[str] = mapped_column(String(10), default="open")
    ai_top: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Dealt from the AI judge's top N (of run ``ai_run``) instead of every piece that counts."""
    ai_run: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    """What the pages say about how the round was judged (one judge left, pieces judged by their sender)."""
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("round", "judge_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round: Mapped[str] = mapped_column(ForeignKey("rounds.name"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("judges.id"), nullable=True)
    """In the final: the judge whose top pieces this came from."""
    moved_from: Mapped[int | None] = mapped_column(ForeignKey("judges.id"), nullable=True)
    """The judge this piece was dealt to before they were marked absent or removed."""


class ScoreVersion(Base):
    __tablename__ = "score_versions"
    __table_args__ = (UniqueConstraint("round", "judge_id", "submission_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round: Mapped[str] = mapped_column(ForeignKey("rounds.name"))
    judge_id: Mapped[int] = mapped_column(ForeignKey("judges.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    originality: Mapped[int] = mapped_column(Integer)
    balance: Mapped[int] = mapped_column(Integer)
    emotional: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AIRun(Base):
    __tablename__ = "ai_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="running")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AIScore(Base):
    __tablename__ = "ai_scores"
    __table_args__ = (UniqueConstraint("run_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ai_runs.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    classifier: Mapped[float | None] = mapped_column(Float, nullable=True)
    pitch: Mapped[float | None] = mapped_column(Float, nullable=True)
    why: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")

"""The event database's tables (SQLAlchemy 2 declarative), all on one :class:`Base`.

A later part (the quiz) adds its own tables by subclassing the same ``Base``;
``Store`` creates whatever tables ``Base.metadata`` holds when an event is made
or opened. Rows are only ever written by :mod:`composerlab.event.store`.
Score versions are append-only: a revised score is a new row, never an update.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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


class Judge(Base):
    __tablename__ = "judges"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)


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


class Round(Base):
    __tablename__ = "rounds"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))
    """"random" (dealt evenly), "everyone" (every judge scores everything) or "final"."""
    seed: Mapped[int] = mapped_column(Integer, default=0)
    top: Mapped[int] = mapped_column(Integer, default=3)
    state: Mapped[str] = mapped_column(String(10), default="open")
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

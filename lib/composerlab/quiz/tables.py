"""The live quiz's tables, kept in the event's database beside the event's own.

They hang off their own metadata (:class:`QuizBase`), not the event's: the quiz
does not import the event server (they are siblings in the layers). The server
that hosts both hands the quiz its database engine, and :class:`QuizStore
<composerlab.quiz.store.QuizStore>` creates these tables there.

The keys make the rules hold in the database too: a player's nickname is
unique in a game (case folded), a player has at most one answer and one
scored result per question.
"""
from __future__ import annotations

from sqlalchemy import Float, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class QuizBase(DeclarativeBase):
    """The quiz's tables (created on the event's engine)."""


class QuizGame(QuizBase):
    __tablename__ = "quiz_games"

    pin: Mapped[str] = mapped_column(String(6), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(Text)
    """The questions as JSON (:meth:`Bank.to_dict`): a game keeps its questions even if the bank file changes."""
    state: Mapped[str] = mapped_column(String(10))
    question: Mapped[int] = mapped_column(Integer, default=-1)
    """Index of the current question (-1 in the lobby)."""
    opened_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    """Server clock (seconds since 1970) when the current question opened."""
    closes_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """"time", "host" or "all_answered"."""
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    winner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The first place's nickname once the game is finished (the awards page shows it)."""
    winner_points: Mapped[int | None] = mapped_column(Integer, nullable=True)


class QuizPlayer(QuizBase):
    __tablename__ = "quiz_players"
    __table_args__ = (UniqueConstraint("pin", "nickname_key"),)

    pin: Mapped[str] = mapped_column(String(6), primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Order of joining (0, 1, ...): the last tie-break."""
    token: Mapped[str] = mapped_column(String(64), unique=True)
    nickname: Mapped[str] = mapped_column(String(100))
    nickname_key: Mapped[str] = mapped_column(String(100))
    joined_at: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer, default=0)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    correct_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class QuizAnswer(QuizBase):
    """An accepted answer: at most one per player and question (the primary key)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (ForeignKeyConstraint(["pin", "seat"], ["quiz_players.pin", "quiz_players.seat"]),)

    pin: Mapped[str] = mapped_column(String(6), primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[int] = mapped_column(Integer, primary_key=True)
    choice: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)
    """Server clock when it arrived."""
    seconds: Mapped[float] = mapped_column(Float)
    """Response time from the question's opening."""


class QuizResult(QuizBase):
    """A closed question's outcome for one player (answered or not): scored once, when the question closed."""

    __tablename__ = "quiz_results"
    __table_args__ = (ForeignKeyConstraint(["pin", "seat"], ["quiz_players.pin", "quiz_players.seat"]),)

    pin: Mapped[str] = mapped_column(String(6), primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[int] = mapped_column(Integer, primary_key=True)
    correct: Mapped[bool] = mapped_column()
    points: Mapped[int] = mapped_column(Integer)
    bonus: Mapped[int] = mapped_column(Integer)
    streak: Mapped[int] = mapped_column(Integer)

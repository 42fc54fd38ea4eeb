"""The live quiz in the event's database: every change of a game saved in one transaction.

:class:`QuizStore` is given a SQLAlchemy engine (the event's: the same SQLite
file in WAL mode, or the same PostgreSQL database) and keeps the quiz's tables
there (:mod:`composerlab.quiz.tables`). After each action on a game the server
calls :meth:`QuizStore.save`, which writes what changed since the last save
(the game's row, new players, new answers, the results of a question that
closed, the players' new points) in one transaction. So a server restart or a
page reload finds every player, answer and point; :meth:`QuizStore.load`
gives each game back as :meth:`Game.to_dict <composerlab.quiz.game.Game.to_dict>`
data for :meth:`Games.restore <composerlab.quiz.games.Games.restore>`.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, inspect, select, update

from composerlab.quiz.game import FINISHED, Game
from composerlab.quiz.scoring import ranked
from composerlab.quiz.tables import QuizAnswer, QuizBase, QuizGame, QuizPlayer, QuizResult

GAME_FIELDS = ("state", "opened_at", "closes_at", "closed_at", "closed_by", "version")


@dataclass
class _Saved:
    """What the database holds of one game (so a save writes only the difference)."""

    players: dict[str, tuple] = field(default_factory=dict)
    """token -> (points, streak, correct_seconds) as stored."""
    answers: set[tuple[str, int]] = field(default_factory=set)
    results: set[tuple[str, int]] = field(default_factory=set)
    row: tuple | None = None


@dataclass
class _Changes:
    """One game's unsaved changes, copied out of the game (so they can be written without holding its lock)."""

    pin: str
    row: tuple
    values: dict = field(default_factory=dict)
    new_game: dict | None = None
    new_players: list[dict] = field(default_factory=list)
    changed_players: list[tuple] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)


def _without_token(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "token"}


class QuizStore:
    """The quiz's rows in a database shared with the event (create the tables on first use)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        QuizBase.metadata.create_all(engine)
        self._saved: dict[str, _Saved] = {}
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------------
    def save(self, game: Game) -> bool:
        """Write what changed in ``game`` since the last save, in one transaction; False when nothing had."""
        with game.lock:
            changes = self.changes(game)
        return self.commit(changes) if changes else False

    def changes(self, game: Game) -> "_Changes | None":
        """What the database lacks of ``game``, copied out (call it holding ``game.lock``); None when nothing."""
        with self._lock:
            saved = self._saved.setdefault(game.pin, _Saved())
        row = (game.state, game.index, *(getattr(game, k) for k in GAME_FIELDS[1:]))
        c = _Changes(game.pin, row)
        for token, player in game.players.items():
            stored = saved.players.get(token)
            now = (player.points, player.streak, player.correct_seconds)
            if stored is None:
                c.new_players.append({"pin": game.pin, "seat": player.join_order, "token": token,
                                      "nickname": player.nickname, "nickname_key": player.nickname.casefold(),
                                      "joined_at": player.joined_at, "points": now[0], "streak": now[1],
                                      "correct_seconds": now[2]})
            elif stored != now:
                c.changed_players.append((player.join_order, token, now))
            c.answers += [{"pin": game.pin, "seat": player.join_order, "question": q, "choice": a.choice,
                           "at": a.at, "seconds": a.seconds, "token": token}
                          for q, a in player.answers.items() if (token, q) not in saved.answers]
            c.results += [{"pin": game.pin, "seat": player.join_order, "question": q, "correct": r.correct,
                           "points": r.points, "bonus": r.bonus, "streak": r.streak, "token": token}
                          for q, r in player.results.items() if (token, q) not in saved.results]
        if row == saved.row and not (c.new_players or c.changed_players or c.answers or c.results):
            return None
        c.values = dict(zip(("state", "question", *GAME_FIELDS[1:]), row))
        if game.state == FINISHED:
            board = game.scoreboard() if game.players else []
            c.values.update(finished_at=game.clock(), winner=board[0]["nickname"] if board else None,
                            winner_points=board[0]["points"] if board else None)
        if saved.row is None:
            c.new_game = {"pin": game.pin, "title": game.bank.title[:200], "bank": json.dumps(game.bank.to_dict()),
                          "created_at": game.created_at}
        return c

    def commit(self, c: "_Changes") -> bool:
        """Write ``c`` (from :meth:`changes`) in one transaction and remember it as saved."""
        with self.engine.begin() as conn:
            if c.new_game and conn.scalar(select(QuizGame.pin).where(QuizGame.pin == c.pin)) is None:
                conn.execute(insert(QuizGame).values(**c.new_game, **c.values))
            else:
                conn.execute(update(QuizGame).where(QuizGame.pin == c.pin).values(**c.values))
            if c.new_players:
                conn.execute(insert(QuizPlayer), c.new_players)
            if c.answers:
                conn.execute(insert(QuizAnswer), [_without_token(a) for a in c.answers])
            if c.results:
                conn.execute(insert(QuizResult), [_without_token(r) for r in c.results])
            for seat, _, (points, streak, seconds) in c.changed_players:
                conn.execute(update(QuizPlayer).where(QuizPlayer.pin == c.pin, QuizPlayer.seat == seat)
                             .values(points=points, streak=streak, correct_seconds=seconds))
        # Committed: remember it (a failed commit raised above and leaves this as it was).
        with self._lock:
            saved = self._saved.setdefault(c.pin, _Saved())
        saved.row = c.row
        for p in c.new_players:
            saved.players[p["token"]] = (p["points"], p["streak"], p["correct_seconds"])
        for _, token, now in c.changed_players:
            saved.players[token] = now
        saved.answers |= {(a["token"], a["question"]) for a in c.answers}
        saved.results |= {(r["token"], r["question"]) for r in c.results}
        return True

    def forget(self, pin: str) -> None:
        """Drop what this process remembers of a game (its next save compares with nothing and rewrites)."""
        with self._lock:
            self._saved.pop(pin, None)

    # -- reading -----------------------------------------------------------------------------------------
    def load(self, pin: str | None = None) -> list[dict]:
        """Every stored game (or the one with ``pin``) as :meth:`Game.to_dict` data, oldest first."""
        with self.engine.connect() as conn:
            query = select(QuizGame).order_by(QuizGame.created_at)
            if pin is not None:
                query = query.where(QuizGame.pin == pin)
            games = conn.execute(query).mappings().all()
            out = []
            for g in games:
                players = conn.execute(select(QuizPlayer).where(QuizPlayer.pin == g["pin"])
                                       .order_by(QuizPlayer.seat)).mappings().all()
                answers = conn.execute(select(QuizAnswer).where(QuizAnswer.pin == g["pin"])).mappings().all()
                results = conn.execute(select(QuizResult).where(QuizResult.pin == g["pin"])).mappings().all()
                out.append(_game_dict(g, players, answers, results))
        saved = {d["pin"]: _saved_of(d) for d in out}
        with self._lock:
            self._saved.update(saved)
        return out

    def winners(self, limit: int = 3) -> list[dict]:
        """The latest finished game's top ``limit`` (``rank``, ``nickname``, ``points``), [] when none finished."""
        return winners(self.engine, limit)


def winners(engine: Engine, limit: int = 3) -> list[dict]:
    """The latest finished game's top ``limit`` in the database of ``engine`` ([] when none, or no quiz tables).

    Read from the stored rows, so it needs no running game (the awards page, the awards deck); it creates
    nothing, so reading an event that never had a quiz leaves its database as it was.
    """
    if not inspect(engine).has_table(QuizGame.__tablename__):
        return []
    with engine.connect() as conn:
        game = conn.execute(select(QuizGame.pin, QuizGame.title).where(QuizGame.state == FINISHED,
                                                                       QuizGame.winner.is_not(None))
                            .order_by(QuizGame.finished_at.desc()).limit(1)).first()
        if game is None:
            return []
        players = conn.execute(select(QuizPlayer.nickname, QuizPlayer.points, QuizPlayer.correct_seconds,
                                      QuizPlayer.seat).where(QuizPlayer.pin == game.pin)).all()
    rows = [{"nickname": p.nickname, "points": p.points, "correct_seconds": p.correct_seconds,
             "join_order": p.seat} for p in players]
    return [{"rank": r["rank"], "nickname": r["nickname"], "points": r["points"], "pin": game.pin,
             "title": game.title} for r in ranked(rows)[:limit]]


def _game_dict(g, players, answers, results) -> dict:
    by_seat = {p["seat"]: {"token": p["token"], "nickname": p["nickname"], "join_order": p["seat"],
                           "joined_at": p["joined_at"], "points": p["points"], "streak": p["streak"],
                           "correct_seconds": p["correct_seconds"], "answers": {}, "results": {}} for p in players}
    for a in answers:
        by_seat[a["seat"]]["answers"][str(a["question"])] = {"choice": a["choice"], "at": a["at"],
                                                             "seconds": a["seconds"]}
    for r in results:
        by_seat[r["seat"]]["results"][str(r["question"])] = {"correct": bool(r["correct"]), "points": r["points"],
                                                             "bonus": r["bonus"], "streak": r["streak"]}
    return {"pin": g["pin"], "bank": json.loads(g["bank"]), "created_at": g["created_at"], "state": g["state"],
            "index": g["question"], "opened_at": g["opened_at"], "closes_at": g["closes_at"],
            "closed_at": g["closed_at"], "closed_by": g["closed_by"], "version": g["version"],
            "players": [by_seat[s] for s in sorted(by_seat)]}


def _saved_of(data: dict) -> _Saved:
    saved = _Saved(row=(data["state"], data["index"], *(data[k] for k in GAME_FIELDS[1:])))
    for p in data["players"]:
        saved.players[p["token"]] = (p["points"], p["streak"], p["correct_seconds"])
        saved.answers |= {(p["token"], int(q)) for q in p["answers"]}
        saved.results |= {(p["token"], int(q)) for q in p["results"]}
    return saved

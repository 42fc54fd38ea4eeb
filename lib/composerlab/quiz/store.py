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

from sqlalchemy import Engine, insert, select, update

from composerlab.quiz.game import FINISHED, Game
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


class QuizStore:
    """The quiz's rows in a database shared with the event (create the tables on first use)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        QuizBase.metadata.create_all(engine)
        self._saved: dict[str, _Saved] = {}
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------------
    def save(self, game: Game) -> bool:
        """Write what changed in ``game`` since the last save, in one transaction; False when nothing had.

        Call it holding ``game.lock``, right after the action, so that the saves
        of one game follow the order of its changes.
        """
        with self._lock:
            saved = self._saved.setdefault(game.pin, _Saved())
        row = (game.state, game.index, *(getattr(game, k) for k in GAME_FIELDS[1:]))
        new_players, changed_players, answers, results = [], [], [], []
        for token, player in game.players.items():
            stored = saved.players.get(token)
            now = (player.points, player.streak, player.correct_seconds)
            if stored is None:
                new_players.append(player)
            elif stored != now:
                changed_players.append(player)
            answers += [(player, q, a) for q, a in player.answers.items() if (token, q) not in saved.answers]
            results += [(player, q, r) for q, r in player.results.items() if (token, q) not in saved.results]
        if row == saved.row and not (new_players or changed_players or answers or results):
            return False
        finished = game.state == FINISHED
        board = game.scoreboard() if finished and game.players else []
        values = dict(zip(("state", "question", *GAME_FIELDS[1:]), row))
        if finished:
            values.update(finished_at=game.clock(), winner=board[0]["nickname"] if board else None,
                          winner_points=board[0]["points"] if board else None)
        with self.engine.begin() as conn:
            if saved.row is None and conn.scalar(select(QuizGame.pin).where(QuizGame.pin == game.pin)) is None:
                conn.execute(insert(QuizGame).values(pin=game.pin, title=game.bank.title[:200],
                                                     bank=json.dumps(game.bank.to_dict()),
                                                     created_at=game.created_at, **values))
            else:
                conn.execute(update(QuizGame).where(QuizGame.pin == game.pin).values(**values))
            if new_players:
                conn.execute(insert(QuizPlayer), [
                    {"pin": game.pin, "seat": p.join_order, "token": p.token, "nickname": p.nickname,
                     "nickname_key": p.nickname.casefold(), "joined_at": p.joined_at, "points": p.points,
                     "streak": p.streak, "correct_seconds": p.correct_seconds} for p in new_players])
            if answers:
                conn.execute(insert(QuizAnswer), [
                    {"pin": game.pin, "seat": p.join_order, "question": q, "choice": a.choice, "at": a.at,
                     "seconds": a.seconds} for p, q, a in answers])
            if results:
                conn.execute(insert(QuizResult), [
                    {"pin": game.pin, "seat": p.join_order, "question": q, "correct": r.correct,
                     "points": r.points, "bonus": r.bonus, "streak": r.streak} for p, q, r in results])
            for p in changed_players:
                conn.execute(update(QuizPlayer).where(QuizPlayer.pin == game.pin, QuizPlayer.seat == p.join_order)
                             .values(points=p.points, streak=p.streak, correct_seconds=p.correct_seconds))
        # Committed: remember it (a failed commit raised above and leaves this as it was).
        saved.row = row
        for p in new_players + changed_players:
            saved.players[p.token] = (p.points, p.streak, p.correct_seconds)
        saved.answers |= {(p.token, q) for p, q, _ in answers}
        saved.results |= {(p.token, q) for p, q, _ in results}
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
    from sqlalchemy import inspect

    from composerlab.quiz.scoring import ranked

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

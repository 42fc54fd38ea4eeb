"""The event's rows and files: :class:`Store` opens an event and owns every write to it.

An event lives in a folder: ``event.db`` (SQLite in WAL mode, or any SQLAlchemy URL given as ``db_url``,
such as PostgreSQL when several server processes share one event) and ``submissions/`` (the MIDI files,
named by the server). Every write is one transaction (:mod:`composerlab.event.database`); uploads are
checked and written by :mod:`composerlab.event.submissions`, whose files reach the disk before their rows
commit, so a file a crash left without its row is moved aside to ``submissions/.unacknowledged/`` when
the event is opened again.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from composerlab.event import files, rules, submissions
from composerlab.event.database import Database
from composerlab.event.rules import EventError, clean_text, slug
from composerlab.event.submissions import Receipt
from composerlab.event.tables import Assignment, Base, Event, Judge, Round, ScoreVersion, Submission, utcnow

SCORE_CONTEXT = (
    select(Round.name, Assignment.id, select(func.max(ScoreVersion.version)).where(
        ScoreVersion.round == Round.name, ScoreVersion.judge_id == bindparam("judge"),
        ScoreVersion.submission_id == bindparam("piece")).scalar_subquery())
    .outerjoin(Assignment, and_(Assignment.round == Round.name, Assignment.judge_id == bindparam("judge"),
                                Assignment.submission_id == bindparam("piece")))
    .where(Round.state == "open").limit(1))
"""What a judge's score needs, in one query built once: the open round, whether the piece is assigned to the
judge in it, and the judge's last version of its score. A score is the request judges send most, and
building its queries each time cost more CPU than running them."""

DB_NAME = "event.db"
SUBMISSIONS = "submissions"
MAX_COMMENT = 4000


class Store(Database):
    """An event's database and files. Open one with :meth:`create` or :meth:`open`."""

    def __init__(self, event_dir: str | Path, db_url: str | None = None):
        self.dir = Path(event_dir).resolve()
        self.files = self.dir / SUBMISSIONS
        self.staging = files.staging_threads()  # where uploads' files are written and linked
        self._event: Event | None = None
        self._judges: list[Judge] | None = None
        super().__init__(db_url or f"sqlite:///{self.dir / DB_NAME}")

    def close(self) -> None:
        self.staging.shutdown(wait=True)
        super().close()

    # -- opening -----------------------------------------------------------------------------------------------
    @classmethod
    def create(cls, event_dir: str | Path, name: str, judges: list[str], max_per_composer: int = 3,
               max_mb: float = 2.0, db_url: str | None = None) -> "Store":
        """Make a new event in ``event_dir`` (refused when one is there already)."""
        name = clean_text(name, "the event name", 200, True)
        judges = [clean_text(j, "a judge's name", 100, True) for j in judges]
        if not judges:
            raise EventError("name at least one judge (--judges \"Ada,Ben,Cleo\")", 422)
        if len({j.casefold() for j in judges}) != len(judges):
            raise EventError(f"two judges have the same name: {', '.join(judges)}", 422)
        if max_per_composer < 1 or max_mb <= 0:
            raise EventError("the per-composer limit and the size limit must be positive", 422)
        store = cls(event_dir, db_url)
        store.dir.mkdir(parents=True, exist_ok=True)
        Base.metadata.create_all(store.engine)
        with store.write() as s:
            if s.scalar(select(func.count()).select_from(Event)):
                raise EventError(f"{store.dir} already holds an event; choose another folder", 409)
            s.add(Event(id=1, name=name, slug=slug(name, 30) or "event", admin_token=secrets.token_urlsafe(18),
                        max_per_composer=max_per_composer, max_bytes=int(max_mb * 1024 * 1024), revision=1))
            s.add_all(Judge(name=j, token=secrets.token_urlsafe(18)) for j in judges)
        store.files.mkdir(exist_ok=True)
        return store

    @classmethod
    def open(cls, event_dir: str | Path, db_url: str | None = None) -> "Store":
        """Open an existing event (tables added since it was made are created, nothing is dropped)."""
        store = cls(event_dir, db_url)
        if db_url is None and not (store.dir / DB_NAME).is_file():
            raise EventError(f"{store.dir} holds no event; make one with 'composerlab event new {event_dir}'", 404)
        Base.metadata.create_all(store.engine)
        if store.event() is None:
            raise EventError(f"the database of {store.dir} holds no event", 404)
        store.judges()  # read now, not by the first judge's request (on the server's event loop)
        store.files.mkdir(exist_ok=True)
        store.recover()
        return store

    def recover(self) -> list[str]:
        """Move files without a row (a crash between the link and the commit) to ``.unacknowledged/``."""
        with self.read() as s:
            known = set(s.scalars(select(Submission.stored_as)))
        return files.recover(self.files, known)

    # -- who is who --------------------------------------------------------------------------------------------
    def event(self) -> Event | None:
        """The event's row. Its settings never change after :meth:`create`, so it is read once and kept;
        its ``revision`` is not kept fresh here (use :meth:`revision`). Every upload and page needs it."""
        if self._event is None:
            with self.read() as s:
                self._event = s.get(Event, 1)
        return self._event

    def judges(self) -> list[Judge]:
        """The event's judges, in order. They are named when the event is created and never change, so they
        are read once and kept: every judge's request looks its token up here."""
        if self._judges is None:
            with self.read() as s:
                self._judges = list(s.scalars(select(Judge).order_by(Judge.id)))
        return list(self._judges)

    def judge_for(self, token: str) -> Judge | None:
        """The judge whose private token this is (compared in constant time), or None."""
        found = None
        for judge in self.judges():
            if secrets.compare_digest(judge.token.encode(), token.encode()):
                found = judge
        return found

    def is_admin(self, token: str) -> bool:
        return secrets.compare_digest(self.event().admin_token.encode(), token.encode())

    # -- submissions -------------------------------------------------------------------------------------------
    def add_submission(self, alias: str | None, title: str | None, original_name: str | None,
                       data: bytes) -> Receipt:
        """Check and store one upload; raises :class:`EventError` (nothing stored) when refused.

        The server does the same in two halves, checking each upload as it arrives and writing whatever
        arrived meanwhile together (:mod:`composerlab.event.uploads`).
        """
        checked = submissions.check(self.event(), alias, title, original_name, data)
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

    def path_of(self, row: Submission) -> Path:
        return self.files / row.stored_as

    # -- rounds ------------------------------------------------------------------------------------------------
    def rounds(self) -> dict[str, Round]:
        with self.read() as s:
            return {r.name: r for r in s.scalars(select(Round))}

    def current_round(self) -> Round | None:
        return next((r for r in self.rounds().values() if r.state == "open"), None)

    def open_preliminary(self, mode: str = "random", seed: int | None = None) -> Round:
        """Open the preliminary round: deal the eligible pieces evenly and at random, or give everyone everything."""
        if mode not in ("random", "everyone"):
            raise EventError(f"mode is 'random' or 'everyone', not '{mode}'", 422)
        seed = secrets.randbelow(1_000_000) if seed is None else int(seed)
        with self.write() as s:
            if s.get(Round, "preliminary") is not None:
                raise EventError("the preliminary round has been opened already", 409)
            pieces = list(s.scalars(select(Submission.id).where(Submission.eligible)))
            if not pieces:
                raise EventError("there are no eligible submissions yet", 409)
            judges = list(s.scalars(select(Judge.id)))
            plan = rules.deal(pieces, judges, seed) if mode == "random" else rules.everyone(pieces, judges)
            s.add(Round(name="preliminary", mode=mode, seed=seed, state="open"))
            s.flush()
            s.add_all(Assignment(round="preliminary", judge_id=j, submission_id=p) for j, ps in plan.items() for p in ps)
        return self.rounds()["preliminary"]

    def open_final(self, top: int = rules.DEFAULT_FINALISTS) -> Round:
        """Open the final: each judge's ``top`` pieces, judged by every other judge."""
        with self.write() as s:
            prelim = s.get(Round, "preliminary")
            if prelim is None or prelim.state != "closed":
                raise EventError("close the preliminary round before opening the final", 409)
            if prelim.mode == "everyone":
                raise EventError("every judge scored everything in the preliminary round: its leaderboard is final",
                                 409)
            if s.get(Round, "final") is not None:
                raise EventError("the final has been opened already", 409)
            assigned, marks = self.round_facts(s, "preliminary")
            try:
                sent = rules.finalists(assigned, marks, top)
                plan = rules.final_assignment(sent, list(s.scalars(select(Judge.id))))
            except rules.RuleError as err:
                raise EventError(str(err), 409) from None
            sender = {p: j for j, ps in sent.items() for p in ps}
            s.add(Round(name="final", mode="final", seed=prelim.seed, top=top, state="open"))
            s.flush()
            s.add_all(Assignment(round="final", judge_id=j, submission_id=p, sent_by=sender[p])
                      for j, ps in plan.items() for p in ps)
        return self.rounds()["final"]

    def close_round(self, name: str) -> Round:
        with self.write() as s:
            found = s.get(Round, name)
            if found is None or found.state != "open":
                raise EventError(f"the {name} round is not open", 409)
            found.state, found.closed_at = "closed", utcnow()
        return self.rounds()[name]

    def assignments(self, judge_id: int, round_name: str) -> list[Submission]:
        with self.read() as s:
            return list(s.scalars(select(Submission).join(Assignment, Assignment.submission_id == Submission.id)
                                  .where(Assignment.round == round_name, Assignment.judge_id == judge_id)
                                  .order_by(Submission.id)))

    def assigned_ids(self, round_name: str) -> set[int]:
        """Every piece someone must score in a round."""
        with self.read() as s:
            return set(s.scalars(select(Assignment.submission_id).where(Assignment.round == round_name)))

    # -- scores ------------------------------------------------------------------------------------------------
    def put_score(self, judge_id: int, submission_id: int, originality: int, balance: int, emotional: int,
                  comment: str = "") -> ScoreVersion:
        """Record a judge's score (a new version; earlier ones are kept) in the open round."""
        values = {"originality": originality, "balance": balance, "emotional": emotional}
        for name, value in values.items():
            if type(value) is not int or not 1 <= value <= 5:
                raise EventError(f"{name} must be a whole number from 1 to 5, not {value!r}", 422)
        comment = clean_text(comment, "the comment", MAX_COMMENT, False)

        def add_version(s: Session) -> ScoreVersion:
            found = s.execute(SCORE_CONTEXT, {"judge": judge_id, "piece": submission_id}).first()
            if found is None:
                raise EventError("no round is open: scores can be changed only while their round is open", 409)
            round_name, assigned, last = found
            if assigned is None:
                raise EventError(f"submission {submission_id} is not assigned to you in the {round_name} round", 403)
            row = ScoreVersion(round=round_name, judge_id=judge_id, submission_id=submission_id,
                               version=(last or 0) + 1, comment=comment, created_at=utcnow(), **values)
            s.add(row)
            s.flush()
            return row

        return self.write_grouped(add_version)

    def latest_scores(self, round_name: str, judge_id: int | None = None) -> list[ScoreVersion]:
        """Each judge's latest score per piece in a round."""
        with self.read() as s:
            return self._latest(s, round_name, judge_id)

    @staticmethod
    def _latest(s: Session, round_name: str, judge_id: int | None = None) -> list[ScoreVersion]:
        newest = (select(ScoreVersion.judge_id, ScoreVersion.submission_id,
                         func.max(ScoreVersion.version).label("v"))
                  .where(ScoreVersion.round == round_name).group_by(ScoreVersion.judge_id, ScoreVersion.submission_id)
                  .subquery())
        query = select(ScoreVersion).join(newest, (ScoreVersion.judge_id == newest.c.judge_id)
                                          & (ScoreVersion.submission_id == newest.c.submission_id)
                                          & (ScoreVersion.version == newest.c.v)).where(ScoreVersion.round == round_name)
        if judge_id is not None:
            query = query.where(ScoreVersion.judge_id == judge_id)
        return list(s.scalars(query.order_by(ScoreVersion.submission_id, ScoreVersion.judge_id)))

    def round_facts(self, s: Session, round_name: str) -> tuple[dict[int, list[int]], list[rules.Mark]]:
        """Who must score what in a round (``{judge: [piece, ...]}``) and each judge's latest marks."""
        assigned: dict[int, list[int]] = {}
        for judge_id, piece in s.execute(select(Assignment.judge_id, Assignment.submission_id)
                                         .where(Assignment.round == round_name)):
            assigned.setdefault(judge_id, []).append(piece)
        marks = [rules.Mark(v.judge_id, v.submission_id, v.originality, v.balance, v.emotional)
                 for v in self._latest(s, round_name)]
        return assigned, marks

    def history(self, round_name: str, judge_id: int) -> dict[int, list[ScoreVersion]]:
        """A judge's versions of each score in a round, newest first, by submission id (their audit trail)."""
        with self.read() as s:
            rows = s.scalars(select(ScoreVersion).where(ScoreVersion.round == round_name,
                                                        ScoreVersion.judge_id == judge_id)
                             .order_by(ScoreVersion.submission_id, ScoreVersion.version.desc()))
            trail: dict[int, list[ScoreVersion]] = {}
            for row in rows:
                trail.setdefault(row.submission_id, []).append(row)
            return trail

    def score_versions(self) -> list[ScoreVersion]:
        """Every version of every score, oldest first (the audit trail)."""
        with self.read() as s:
            return list(s.scalars(select(ScoreVersion).order_by(ScoreVersion.id)))

    def standings(self, round_name: str) -> list[rules.Standing]:
        """The round's leaderboard (pieces every assigned judge has scored), ranked."""
        if round_name not in rules.ROUNDS:
            raise EventError(f"round is 'preliminary' or 'final', not '{round_name}'", 422)
        with self.read() as s:
            assigned, marks = self.round_facts(s, round_name)
        return rules.standings(assigned, marks)

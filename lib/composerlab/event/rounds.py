"""The store's rounds and scores: open, deal, close; a judge's score versions; a round's board and progress.

:class:`Rounds` is part of :class:`~composerlab.event.store.Store` (which it is mixed into): every write is
one of the store's transactions, the rules come from :mod:`~composerlab.event.rules`. A withdrawn piece
leaves every round: its assignments and scores are kept, but no page, board or progress counts them.
"""
from __future__ import annotations

import secrets

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session

from composerlab.event import rules, settings
from composerlab.event.rules import EventError
from composerlab.event.tables import AIRun, AIScore, Assignment, Event, Judge, Round, ScoreVersion, Submission, utcnow

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
MAX_COMMENT = 4000
ACTIVE = select(Submission.id).where(Submission.withdrawn.is_(False))
"""The pieces still in the competition (a subquery every round's reads filter on)."""


class Rounds:
    """Rounds, assignments and scores (mixed into the store)."""

    def rounds(self) -> dict[str, Round]:
        with self.read() as s:
            return {r.name: r for r in s.scalars(select(Round))}

    def current_round(self) -> Round | None:
        return next((r for r in self.rounds().values() if r.state == "open"), None)

    def deciding_round(self) -> str:
        """The round whose board gives the judges' award: the final, or the preliminary when every judge
        scored everything in it (its board is the result)."""
        prelim = self.rounds().get("preliminary")
        return "preliminary" if prelim is not None and prelim.mode == "everyone" else "final"

    def open_preliminary(self, mode: str | None = None, seed: int | None = None,
                         from_ai_top: int | None = None) -> Round:
        """Open the preliminary round over the pieces that count for the judges: dealt evenly and at random
        (``random``), or every judge scores everything (``everyone``, the default with ``from_ai_top``).

        ``from_ai_top``: only the AI judge's top N of those pieces (its last run must be done and cover
        them). Opening it closes submissions if they are still open.
        """
        mode = mode or ("everyone" if from_ai_top else "random")
        if mode not in ("random", "everyone"):
            raise EventError(f"mode is 'random' or 'everyone', not '{mode}'", 422)
        if from_ai_top is not None and from_ai_top < 1:
            raise EventError(f"from_ai_top is how many of the AI judge's best pieces to deal: 1 or more, "
                             f"not {from_ai_top}", 422)
        seed = secrets.randbelow(1_000_000) if seed is None else int(seed)
        pieces = self.for_judges()
        run_id = None
        if from_ai_top is not None:
            run_id, pieces = self.ai_top(pieces, from_ai_top)
        with self.write() as s:
            if s.get(Round, "preliminary") is not None:
                raise EventError("the preliminary round has been opened already", 409)
            if not pieces:
                raise EventError("there are no eligible submissions yet", 409)
            judges = list(s.scalars(select(Judge.id).where(Judge.present, Judge.removed.is_(False))))
            if not judges:
                raise EventError("no judge is present: add one or mark one present first", 409)
            plan = rules.deal(pieces, judges, seed) if mode == "random" else rules.everyone(pieces, judges)
            event = s.get(Event, 1)
            if event.submissions_open:
                event.submissions_open, event.closed_at = False, utcnow()
            s.add(Round(name="preliminary", mode=mode, seed=seed, state="open", ai_top=from_ai_top, ai_run=run_id))
            s.flush()
            s.add_all(Assignment(round="preliminary", judge_id=j, submission_id=p) for j, ps in plan.items() for p in ps)
        self.event(fresh=True)
        return self.rounds()["preliminary"]

    def ai_top(self, pieces: list[int], n: int) -> tuple[int, list[int]]:
        """The AI judge's last run and its ``n`` best of ``pieces`` (409 when it is not done or misses some)."""
        with self.read() as s:
            run = s.scalar(select(AIRun).order_by(AIRun.id.desc()).limit(1))
            if run is None or run.state != "done":
                state = "has not run" if run is None else f"is {run.state}"
                raise EventError(f"the AI judge {state}: run it over the submissions first, then deal its top {n}",
                                 409)
            scored = {row.submission_id: row.score for row in s.scalars(select(AIScore).where(AIScore.run_id == run.id))}
        missing = [p for p in pieces if p not in scored]
        if missing:
            raise EventError(f"{settings.pieces_text(len(missing))} (#{', #'.join(map(str, missing))}) arrived after "
                             "the AI judge's last run: run it again, then deal its top pieces", 409)
        ranked = sorted((p for p in pieces if scored[p] is not None), key=lambda p: (-scored[p], p))
        return run.id, sorted(ranked[:n])

    def open_final(self, top: int = rules.DEFAULT_FINALISTS) -> Round:
        """Open the final: each judge's ``top`` pieces, judged by every other present judge (with one judge
        left, by that judge alone, their own included: the round's note says so)."""
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
            present = list(s.scalars(select(Judge.id).where(Judge.present, Judge.removed.is_(False))))
            try:
                sent = rules.finalists(assigned, marks, top)
                plan = rules.final_assignment(sent, present)
            except rules.RuleError as err:
                raise EventError(str(err), 409) from None
            sender = {p: j for j, ps in sent.items() for p in ps}
            note = ""
            if len(present) == 1:
                name = s.get(Judge, present[0]).name
                note = f"one judge left: {name} scored every finalist, their own included"
            s.add(Round(name="final", mode="final", seed=prelim.seed, top=top, state="open", note=note))
            s.flush()
            s.add_all(Assignment(round="final", judge_id=j, submission_id=p, sent_by=sender[p])
                      for j, ps in plan.items() for p in ps)
        return self.rounds()["final"]

    def close_round(self, name: str, confirm: bool = False) -> Round:
        """Close a round: its scores can no longer change. With pieces still unscored it is refused (409,
        naming them) unless ``confirm``."""
        missing = self.unscored(name)
        if missing and not confirm:
            listed = "; ".join(f"#{m['id']} {m['title']} ({m['judge']})" for m in missing[:12])
            raise EventError(f"{settings.pieces_text(len(missing), 'score')} still missing in the {name} round: "
                             f"{listed}{' ...' if len(missing) > 12 else ''}. Close it anyway with confirm", 409)
        with self.write() as s:
            found = s.get(Round, name)
            if found is None or found.state != "open":
                raise EventError(f"the {name} round is not open", 409)
            found.state, found.closed_at = "closed", utcnow()
        return self.rounds()[name]

    def assignments(self, judge_id: int, round_name: str) -> list[Submission]:
        with self.read() as s:
            return list(s.scalars(select(Submission).join(Assignment, Assignment.submission_id == Submission.id)
                                  .where(Assignment.round == round_name, Assignment.judge_id == judge_id,
                                         Submission.withdrawn.is_(False))
                                  .order_by(Submission.id)))

    def assigned_ids(self, round_name: str) -> set[int]:
        """Every piece someone must score in a round."""
        with self.read() as s:
            return set(s.scalars(select(Assignment.submission_id).where(Assignment.round == round_name,
                                                                        Assignment.submission_id.in_(ACTIVE))))

    def finalists_sent(self) -> dict[int, int]:
        """Each piece in the final and the judge who sent it there (empty before the final)."""
        with self.read() as s:
            return dict(s.execute(select(Assignment.submission_id, Assignment.sent_by)
                                  .where(Assignment.round == "final").distinct()).all())

    # -- scores ------------------------------------------------------------------------------------------------
    def put_score(self, judge_id: int, submission_id: int, originality: int, balance: int, emotional: int,
                  comment: str = "") -> ScoreVersion:
        """Record a judge's score (a new version; earlier ones are kept) in the open round."""
        values = {"originality": originality, "balance": balance, "emotional": emotional}
        for name, value in values.items():
            if type(value) is not int or not 1 <= value <= 5:
                raise EventError(f"{name} must be a whole number from 1 to 5, not {value!r}", 422)
        comment = rules.clean_text(comment, "the comment", MAX_COMMENT, False)

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
            return self.latest_in(s, round_name, judge_id)

    @staticmethod
    def latest_in(s: Session, round_name: str, judge_id: int | None = None) -> list[ScoreVersion]:
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
        """Who must score what in a round (``{judge: [piece, ...]}``) and each judge's latest marks; pieces
        withdrawn since are left out."""
        assigned: dict[int, list[int]] = {}
        for judge_id, piece in s.execute(select(Assignment.judge_id, Assignment.submission_id)
                                         .where(Assignment.round == round_name, Assignment.submission_id.in_(ACTIVE))):
            assigned.setdefault(judge_id, []).append(piece)
        marks = [rules.Mark(v.judge_id, v.submission_id, v.originality, v.balance, v.emotional)
                 for v in self.latest_in(s, round_name)]
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

    def unscored(self, round_name: str) -> list[dict]:
        """Every ``{"id", "title", "judge"}`` still waiting for a judge's score in a round."""
        with self.read() as s:
            assigned, marks = self.round_facts(s, round_name)
            titles = dict(s.execute(select(Submission.id, Submission.title)).all())
        judges = {j.id: j.name for j in self.judges()}
        done = {(m.judge, m.submission) for m in marks}
        return [{"id": p, "title": titles[p], "judge": judges[j]} for j, ps in sorted(assigned.items())
                for p in sorted(ps) if (j, p) not in done]

    def progress(self) -> dict:
        """The open round's progress per judge: ``{"round", "judges": {name: {"assigned", "scored", "present",
        "removed"}}}`` (every judge listed; a round of None when none is open)."""
        current = self.current_round()
        counts: dict[int, list[int]] = {}
        if current is not None:
            with self.read() as s:
                assigned, marks = self.round_facts(s, current.name)
            done = {(m.judge, m.submission) for m in marks}
            counts = {j: [len(ps), sum((j, p) in done for p in ps)] for j, ps in assigned.items()}
        return {"round": current.name if current else None,
                "judges": {j.name: {"assigned": counts.get(j.id, [0, 0])[0], "scored": counts.get(j.id, [0, 0])[1],
                                    "present": j.present, "removed": j.removed} for j in self.judges()}}

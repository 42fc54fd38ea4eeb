"""The store's panel of judges during the day: add one, mark one absent or present, remove one.

:class:`Panel` is part of :class:`~composerlab.event.store.Store`. An absent or removed judge's unscored
pieces of the open round move to the judges present, evenly, never to a judge who sent that piece to
the final (:func:`composerlab.event.rules.plan_moves`); what could not move is said, never dropped silently.
"""
from __future__ import annotations

import secrets

from sqlalchemy import delete, select, update

from composerlab.event import rules
from composerlab.event.rules import EventError, clean_text
from composerlab.event.tables import Assignment, Judge, Round


class Panel:
    """The judges' changes (mixed into the store)."""

    def judge_named(self, name: str) -> Judge:
        found = next((j for j in self.judges() if j.name.casefold() == (name or "").strip().casefold()), None)
        if found is None:
            names = ", ".join(j.name for j in self.judges() if not j.removed)
            raise EventError(f"there is no judge named '{name}'; the judges: {names}", 404)
        return found

    def add_judge(self, name: str) -> Judge:
        """A new judge with a private token; present at once (pieces moved from an absent judge reach them)."""
        name = clean_text(name, "the judge's name", 100, True)
        with self.write() as s:
            taken = {n.casefold() for n in s.scalars(select(Judge.name))}
            if name.casefold() in taken:
                raise EventError(f"there is a judge named '{name}' already", 409)
            judge = Judge(name=name, token=secrets.token_urlsafe(18))
            s.add(judge)
        self.forget_judges()
        return self.judge_named(name)

    def mark_absent(self, name: str) -> dict:
        """Mark a judge absent: their unscored pieces of the open round move to the judges present (evenly,
        never to a piece's sender). Returns ``{"moved", "dropped", "to_sender", "stuck", "round"}``."""
        return self.set_presence(name, present=False)

    def mark_present(self, name: str) -> dict:
        """A judge is back: later rounds deal to them again (nothing moved away comes back)."""
        return self.set_presence(name, present=True)

    def remove_judge(self, name: str) -> dict:
        """Remove a judge: their link stops working, their unscored pieces move as for an absence; every
        score they gave stays (boards and exports)."""
        return self.set_presence(name, present=False, remove=True)

    def set_presence(self, name: str, present: bool, remove: bool = False) -> dict:
        judge = self.judge_named(name)
        if judge.removed:
            raise EventError(f"{judge.name} was removed from the panel; add a judge instead", 409)
        report = {"judge": judge.name, "round": None, "moved": 0, "dropped": 0, "to_sender": 0, "stuck": []}
        with self.write() as s:
            s.execute(update(Judge).where(Judge.id == judge.id).values(present=present, removed=remove))
            current = s.scalar(select(Round).where(Round.state == "open"))
            if not present and current is not None:
                report.update(self.move_pieces(s, current, judge.id))
        self.forget_judges()
        return report

    def move_pieces(self, s, current: Round, absent: int) -> dict:
        """Move ``absent``'s unscored pieces of the open round (within the write transaction ``s``)."""
        assigned, marks = self.round_facts(s, current.name)
        scored = {m.submission for m in marks if m.judge == absent}
        pieces = [p for p in assigned.get(absent, []) if p not in scored]
        present = list(s.scalars(select(Judge.id).where(Judge.present, Judge.removed.is_(False))))
        judges_of: dict[int, set[int]] = {}
        for judge, ps in assigned.items():
            for piece in ps:
                judges_of.setdefault(piece, set()).add(judge)
        senders: dict[int, set[int]] = {}
        for piece, sender in s.execute(select(Assignment.submission_id, Assignment.sent_by)
                                       .where(Assignment.round == current.name, Assignment.sent_by.is_not(None))):
            senders.setdefault(piece, set()).add(sender)
        plan = rules.plan_moves(pieces, absent, present, judges_of, senders,
                                {j: len(ps) for j, ps in assigned.items()}, current.seed)
        for piece, judge in {**plan.moved, **plan.to_sender}.items():
            s.execute(update(Assignment).where(Assignment.round == current.name, Assignment.judge_id == absent,
                                               Assignment.submission_id == piece)
                      .values(judge_id=judge, moved_from=absent))
        if plan.dropped:
            s.execute(delete(Assignment).where(Assignment.round == current.name, Assignment.judge_id == absent,
                                               Assignment.submission_id.in_(plan.dropped)))
        if plan.to_sender:
            who = s.get(Judge, next(iter(plan.to_sender.values()))).name
            pieces_text = ", ".join(f"#{p}" for p in sorted(plan.to_sender))
            note = f"one judge left: {who} scored {pieces_text} though they sent them"
            current.note = f"{current.note}; {note}" if current.note else note
        return {"round": current.name, "moved": len(plan.moved) + len(plan.to_sender), "dropped": len(plan.dropped),
                "to_sender": len(plan.to_sender), "stuck": sorted(plan.stuck)}

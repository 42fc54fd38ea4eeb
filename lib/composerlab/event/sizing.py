"""How long the human judging takes for a given event: the playbook's sizing table is computed here.

Contestants x pieces per contestant for the judges x judges x minutes per piece give each round's
minutes per judge (the judges work side by side, so the round lasts as long as the busiest judge), for
the two ways the server deals a round: dealt evenly (a preliminary, then each judge's top pieces to the
others in a final) or every judge scoring everything (one round, the board is the result).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from composerlab.event.rules import DEFAULT_FINALISTS


@dataclass(frozen=True)
class Sizing:
    """Minutes of judging for one event, per judge and per round (a round lasts its busiest judge's time)."""

    pieces: int
    preliminary: int
    """Minutes the busiest judge spends in the preliminary (dealt evenly) round."""
    final: int
    """Minutes each judge spends in the final (the other judges' top pieces)."""
    everyone: int
    """Minutes of the one round where every judge scores every piece."""

    @property
    def dealt(self) -> int:
        """Preliminary and final together."""
        return self.preliminary + self.final


def judging_time(contestants: int, pieces_per_contestant: int, judges: int, minutes_per_piece: int,
                 top: int = DEFAULT_FINALISTS) -> Sizing:
    """The judging minutes for ``contestants`` sending ``pieces_per_contestant`` each to ``judges`` judges.

    Dealt evenly, the busiest judge hears ``ceil(pieces / judges)`` pieces; in the final each judge hears the
    other judges' top ``top`` (with one judge, that judge's own top). Everyone-scores-everything: every judge
    hears every piece.
    """
    if min(contestants, pieces_per_contestant, judges, minutes_per_piece, top) < 1:
        raise ValueError("contestants, pieces, judges, minutes and finalists must each be at least 1")
    pieces = contestants * pieces_per_contestant
    per_judge = math.ceil(pieces / judges)
    finalists = min(top, per_judge) * (judges - 1 if judges > 1 else 1)
    return Sizing(pieces, per_judge * minutes_per_piece, finalists * minutes_per_piece, pieces * minutes_per_piece)


def hours(minutes: int) -> str:
    """``95`` -> ``1 h 35 min``; ``40`` -> ``40 min``."""
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


SCENARIOS = ((10, 1, 3, 4), (20, 1, 3, 4), (20, 1, 5, 4), (40, 1, 5, 4), (40, 2, 5, 4), (80, 1, 8, 3))
"""The events the playbook's sizing table shows: (contestants, pieces each, judges, minutes per piece)."""


def sizing_table(scenarios=SCENARIOS) -> str:
    """The playbook's sizing table as Markdown (a test checks the playbook holds exactly this)."""
    lines = ["| contestants | pieces each | judges | min per piece | preliminary (per judge) | final (per judge) "
             "| both rounds | everyone scores everything |", "|---|---|---|---|---|---|---|---|"]
    for contestants, each, judges, minutes in scenarios:
        size = judging_time(contestants, each, judges, minutes)
        lines.append(f"| {contestants} | {each} | {judges} | {minutes} | {hours(size.preliminary)} | "
                     f"{hours(size.final)} | {hours(size.dealt)} | {hours(size.everyone)} |")
    return "\n".join(lines)

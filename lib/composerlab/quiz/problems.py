"""What can be wrong with a quiz bank: each problem with its line, and the errors that carry them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a bank: where (line, or question number for inline banks) and what."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line > 0 else self.message


class QuizBankError(ValueError):
    """A bank that cannot be used; ``problems`` lists every reason, each with its line.

    ``str(err)`` reads "event.md: 2 problems" followed by one problem per line,
    so a facilitator can fix them all in one pass.
    """

    def __init__(self, source: str, problems: list[Problem]):
        self.source = str(source)
        self.name = Path(self.source).name or self.source
        self.problems = list(problems)
        count = f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
        super().__init__(f"{self.name}: {count}\n" + "\n".join(f"  {p}" for p in self.problems))


class UnknownBankError(ValueError):
    """A bank name with no file in ``facilitator/quiz/``; the message lists the banks there are."""

    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, list(known)
        super().__init__(f"'{name}' is not a quiz bank; choose one of: {', '.join(self.known) or '(none)'}")

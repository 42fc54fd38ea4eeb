"""The questions of a quiz as data: :class:`Question` and :class:`Bank`.

Both are frozen: a running game (:mod:`composerlab.quiz.game`) and a learner's
quiz (:mod:`composerlab.quiz.selfpaced`) read them, never change them. Banks are
read and checked by :mod:`composerlab.quiz.bank`; ``to_dict`` gives the JSON API's
shape, which :func:`question_from_dict` reads back (for snapshots of a game).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Question:
    """One question of a bank.

    Parameters
    ----------
    text : str
        The question as shown on the big screen.
    choices : tuple of str
        The four answers, in button order.
    answer : tuple of int
        Indices of the correct choices (one or more), ascending.
    seconds : int
        Time limit.
    explanation : str
        Shown after answering in self-paced mode.
    melody : str or None
        A sample melody name (``composerlab.music.samples.SAMPLES``) played with the question.
    picture : str or None
        Absolute path of an image shown with the question.
    line : int or None
        Line of the ``## `` heading in the bank file (None for inline banks).
    """

    text: str
    choices: tuple[str, ...]
    answer: tuple[int, ...]
    seconds: int
    explanation: str = ""
    melody: str | None = None
    picture: str | None = None
    line: int | None = None

    def is_correct(self, choice: int) -> bool:
        return choice in self.answer

    def to_dict(self) -> dict:
        """The API's shape (plus the optional fields that are set); :func:`question_from_dict` reads it back."""
        data = {"question": self.text, "choices": list(self.choices), "answer": list(self.answer),
                "seconds": self.seconds}
        for key in ("explanation", "melody", "picture", "line"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def public(self) -> dict:
        """What a player may see while the question is open: no answer, no explanation."""
        return {"question": self.text, "choices": list(self.choices), "seconds": self.seconds,
                "melody": self.melody, "picture": Path(self.picture).name if self.picture else None}


@dataclass(frozen=True)
class Bank:
    """A checked list of questions, with the bank's title and where it came from."""

    title: str
    questions: tuple[Question, ...]
    source: str = "inline bank"

    def __len__(self) -> int:
        return len(self.questions)

    def to_dict(self) -> dict:
        return {"title": self.title, "source": self.source, "questions": [q.to_dict() for q in self.questions]}

    def select(self, count: int | None, seed: int = 0) -> "Bank":
        """``count`` questions drawn at random (with ``seed``), kept in the bank's order; all when None.

        The event bank holds more questions than a 15-minute game can ask.
        """
        if count is None or count >= len(self.questions):
            return self
        if count < 1:
            raise ValueError(f"a game needs at least one question, not {count}")
        keep = sorted(random.Random(seed).sample(range(len(self.questions)), count))
        return replace(self, questions=tuple(self.questions[i] for i in keep))


def question_from_dict(data: dict) -> Question:
    """Rebuild a :class:`Question` from :meth:`Question.to_dict` (a snapshot; already checked once)."""
    return Question(data["question"], tuple(data["choices"]), tuple(data["answer"]), int(data["seconds"]),
                    data.get("explanation", ""), data.get("melody"), data.get("picture"), data.get("line"))

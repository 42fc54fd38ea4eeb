"""The self-paced quiz: a learner takes a lab's question bank alone, in the notebook.

Four answer buttons in the live game's colours and shapes; after each answer the
right choice and the bank's explanation; at the end the score and the questions to
look at again. There is no clock: a learner reads the explanation at their own
pace. All state lives on the Python side (:class:`SelfPacedQuiz`), so tests drive
it by calling :meth:`SelfPacedQuiz.choose` and :meth:`SelfPacedQuiz.next`, or by
clicking the buttons through ``Button.click()``. ``take_quiz("lab01")`` is the
one call a lab needs.
"""
from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from IPython.display import display

from composerlab.music.samples import load_sample
from composerlab.quiz.bank import read_bank
from composerlab.quiz.questions import Bank
from composerlab.sound.audio import audio_widget

COLOURS = ("#e21b3c", "#1368ce", "#d89e00", "#26890c")
"""Red, blue, yellow, green: the answer colours players know from the live game."""
SHAPES = ("▲", "◆", "●", "■")
"""A shape beside each colour, so the buttons differ without colour vision too."""


class SelfPacedQuiz:
    """One learner's run through a bank.

    Parameters
    ----------
    bank : Bank
        The questions (e.g. ``read_bank("lab01")``).

    Attributes
    ----------
    index : int
        The question shown (0-based); ``len(bank)`` once the quiz is over.
    answers : list of int or None
        The learner's choice per question (None while unanswered).
    widget : ipywidgets.VBox
        Everything; displaying the quiz displays this.
    """

    def __init__(self, bank: Bank):
        if not bank.questions:
            raise ValueError(f"{bank.source}: the bank has no questions")
        self.bank = bank
        self.index = 0
        self.answers: list[int | None] = [None] * len(bank.questions)

        self.header = widgets.HTML()
        self.question = widgets.HTML()
        self.media = widgets.Box(layout=widgets.Layout(flex_flow="column"))
        self.buttons = [self._button(i) for i in range(4)]
        grid = widgets.GridBox(self.buttons, layout=widgets.Layout(
            grid_template_columns="1fr 1fr", grid_gap="8px", width="100%"))
        self.feedback = widgets.HTML()
        self.next_button = widgets.Button(description="Next question", icon="arrow-right",
                                          layout=widgets.Layout(width="200px"))
        self.next_button.on_click(lambda _: self.next())
        self.widget = widgets.VBox([self.header, self.question, self.media, grid, self.feedback,
                                    self.next_button], layout=widgets.Layout(max_width="900px"))
        self._show()

    def _button(self, i: int) -> widgets.Button:
        button = widgets.Button(layout=widgets.Layout(width="100%", height="64px"))
        button.style.button_color = COLOURS[i]
        button.style.text_color = "white"
        button.style.font_weight = "bold"
        button.on_click(lambda _, i=i: self.choose(i))
        return button

    # --- state ---------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.index >= len(self.bank.questions)

    @property
    def score(self) -> int:
        """Correct answers so far."""
        return sum(a is not None and q.is_correct(a) for q, a in zip(self.bank.questions, self.answers))

    def choose(self, choice: int) -> bool:
        """Answer the current question with ``choice`` (0-3); returns whether it was right.

        A second answer to the same question, or one after the end, raises ValueError.
        """
        if self.finished:
            raise ValueError("the quiz is over; take_quiz() starts it again")
        question = self.bank.questions[self.index]
        if self.answers[self.index] is not None:
            raise ValueError(f"question {self.index + 1} is answered already; press Next")
        if not 0 <= choice < len(question.choices):
            raise ValueError(f"choice {choice} is not one of 0-{len(question.choices) - 1}")
        self.answers[self.index] = choice
        right = question.is_correct(choice)
        for i, button in enumerate(self.buttons):
            button.disabled = True
            button.style.button_color = COLOURS[i] if question.is_correct(i) or i == choice else "#bbbbbb"
        correct = " or ".join(f"{SHAPES[i]} {html.escape(question.choices[i])}" for i in question.answer)
        verdict = ("<b style='color:#26890c'>Correct!</b>" if right else
                   f"<b style='color:#e21b3c'>Not quite.</b> The answer: {correct}.")
        explanation = f"<p>{html.escape(question.explanation)}</p>" if question.explanation else ""
        self.feedback.value = f"<div style='font-size:1.1em'>{verdict}{explanation}</div>"
        last = self.index == len(self.bank.questions) - 1
        self.next_button.description = "See your score" if last else "Next question"
        self.next_button.disabled = False
        return right

    def next(self) -> None:
        """Go on to the next question (or the final score) once the current one is answered."""
        if self.finished:
            return
        if self.answers[self.index] is None:
            raise ValueError(f"answer question {self.index + 1} first")
        self.index += 1
        self._show()

    # --- drawing -------------------------------------------------------------------
    def _show(self) -> None:
        total = len(self.bank.questions)
        title = html.escape(self.bank.title)
        if self.finished:
            self._show_score(title, total)
            return
        question = self.bank.questions[self.index]
        self.header.value = f"<h3>{title}</h3><p>Question {self.index + 1} of {total} · score {self.score}</p>"
        self.question.value = f"<div style='font-size:1.3em;font-weight:bold'>{html.escape(question.text)}</div>"
        self.media.children = self._media(question)
        for i, button in enumerate(self.buttons):
            shown = i < len(question.choices)
            button.layout.visibility = "visible" if shown else "hidden"
            button.description = f"{SHAPES[i]}  {question.choices[i]}" if shown else ""
            button.tooltip = question.choices[i] if shown else ""
            button.disabled = not shown
            button.style.button_color = COLOURS[i]
        self.feedback.value = ""
        self.next_button.disabled = True

    def _media(self, question) -> tuple:
        parts = []
        if question.picture:
            path = Path(question.picture)
            fmt = "svg+xml" if path.suffix == ".svg" else path.suffix.lstrip(".").replace("jpg", "jpeg")
            parts.append(widgets.Image(value=path.read_bytes(), format=fmt, layout=widgets.Layout(max_width="600px")))
        if question.melody:
            parts.append(audio_widget(load_sample(question.melody)))
        return tuple(parts)

    def _show_score(self, title: str, total: int) -> None:
        score = self.score
        missed = [i for i, (q, a) in enumerate(zip(self.bank.questions, self.answers)) if not q.is_correct(a)]
        review = "".join(f"<li>{html.escape(self.bank.questions[i].text)}</li>" for i in missed)
        self.header.value = f"<h3>{title}</h3>"
        self.question.value = (f"<div style='font-size:1.4em'>You got <b>{score} of {total}</b> right "
                               f"({100 * score / total:.0f}%).</div>"
                               + (f"<p>Worth another look:</p><ul>{review}</ul>" if review else "<p>All right!</p>"))
        self.media.children = ()
        for button in self.buttons:
            button.layout.visibility = "hidden"
            button.disabled = True
        self.feedback.value = ""
        self.next_button.disabled = True

    def _ipython_display_(self):
        display(self.widget)


def take_quiz(bank: str | Path = "lab01") -> SelfPacedQuiz:
    """A self-paced quiz on a bank ("lab01", the path of a ``.md`` bank); the notebook shows it.

    Examples
    --------
    >>> from composerlab.quiz.selfpaced import take_quiz
    >>> take_quiz("lab01")                                # doctest: +SKIP
    """
    return SelfPacedQuiz(read_bank(bank))

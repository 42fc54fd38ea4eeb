"""composerlab.quiz.selfpaced: a learner's quiz driven through the widget's Python side."""
import html

import pytest

from composerlab.quiz.bank import parse_bank, read_bank
from composerlab.quiz.selfpaced import COLOURS, SelfPacedQuiz, take_quiz
from composerlab.sound.audio import read_wav_bytes


def test_take_quiz_lab01_by_clicking_the_buttons():
    quiz = take_quiz("lab01")
    bank = read_bank("lab01")
    assert isinstance(quiz, SelfPacedQuiz) and len(quiz.bank) == len(bank) == 8
    assert "Question 1 of 8" in quiz.header.value
    assert quiz.next_button.disabled                     # no skipping without an answer
    right = wrong = 0
    for number, question in enumerate(bank.questions):
        assert html.escape(question.text) in quiz.question.value
        assert [b.description.split(maxsplit=1)[1] for b in quiz.buttons] == list(question.choices)
        if question.melody:                               # the sample melody is rendered for listening
            samples, rate = read_wav_bytes(quiz.media.children[0].value)
            assert rate > 0 and len(samples) > rate
        pick = question.answer[0] if number % 3 else (question.answer[0] + 1) % 4   # every third one wrong
        quiz.buttons[pick].click()
        if question.is_correct(pick):
            right += 1
            assert "Correct!" in quiz.feedback.value
        else:
            wrong += 1
            assert "Not quite." in quiz.feedback.value
            assert html.escape(question.choices[question.answer[0]]) in quiz.feedback.value
        assert html.escape(question.explanation) in quiz.feedback.value
        assert all(b.disabled for b in quiz.buttons) and not quiz.next_button.disabled
        with pytest.raises(ValueError, match="answered already"):
            quiz.choose(pick)
        quiz.next_button.click()
    assert quiz.finished and quiz.score == right and wrong == 3
    assert f"{right} of 8" in quiz.question.value and "Worth another look" in quiz.question.value
    assert html.escape(bank.questions[0].text) in quiz.question.value  # question 1 was answered wrong on purpose
    with pytest.raises(ValueError, match="over"):
        quiz.choose(0)


def test_every_lab_bank_runs_to_a_perfect_score():
    for name in ["lab00", "lab01", "lab02", "lab03", "lab04"]:
        quiz = take_quiz(name)
        while not quiz.finished:
            assert quiz.choose(quiz.bank.questions[quiz.index].answer[-1]) is True
            quiz.next()
        assert quiz.score == len(quiz.bank)
        assert "All right!" in quiz.question.value


def test_a_picture_question_and_escaped_text(tmp_path):
    picture = tmp_path / "dot.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    bank = parse_bank("# T\n## Is <b>this</b> bold?\n- [ ] yes\n- [x] no\n- [ ] <i>maybe</i>\n- [ ] x\n"
                      "seconds: 10\npicture: dot.png\nexplanation: Tags are text & stay text.\n",
                      folder=tmp_path)
    quiz = SelfPacedQuiz(bank)
    assert "&lt;b&gt;this&lt;/b&gt;" in quiz.question.value
    assert quiz.media.children[0].value == picture.read_bytes()
    assert quiz.buttons[2].style.button_color == COLOURS[2]
    with pytest.raises(ValueError, match="answer question 1 first"):
        quiz.next()
    assert quiz.choose(0) is False
    assert "&lt;i&gt;" not in quiz.feedback.value and "Tags are text &amp; stay text." in quiz.feedback.value
    assert quiz.buttons[2].style.button_color != COLOURS[2]   # neither chosen nor right: greyed
    quiz.next()
    assert "0 of 1" in quiz.question.value

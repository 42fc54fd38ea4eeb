"""composerlab.quiz.bank: the shipped banks load; every malformed line is reported by number."""
import json
import textwrap

import pytest

from composerlab.quiz.bank import (QUIZ_DIR, QuizBankError, UnknownBankError, bank_from_dict, bank_path, list_banks,
                                   parse_bank, read_bank)
from composerlab.quiz.questions import question_from_dict
from composerlab.music.samples import SAMPLES

GOOD = textwrap.dedent("""\
    # Tiny bank
    seconds: 15

    ## What is 2 + 2?
    - [ ] 3
    - [x] 4
    - [ ] 5
    - [ ] 22
    explanation: Two and two
      make four.

    ## Which are even?
    Pick any.
    - [x] 2
    - [ ] 3
    - [x] 4
    - [ ] 5
    seconds: 30
    melody: twinkle
    """)


def test_every_shipped_bank_loads():
    names = list_banks()
    assert "event" in names and {f"lab0{i}" for i in range(5)} <= set(names)
    for name in names:
        bank = read_bank(name)
        assert all(len(q.choices) == 4 and 1 <= len(q.answer) < 4 for q in bank.questions), name
        assert all(5 <= q.seconds <= 120 for q in bank.questions), name
        if name.startswith("lab"):
            assert 5 <= len(bank) <= 8, name
            assert all(q.explanation for q in bank.questions), f"{name}: self-paced questions need explanations"


def test_the_event_bank_covers_the_lessons():
    bank = read_bank("event")
    assert len(bank) >= 40
    text = " ".join(q.text + " " + " ".join(q.choices) + " " + q.explanation for q in bank.questions).lower()
    for topic in ["generative", "generator", "critic", "wasserstein", "gradient penalty", "update ratio", "ar-cnn",
                  "attention", "token", "top-k", "top-p", "temperature", "midi", "piano roll", "16th", "bar",
                  "empty bar", "in-scale", "event-alias-composition", "originality", "balance",
                  "emotional resonance", "1 to 5", "final round"]:
        assert topic in text, f"the event bank asks nothing about {topic}"
    assert any(q.melody in SAMPLES for q in bank.questions)
    assert any(q.picture and q.picture.endswith(".png") for q in bank.questions)


def test_a_good_bank_parses_fully():
    bank = parse_bank(GOOD, source="tiny.md")
    assert bank.title == "Tiny bank" and len(bank) == 2
    first, second = bank.questions
    assert (first.choices, first.answer, first.seconds, first.line) == (("3", "4", "5", "22"), (1,), 15, 4)
    assert first.explanation == "Two and two make four."
    assert second.text == "Which are even? Pick any." and second.answer == (0, 2)
    assert (second.seconds, second.melody) == (30, "twinkle")
    assert second.is_correct(2) and not second.is_correct(1)
    assert "answer" not in second.public() and "explanation" not in second.public()


def test_every_malformed_question_is_reported_by_line(tmp_path):
    text = textwrap.dedent("""\
        # Broken bank
        Stray text before any question

        ## Only three choices
        - [x] a
        - [ ] b
        - [ ] c
        seconds: 20

        ## No correct choice
        - [ ] a
        - [ ] b
        - [ ] c
        - [ ] d
        seconds: 20

        ## Bad fields
        - [x] a
        - [ ] b
        - [ ] c
        * [ ] d
        seconds: soon
        melody: not_a_tune
        colour: red

        ## Only three choices
        - [x] a
        - [ ] a
        - [ ] c
        - [ ] d
        seconds: 500

        ## Missing time
        - [x] a
        - [ ] b
        - [ ] c
        - [ ] d
        picture: nowhere.png
        """)
    path = tmp_path / "broken.md"
    path.write_text(text)
    with pytest.raises(QuizBankError) as caught:
        read_bank(path)
    err = caught.value
    found = [(p.line, p.message) for p in err.problems]
    lines = [line for line, _ in found]
    assert lines == sorted(lines)
    expect = {
        2: "text before the first question",
        4: "has 3 choices; it needs exactly 4",
        10: "has no correct choice",
        17: "has 3 choices",             # the '* [ ] d' line is not a choice
        21: "'* [ ] d' is not a choice",
        22: "seconds must be a whole number",
        23: "melody 'not_a_tune' is not a sample",
        24: "unknown field 'colour'",
        28: "repeats choice 1",
        31: "seconds must be from 5 to 120, not 500",
        33: "has no 'seconds: N'",
        38: "picture 'nowhere.png' does not exist",
    }
    for line, fragment in expect.items():
        assert any(at == line and fragment in message for at, message in found), (line, fragment, found)
    assert any("repeats the question on line 4" in m for _, m in found)
    assert str(err).startswith("broken.md: ") and f"{len(found)} problems" in str(err)
    assert "line 21:" in str(err)


def test_odd_files_get_a_reason(tmp_path):
    with pytest.raises(QuizBankError, match="no questions"):
        parse_bank("# Empty\n", source="empty.md")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(QuizBankError, match="not UTF-8"):
        read_bank(binary)
    with pytest.raises(QuizBankError, match="line 4: a choice after the question's fields"):
        parse_bank("## Q\n- [x] a\nseconds: 10\n- [ ] b\n- [ ] c\n- [ ] d\n")
    with pytest.raises(QuizBankError, match="every choice correct"):
        parse_bank("## Q\n- [x] a\n- [x] b\n- [x] c\n- [x] d\nseconds: 10\n")
    with pytest.raises(QuizBankError, match="line 2: '### Part two': only '## ' starts a question"):
        parse_bank("## Q\n### Part two\n- [x] a\n- [ ] b\n- [ ] c\n- [ ] d\nseconds: 10\n")
    with pytest.raises(QuizBankError, match="unexpected text"):
        parse_bank("## Q\n- [x] a\n- [ ] b\n- [ ] c\n- [ ] d\nseconds: 10\nstray words\n")


def test_unknown_bank_names_list_the_real_ones():
    with pytest.raises(UnknownBankError, match="lab01") as caught:
        read_bank("lab99")
    assert "event" in caught.value.known
    for name in ["../event", "event/../event", "", "Event.md"]:
        with pytest.raises(UnknownBankError):
            bank_path(name)


def test_inline_bank_in_the_api_shape():
    data = {"questions": [
        {"question": "Middle C?", "choices": ["48", "60", "64", "72"], "answer": [1], "seconds": 10},
        {"question": "Voices of a chorale?", "choices": ["S", "A", "T", "B"], "answer": [0, 3], "seconds": 20,
         "explanation": "any", "melody": "mary"},
    ]}
    bank = bank_from_dict(json.loads(json.dumps(data)))
    assert len(bank) == 2 and bank.questions[1].answer == (0, 3) and bank.questions[1].melody == "mary"
    again = [question_from_dict(q.to_dict()) for q in bank.questions]
    assert tuple(again) == bank.questions


def test_inline_bank_reports_every_problem_by_question_number():
    data = {"questions": [
        {"question": "ok", "choices": ["a", "b", "c", "d"], "answer": [0], "seconds": 10},
        {"question": "", "choices": ["a", "b"], "answer": [5], "seconds": 2},
        {"question": "x", "choices": ["a", "b", "c", "d"], "answer": "1", "seconds": "ten"},
        "not an object",
        {"question": "ok", "choices": ["a", "b", "c", "d"], "answer": [1], "seconds": 10, "picture": "/etc/x.png"},
    ]}
    with pytest.raises(QuizBankError) as caught:
        bank_from_dict(data)
    messages = [p.message for p in caught.value.problems]
    for fragment in ["question 2: 'question' must be non-empty text", "question 2: answer 5 is not a choice",
                     "question 2: '' has 2 choices", "question 2: seconds must be from 5 to 120, not 2",
                     "question 3: 'answer' must be a list", "question 3: seconds must be a whole number",
                     "question 4: is not an object", "question 5: unknown key picture"]:
        assert any(fragment in m for m in messages), (fragment, messages)
    assert not any(m.startswith("question 1:") for m in messages)
    with pytest.raises(QuizBankError, match="a list of questions"):
        bank_from_dict({"questions": "all of them"})


def test_select_draws_a_shorter_game_in_bank_order():
    bank = read_bank("event")
    game = bank.select(15, seed=3)
    assert len(game) == 15 and game.title == bank.title
    positions = [bank.questions.index(q) for q in game.questions]
    assert positions == sorted(positions)
    assert bank.select(15, seed=3) == game and bank.select(15, seed=4) != game
    assert bank.select(None) is bank and bank.select(500) is bank
    with pytest.raises(ValueError, match="at least one"):
        bank.select(0)


def test_windows_line_endings_and_a_bom(tmp_path):
    path = tmp_path / "windows.md"
    path.write_bytes("\ufeff# Title\r\n## Q?\r\n- [x] a\r\n- [ ] b\r\n- [ ] c\r\n- [ ] d\r\nseconds: 9\r\n".encode())
    bank = read_bank(path)
    assert bank.title == "Title" and bank.questions[0].seconds == 9


def test_the_readme_json_example_is_a_valid_inline_bank():
    readme = (QUIZ_DIR / "README.md").read_text()
    example = readme.split("```json\n", 1)[1].split("```", 1)[0]
    data = json.loads(example.replace('"optional sample name"', '"twinkle"'))
    bank = bank_from_dict(data)
    assert bank.questions[0].answer == (1,) and bank.questions[0].choices[1] == "60"

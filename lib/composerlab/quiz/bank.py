"""Question banks: plain Markdown files a facilitator edits by hand.

A bank lives in ``facilitator/quiz/<name>.md`` (``event.md`` for the live game,
``lab00.md`` ... for the self-paced quizzes); its format is in that folder's
README: an optional ``# title`` and default ``seconds: N``, then ``## `` per
question, four ``- [ ]`` / ``- [x]`` choices, and optional ``seconds:``,
``melody:``, ``picture:`` and ``explanation:`` fields.

Every question has exactly four choices (the four coloured buttons), at least one
and not all of them correct; a player picks one, and any correct one scores.
Lines between the ``## `` heading and the first choice continue the question's
text. ``<!-- ... -->`` lines are comments. :func:`read_bank` checks the whole file
and raises :class:`QuizBankError` listing *every* problem with its line number;
a bank with any problem is refused. :func:`bank_from_dict` applies the same
checks to the JSON API's inline shape
``{"questions": [{"question", "choices", "answer": [indices], "seconds"}]}``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from composerlab.paths import REPO_ROOT
from composerlab.quiz.problems import Problem, QuizBankError, UnknownBankError
from composerlab.quiz.questions import Bank, Question

QUIZ_DIR = REPO_ROOT / "facilitator" / "quiz"
"""Where the shipped banks live; a bank's name is its file name without ``.md``."""
N_CHOICES = 4
SECONDS_RANGE = (5, 120)
MAX_QUESTION_CHARS = 240
MAX_CHOICE_CHARS = 90
MAX_EXPLANATION_CHARS = 600
MAX_QUESTIONS = 200
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
FIELDS = ("seconds", "melody", "picture", "explanation")
BANK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def list_banks(folder: Path = QUIZ_DIR) -> list[str]:
    """Names of the banks in ``folder`` (file names without ``.md``)."""
    return sorted(p.stem for p in Path(folder).glob("*.md") if p.stem.lower() != "readme")


def bank_path(name: str, folder: Path = QUIZ_DIR) -> Path:
    """The file of the bank called ``name`` ("event", "lab01"); :class:`UnknownBankError` if none."""
    path = Path(folder) / f"{name}.md"
    if not BANK_NAME.fullmatch(name or "") or not path.is_file():
        raise UnknownBankError(name, list_banks(folder))
    return path


def read_bank(name_or_path: str | Path) -> Bank:
    """Load and check a bank by name ("lab01") or by path to its ``.md`` file.

    Raises
    ------
    UnknownBankError
        ``name_or_path`` is neither a file nor a shipped bank's name.
    QuizBankError
        The file has problems; all of them are listed, with line numbers.
    """
    path = Path(name_or_path)
    if not path.is_file():
        if path.suffix or len(path.parts) > 1:
            raise UnknownBankError(str(name_or_path), list_banks())
        path = bank_path(str(name_or_path))
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM from a Windows editor is not text
    except UnicodeDecodeError as err:
        raise QuizBankError(path, [Problem(0, f"the file is not UTF-8 text ({err.reason} at byte {err.start})")])
    return parse_bank(text, source=str(path), folder=path.parent)


@dataclass
class _Draft:
    """A question while its lines are read; checked by :func:`_check_draft`."""

    line: int
    text: list[str]
    choices: list[tuple[int, bool, str]] = field(default_factory=list)
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)
    in_explanation: bool = False


_CHOICE = re.compile(r"-\s*\[(?P<box>[ xX]?)\]\s*(?P<text>.*)")
_FIELD = re.compile(r"(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*)")


def parse_bank(text: str, source: str = "bank", folder: Path | None = None) -> Bank:
    """Parse the Markdown of a bank (see the module docstring); pictures resolve against ``folder``."""
    problems: list[Problem] = []
    title, default_seconds, drafts = "", None, []
    draft: _Draft | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("<!--"):
            if not line.endswith("-->"):
                problems.append(Problem(number, "a comment must open and close on one line: <!-- ... -->"))
            continue
        if not line:
            if draft:
                draft.in_explanation = False
            continue
        if line.startswith("## "):
            draft = _Draft(number, [line[3:].strip()])
            drafts.append(draft)
            continue
        if line.startswith("#"):
            if not line.startswith("##") and draft is None and not title:
                title = line.lstrip("#").strip()
            else:
                problems.append(Problem(number, f"'{_short(line)}': only '## ' starts a question, and one "
                                                "'# title' may come before the first"))
            continue
        field_match = _FIELD.fullmatch(line)
        if draft is None:
            if field_match and field_match["key"] == "seconds":
                default_seconds = (number, field_match["value"].strip())
            else:
                problems.append(Problem(number, "text before the first question ('## ...'); only a '# title' "
                                                "and a default 'seconds: N' may come first"))
            continue
        if line[:1] in "-*+" and (line[:2].strip() in "-*+" or "[" in line[:4]):
            choice = _CHOICE.fullmatch(line)
            if choice is None:
                problems.append(Problem(number, f"'{_short(line)}' is not a choice; write '- [ ] text' "
                                                "or '- [x] text' for a correct one"))
            elif draft.fields:
                problems.append(Problem(number, "a choice after the question's fields; list the four choices "
                                                "right under the question"))
            else:
                draft.choices.append((number, choice["box"].lower() == "x", choice["text"].strip()))
            draft.in_explanation = False
            continue
        if not draft.choices:
            draft.text.append(line)  # the question's text goes on
        elif field_match and field_match["key"].lower() in FIELDS:
            key = field_match["key"].lower()
            if key in draft.fields:
                problems.append(Problem(number, f"'{key}' given twice (first on line {draft.fields[key][0]})"))
            draft.fields[key] = (number, field_match["value"].strip())
            draft.in_explanation = key == "explanation"
        elif draft.in_explanation:
            at, value = draft.fields["explanation"]
            draft.fields["explanation"] = (at, f"{value} {line}".strip())
        elif field_match:
            problems.append(Problem(number, f"unknown field '{field_match['key']}'; the fields are "
                                            f"{', '.join(FIELDS)}"))
        else:
            problems.append(Problem(number, f"unexpected text '{_short(line)}' after the choices; start it "
                                            "with 'explanation:' or leave a blank line and '## ' for a new question"))

    default = None
    if default_seconds is not None:
        default = _check_seconds(default_seconds[1], default_seconds[0], problems)
    questions = [q for d in drafts if (q := _check_draft(d, default, folder, problems)) is not None]
    _check_bank(questions, [(d.line, " ".join(d.text)) for d in drafts], problems, numbered_by_line=True)
    if problems:
        raise QuizBankError(source, sorted(problems, key=lambda p: p.line))
    return Bank(title=title or Path(source).stem, questions=tuple(questions), source=source)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_seconds(value, line: int, problems: list[Problem], label: str = "") -> int | None:
    low, high = SECONDS_RANGE
    try:
        seconds = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        seconds = None
    if seconds is None:
        problems.append(Problem(line, f"{label}seconds must be a whole number from {low} to {high}, not '{value}'"))
        return None
    if not low <= seconds <= high:
        problems.append(Problem(line, f"{label}seconds must be from {low} to {high}, not {seconds}"))
        return None
    return seconds


def _check_draft(draft: _Draft, default_seconds: int | None, folder: Path | None,
                 problems: list[Problem]) -> Question | None:
    before = len(problems)
    text = " ".join(draft.text).strip()
    if not text:
        problems.append(Problem(draft.line, "the question has no text after '## '"))
    shown = f"question '{_short(text)}'"
    _check_common(text, [c[2] for c in draft.choices], [i for i, c in enumerate(draft.choices) if c[1]],
                  shown, draft.line, problems, choice_lines=[c[0] for c in draft.choices])
    seconds = None
    if "seconds" in draft.fields:
        seconds = _check_seconds(draft.fields["seconds"][1], draft.fields["seconds"][0], problems)
    elif default_seconds is None:
        problems.append(Problem(draft.line, f"{shown} has no 'seconds: N' (and the bank sets no default)"))
    else:
        seconds = default_seconds
    melody = _check_melody(*draft.fields.get("melody", (0, None)), problems)
    picture = None
    if "picture" in draft.fields:
        picture = _check_picture(draft.fields["picture"][1], draft.fields["picture"][0], folder, problems)
    explanation = draft.fields.get("explanation", (0, ""))[1]
    if len(explanation) > MAX_EXPLANATION_CHARS:
        problems.append(Problem(draft.fields["explanation"][0],
                                f"the explanation is {len(explanation)} characters; at most {MAX_EXPLANATION_CHARS}"))
    if len(problems) > before:
        return None
    return Question(text, tuple(c[2] for c in draft.choices), tuple(i for i, c in enumerate(draft.choices) if c[1]),
                    seconds, explanation, melody, picture, draft.line)


def _check_common(text: str, choices: list, correct: list[int], shown: str, line: int,
                  problems: list[Problem], choice_lines: list[int] | None = None) -> None:
    """Checks shared by Markdown and inline banks: text length, four distinct choices, the answer."""
    if len(text) > MAX_QUESTION_CHARS:
        problems.append(Problem(line, f"{shown} is {len(text)} characters long; at most {MAX_QUESTION_CHARS}"))
    if len(choices) != N_CHOICES:
        problems.append(Problem(line, f"{shown} has {len(choices)} choice{'s' if len(choices) != 1 else ''}; "
                                      f"it needs exactly {N_CHOICES}"))
    seen: dict[str, int] = {}
    for i, choice in enumerate(choices):
        at = choice_lines[i] if choice_lines else line
        label = f"choice {i + 1} of {shown}"
        if not isinstance(choice, str):
            problems.append(Problem(at, f"{label} is not text"))
            continue
        if not choice.strip():
            problems.append(Problem(at, f"{label} is empty"))
        elif len(choice) > MAX_CHOICE_CHARS:
            problems.append(Problem(at, f"{label} is {len(choice)} characters long; at most {MAX_CHOICE_CHARS}"))
        key = choice.strip().casefold()
        if key and key in seen:
            problems.append(Problem(at, f"{label} repeats choice {seen[key] + 1}"))
        seen.setdefault(key, i)
    if choices and not correct:
        problems.append(Problem(line, f"{shown} has no correct choice; mark one or more with [x]"))
    elif choices and len(correct) == len(choices) == N_CHOICES:
        problems.append(Problem(line, f"{shown} marks every choice correct; a question needs a wrong one"))


def _check_melody(line: int, name: str | None, problems: list[Problem]) -> str | None:
    if name is None:
        return None
    from composerlab.music.samples import SAMPLES  # music21 loads only for banks that play melodies

    if name not in SAMPLES:
        where = line if line else 0
        problems.append(Problem(where, f"melody '{name}' is not a sample; choose one of: {', '.join(SAMPLES)}"))
        return None
    return name


def _check_picture(value: str, line: int, folder: Path | None, problems: list[Problem]) -> str | None:
    if folder is None:
        problems.append(Problem(line, "pictures come only with bank files (a path relative to the bank)"))
        return None
    path = (Path(folder) / value).resolve()
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        problems.append(Problem(line, f"picture '{value}' is not an image ({', '.join(PICTURE_SUFFIXES)})"))
    elif not path.is_file():
        problems.append(Problem(line, f"picture '{value}' does not exist (looked for {path})"))
    else:
        return str(path)
    return None


def _check_bank(questions: list[Question], texts: list[tuple[int, str]], problems: list[Problem],
                numbered_by_line: bool) -> None:
    """Bank-wide checks; ``texts`` is every question's (line or number, text), valid or not."""
    if not texts and not problems:
        problems.append(Problem(0, "the bank has no questions ('## question' followed by four choices)"))
    if len(texts) > MAX_QUESTIONS:
        problems.append(Problem(0, f"the bank has {len(texts)} questions; at most {MAX_QUESTIONS}"))
    seen: dict[str, int] = {}
    for number, (where, text) in enumerate(texts, start=1):
        key = " ".join(text.split()).casefold()
        if key and key in seen:
            if numbered_by_line:
                problems.append(Problem(where, f"this question repeats the question on line {seen[key]}"))
            else:
                problems.append(Problem(0, f"question {number}: repeats question {seen[key]}"))
        seen.setdefault(key, where if numbered_by_line else number)


def bank_from_dict(data, source: str = "inline bank") -> Bank:
    """Check and load the API's inline shape ``{"questions": [{"question", "choices", "answer", "seconds"}]}``.

    Optional per question: ``explanation``, ``melody``. Problems are reported by
    question number ("question 3: ..."), all at once, as :class:`QuizBankError`.
    """
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuizBankError(source, [Problem(0, 'a bank is {"questions": [...]}, a list of questions')])
    problems: list[Problem] = []
    questions = []
    for number, item in enumerate(data["questions"], start=1):
        before = len(problems)
        question = _question_from_item(item, number, problems)
        if question is not None and len(problems) == before:
            questions.append(question)
    texts = [(n, item.get("question") if isinstance(item, dict) and isinstance(item.get("question"), str) else "")
             for n, item in enumerate(data["questions"], start=1)]
    _check_bank(questions, texts, problems, numbered_by_line=False)
    if problems:
        raise QuizBankError(source, problems)
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    return Bank(title=title or source, questions=tuple(questions), source=source)


def _question_from_item(item, number: int, problems: list[Problem]) -> Question | None:
    label = f"question {number}"

    def problem(message: str) -> None:
        problems.append(Problem(0, f"{label}: {message}"))

    if not isinstance(item, dict):
        problem('is not an object {"question", "choices", "answer", "seconds"}')
        return None
    unknown = set(item) - {"question", "choices", "answer", "seconds", "explanation", "melody"}
    if unknown:
        problem(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))}")
    text = item.get("question")
    if not isinstance(text, str) or not text.strip():
        problem("'question' must be non-empty text")
        text = ""
    choices = item.get("choices")
    if not isinstance(choices, list):
        problem("'choices' must be a list of four texts")
        choices = []
    answer = item.get("answer")
    if not isinstance(answer, list) or not all(isinstance(a, int) and not isinstance(a, bool) for a in answer):
        problem("'answer' must be a list of choice indices (0-3), e.g. [1]")
        answer = []
    bad = [a for a in answer if not 0 <= a < max(len(choices), 1)]
    if bad:
        problem(f"answer {bad[0]} is not a choice index (0-{max(len(choices), 1) - 1})")
    if len(set(answer)) != len(answer):
        problem("'answer' repeats an index")
    correct = sorted({a for a in answer if 0 <= a < len(choices)})
    before = len(problems)
    _check_common(text.strip(), choices, correct if answer else [], f"'{_short(text.strip())}'", 0, problems)
    for i in range(before, len(problems)):
        problems[i] = Problem(0, f"{label}: {problems[i].message}")
    seconds = None
    if "seconds" not in item:
        problem("'seconds' is missing")
    else:
        seconds = _check_seconds(item["seconds"], 0, problems, label=f"{label}: ")
    melody = None
    if item.get("melody") is not None:
        before = len(problems)
        melody = _check_melody(0, str(item["melody"]), problems)
        for i in range(before, len(problems)):
            problems[i] = Problem(0, f"{label}: {problems[i].message}")
    explanation = item.get("explanation") or ""
    if not isinstance(explanation, str):
        problem("'explanation' must be text")
        explanation = ""
    if len(explanation) > MAX_EXPLANATION_CHARS:
        problem(f"the explanation is {len(explanation)} characters; at most {MAX_EXPLANATION_CHARS}")
    if seconds is None:
        return None
    return Question(text.strip(), tuple(c.strip() for c in choices if isinstance(c, str)), tuple(correct),
                    seconds, explanation.strip(), melody, None, None)

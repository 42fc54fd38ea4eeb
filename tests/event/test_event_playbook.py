"""The playbook tells the truth about the tool: its run sheets' commands and clicks exist, its sizing table is
the library's, and its agendas add up (every lab gets its slot; the quiz after the material it asks about)."""
import contextlib
import io
import re
import shlex

import pytest
from notebook_params import ROOT

from composerlab import cli
from composerlab.event.sizing import judging_time, sizing_table

PLAYBOOK = (ROOT / "facilitator" / "playbook.md").read_text(encoding="utf-8")
ADMIN = ROOT / "lib" / "composerlab" / "event"


def section(title: str) -> str:
    start = PLAYBOOK.index(f"\n{title}\n")
    level = title.split(" ")[0]
    found = re.search(rf"\n{level} ", PLAYBOOK[start + len(title) + 2:])
    return PLAYBOOK[start:start + len(title) + 2 + found.start()] if found else PLAYBOOK[start:]


def table_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|---")][1:]


def labs_named(cell: str) -> set[int]:
    """Every lab a cell names after the word lab(s): "lab 04", "labs 02-04, 05, 06", "labs 00-06"."""
    found = set()
    for part in re.findall(r"\blabs? ([\d, -]+(?:and \d\d)?)", cell):
        for first, last in re.findall(r"(\d\d)(?:-(\d\d))?", part):
            found.update(range(int(first), int(last or first) + 1))
    return found


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def test_the_sizing_table_is_the_library_s():
    assert sizing_table() in section("## Sizing the judging")
    size = judging_time(20, 1, 3, 4)
    assert (size.pieces, size.preliminary, size.final, size.everyone) == (20, 28, 24, 80)  # ceil(20/3) = 7 pieces
    assert judging_time(5, 1, 1, 4).final == 12  # one judge: their own top three
    with pytest.raises(ValueError):
        judging_time(0, 1, 3, 4)


@pytest.mark.parametrize("title", ["### One day (synchronous submissions, AI judge)",
                                   "### Two days (from the original kit's sample agenda)"])
def test_agendas_add_up_give_each_lab_its_slot_and_put_the_quiz_after_its_material(title):
    slots = {int(row[0][:2]): int(row[1].split()[0]) for row in table_rows(section("## Agendas").split("###")[0])
             if row[1].split()[0].isdigit()}  # lab 08's slot is the compose block
    rows = [row for row in table_rows(section(title)) if re.match(r"\d\d:\d\d-\d\d:\d\d", row[0])]
    assert len(rows) >= 8
    for earlier, later in zip(rows, rows[1:]):
        if earlier[0] > later[0]:  # day 2 starts again in the morning
            continue
        assert earlier[0].split("-")[1] == later[0].split("-")[0], f"{earlier[0]} then {later[0]}"
    for row in rows:
        start, end = row[0].split("-")
        named = labs_named(row[-1])
        needed = sum(slots[n] for n in named if n in slots)
        assert minutes(end) - minutes(start) >= needed, f"{row[0]} {row[1]}: labs {named} need {needed} min"
    sessions = [row[1] for row in rows]
    quiz = next(i for i, name in enumerate(sessions) if name.startswith("Quiz"))
    taught = [i for i, row in enumerate(rows) if "03_arcnn_transformers" in row[-1] or "lab 06" in row[-1]]
    assert taught and quiz > max(taught)


def commands_named(text: str) -> set[tuple[str, ...]]:
    found = set()
    for command in re.findall(r"`(composerlab [^`]+)`", text):
        words = shlex.split(command)[1:]
        head = [w for w in words[:2] if not w.startswith("-") and w.isidentifier() and w.upper() != w]
        found.add(tuple(head[:2] if head[:1] == ["event"] or head[:1] == ["slides"] else head[:1]))
    return found


def test_every_command_of_the_run_sheets_answers_help():
    named = commands_named(section("## Run sheets"))
    assert {("event", "new"), ("serve",), ("event", "open"), ("event", "close"), ("judge",),
            ("slides", "build"), ("event", "set")} <= named
    for command in sorted(named):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
            cli.main([*command, "--help"])
        assert done.value.code == 0 and "usage: composerlab" in out.getvalue(), command


def test_every_button_the_run_sheets_name_is_on_the_admin_page():
    page = (ADMIN / "templates" / "admin.html").read_text(encoding="utf-8")
    asked = (ADMIN / "admin.py").read_text(encoding="utf-8")  # the confirmations' "Yes, ..." buttons
    labels = set(re.findall(r"\*\*([^*]+)\*\*", "\n".join(row[-1] for row in table_rows(section("## Run sheets")))))
    assert {"Close submissions", "Run the AI judge", "Open the preliminary round", "Mark absent",
            "Close the final"} <= labels
    missing = {label for label in labels if label not in page and label not in asked}
    assert missing == set()
    for label in re.findall(r"click \*\*(Yes, [^*]+)\*\*", section("## When things go wrong")):
        assert label in asked or label.replace("them", "") in asked

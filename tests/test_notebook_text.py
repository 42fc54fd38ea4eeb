"""What the notebooks say in their Markdown: no template placeholder left unfilled (``{iterations}``)."""
from __future__ import annotations

import re

import nbformat
import pytest
from notebook_params import ROOT, notebook_paths

NOTEBOOKS = [p.relative_to(ROOT).as_posix() for p in notebook_paths()]
PLACEHOLDER = re.compile(r"(?<![\\\w$])\{[A-Za-z_][A-Za-z0-9_.]*\}")
"""``{name}`` as a format string leaves it: not LaTeX (``\\frac{a}``), not code."""


def prose(markdown: str) -> str:
    """The Markdown without code blocks, inline code and math, where braces are the text's own."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    return re.sub(r"\$[^$]*\$", "", text)


def test_the_check_finds_a_placeholder_and_leaves_code_and_math_alone():
    assert PLACEHOLDER.findall(prose("| `iterations` | {iterations} | 100 |")) == ["{iterations}"]
    assert not PLACEHOLDER.findall(prose("run `f'{x}'` then $\\frac{a}{b}$ and ```\n{y}\n```"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_markdown_has_no_unfilled_placeholder(name):
    notebook = nbformat.read(ROOT / name, as_version=4)
    found = [(i, hit) for i, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
             for hit in PLACEHOLDER.findall(prose(cell.source))]
    assert not found, f"{name}: Markdown cells show unfilled placeholders {found}; fill them from the library"

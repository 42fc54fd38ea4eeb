"""The library's layers point down only: music <- sound <- models <- widgets / event / quiz <- cli, slides.

Every import in every module is read from its source (function-level imports
too, since heavy libraries and our own higher parts are often imported there).
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lib" / "composerlab"

LAYERS = {"errors": 0, "paths": 0, "music": 1, "sound": 2, "models": 3, "widgets": 4, "event": 4, "quiz": 4,
          "cli": 5, "slides": 5}
"""Each top-level part of ``composerlab`` and its layer; a module may import its own layer or lower ones."""
SIBLINGS_ALLOWED: set[tuple[str, str]] = {("cli", "slides")}
"""(importer, imported) pairs of different parts on one layer that may import each other: the command line
drives the slide builder (``slides`` sits on layer 5 because a deck draws with widgets and reads event results)."""


def part_of(module: str) -> str | None:
    """``composerlab.models.gan.data`` -> ``models``; None for other packages and the package root."""
    names = module.split(".")
    if names[0] != "composerlab" or len(names) < 2:
        return None
    return "cli" if names[1] == "__main__" else names[1]  # ``python -m composerlab`` is the command line


def imported_parts(source: str, module: str) -> set[str]:
    """The parts of ``composerlab`` that ``source`` (the text of ``module``) imports anywhere in it."""
    parts = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                base = module.split(".")[: -node.level]
                names = [".".join(base + ([node.module] if node.module else []))]
            elif node.module == "composerlab":
                names = [f"composerlab.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        parts |= {p for p in map(part_of, names) if p}
    return parts


def violations(source: str, module: str) -> list[str]:
    """Why ``module`` breaks the layering ([] when it does not)."""
    own = part_of(module)
    if own is None:
        return []
    bad = []
    for other in sorted(imported_parts(source, module) - {own}):
        if other not in LAYERS:
            bad.append(f"{module} imports composerlab.{other}, a part with no layer (add it to LAYERS)")
        elif LAYERS[other] > LAYERS[own]:
            bad.append(f"{module} (layer {own}) imports the higher layer {other}")
        elif LAYERS[other] == LAYERS[own] and (own, other) not in SIBLINGS_ALLOWED:
            bad.append(f"{module} imports its sibling {other} on the same layer")
    return bad


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        yield name, path


def test_every_part_has_a_layer():
    parts = {p.name for p in PACKAGE.iterdir() if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    parts = {p.removesuffix(".py") for p in parts} - {"__init__", "__main__"}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize("name, path", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_module_imports_only_lower_layers(name, path):
    assert violations(path.read_text(encoding="utf-8"), name) == []


@pytest.mark.parametrize("source, module, expected", [
    ("from composerlab.models.gan.generate import compose", "composerlab.music.melody", "higher layer models"),
    ("def f():\n    import composerlab.cli", "composerlab.sound.audio", "higher layer cli"),
    ("from composerlab import widgets", "composerlab.models.catalog", "higher layer widgets"),
    ("from ..event import app", "composerlab.quiz.game", "sibling event"),
    ("from composerlab.music import metrics", "composerlab.models.gan.data", None),
    ("from composerlab.errors import MusicFileError", "composerlab.music.midi", None),
])
def test_the_check_catches_an_upward_import(source, module, expected):
    found = violations(source, module)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0]

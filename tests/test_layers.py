"""The library's shape: layers point down only, no import cycles, no private names across modules, small modules.

music <- sound <- models <- widgets / event / quiz <- cli, slides. Every import in every module is read from
its source, function-level imports too (they hide cycles as well as top-level ones do).
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
MAX_LINES = 400
"""No module longer than this: past it a module holds more than one concern."""
MAX_OPENING_LINES = 20
"""A module's opening docstring says what it holds in a few lines (figures go to cards and benches)."""
DEFERRED_IMPORTS_ALLOWED = ("composerlab.cli",)
"""Packages whose functions may import without a stated reason: each command loads what it uses when it runs,
so building the parser (``composerlab --help``) loads nothing heavy. Elsewhere an import inside a function
carries a comment saying why it is deferred (TensorFlow, an optional heavy part)."""


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    return ".".join(relative.parts).removesuffix(".__init__")


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = modules()


def part_of(module: str) -> str | None:
    """``composerlab.models.gan.data`` -> ``models``; None for other packages and the package root."""
    names = module.split(".")
    if names[0] != "composerlab" or len(names) < 2:
        return None
    return "cli" if names[1] == "__main__" else names[1]  # ``python -m composerlab`` is the command line


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name a ``from ... import`` reads from (relative imports resolved against ``module``)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports(source: str, module: str, is_package: bool = False, known=None):
    """Every import in ``source``: ``(target module, imported name or None, node)``.

    ``from a.b import c`` names the module ``a.b.c`` when that is a module of ours (``known``), else ``a.b``
    with the name ``c``.
    """
    known = MODULES if known is None else known
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node
        elif isinstance(node, ast.ImportFrom):
            base = _base(node, module, is_package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full, None, node) if full in known else (base, alias.name, node)


def imported_parts(source: str, module: str) -> set[str]:
    """The parts of ``composerlab`` that ``source`` (the text of ``module``) imports anywhere in it."""
    return {p for target, _, _ in imports(source, module) for p in [part_of(target)] if p}


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


def own_module(target: str, known) -> str | None:
    """The longest module of ours that ``target`` names or lies inside (``a.b.c`` -> ``a.b`` if only it is ours)."""
    names = target.split(".")
    while names and ".".join(names) not in known:
        names.pop()
    return ".".join(names) or None


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """``{module: modules of ours it imports}`` from ``{module: (source, is_package)}``."""
    graph = {}
    for module, (source, is_package) in sources.items():
        targets = {own_module(t, sources) for t, _, _ in imports(source, module, is_package, sources)}
        # A package's __init__ is imported with each of its modules: that edge is no cycle of ours.
        graph[module] = {t for t in targets if t and t != module and not module.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def private_uses(source: str, module: str, is_package: bool = False, known=None) -> list[str]:
    """``_names`` that ``module`` takes from another module of ours: imported, or read as ``module._name``."""
    known = MODULES if known is None else known
    found, aliases = [], {}
    for target, name, node in imports(source, module, is_package, known):
        if not target.startswith("composerlab"):
            continue
        if name and name.startswith("_") and not name.startswith("__") and target != module:
            found.append(f"{module} imports {target}.{name}")
        if target in known and target != module:
            for alias in node.names:
                if isinstance(node, ast.ImportFrom) or alias.asname:
                    aliases[alias.asname or alias.name] = target
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{module} reads {aliases[node.value.id]}.{node.attr}")
    return found


def unexplained_deferred_imports(source: str, module: str) -> list[str]:
    """Imports inside functions without a reason (outside the command line).

    A reason is a comment on the import's line, or on any line of its block (imports on consecutive
    lines), or on the line just above the block.
    """
    if module.startswith(DEFERRED_IMPORTS_ALLOWED):
        return []
    lines = source.splitlines()
    found = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = sorted((n for n in ast.walk(func) if isinstance(n, (ast.Import, ast.ImportFrom))),
                       key=lambda n: n.lineno)
        blocks: list[list[ast.stmt]] = []
        for node in nodes:
            if blocks and node.lineno == blocks[-1][-1].end_lineno + 1:
                blocks[-1].append(node)
            else:
                blocks.append([node])
        for block in blocks:
            first, last = block[0].lineno, block[-1].end_lineno
            above = lines[first - 2] if first > 1 else ""
            if above.strip().startswith("#") or any("#" in line for line in lines[first - 1:last]):
                continue
            found += [f"{module}:{n.lineno}: '{lines[n.lineno - 1].strip()}' inside {func.name}() without a reason"
                      for n in block]
    return sorted(set(found))


def _sources() -> dict[str, tuple[str, bool]]:
    return {name: (path.read_text(encoding="utf-8"), path.name == "__init__.py") for name, path in MODULES.items()}


SOURCES = _sources()


def test_every_part_has_a_layer():
    parts = {p.name for p in PACKAGE.iterdir() if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    parts = {p.removesuffix(".py") for p in parts} - {"__init__", "__main__"}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


@pytest.mark.parametrize("name", list(MODULES))
def test_module_imports_only_lower_layers(name):
    assert violations(SOURCES[name][0], name) == []


def test_no_import_cycles():
    assert cycles(import_graph(SOURCES)) == []


def test_no_private_name_crosses_modules():
    found = [use for name, (source, is_package) in SOURCES.items()
             for use in private_uses(source, name, is_package)]
    assert found == []


def test_imports_inside_functions_say_why():
    found = [line for name, (source, _) in SOURCES.items() for line in unexplained_deferred_imports(source, name)]
    assert found == []


def test_modules_are_small_and_open_with_a_few_lines():
    long_modules = {name: n for name, path in MODULES.items()
                    if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    long_openings = {name: n for name, (source, _) in SOURCES.items()
                     if (n := len((ast.get_docstring(ast.parse(source), clean=False) or "").splitlines()))
                     > MAX_OPENING_LINES}
    assert (long_modules, long_openings) == ({}, {})


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


def test_the_checks_catch_a_cycle_a_private_name_and_an_unexplained_import():
    sources = {"composerlab.a": ("def f():\n    from composerlab.b import g\n", False),
               "composerlab.b": ("from composerlab import a\nfrom composerlab.c import _hidden\n", False),
               "composerlab.c": ("import composerlab.a as first\nx = first._secret\n", False)}
    assert cycles(import_graph(sources)) == [["composerlab.a", "composerlab.b", "composerlab.c"]]
    assert private_uses(*sources["composerlab.b"][:1], "composerlab.b", known=sources) == [
        "composerlab.b imports composerlab.c._hidden"]
    assert private_uses(sources["composerlab.c"][0], "composerlab.c", known=sources) == [
        "composerlab.c reads composerlab.a._secret"]
    assert unexplained_deferred_imports(sources["composerlab.a"][0], "composerlab.a") == [
        "composerlab.a:2: 'from composerlab.b import g' inside f() without a reason"]
    assert unexplained_deferred_imports("def f():\n    import tensorflow  # heavy: only to train\n",
                                        "composerlab.a") == []
    block = "def f():\n    import keras  # loads TensorFlow\n    from keras import layers\n\n    import json\n"
    assert unexplained_deferred_imports(block, "composerlab.a") == [
        "composerlab.a:5: 'import json' inside f() without a reason"]

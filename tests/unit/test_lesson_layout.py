"""Every name the notebooks in source/ and release/ take from course.<module> is still there."""

from __future__ import annotations

import ast
import importlib
import json

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted([*(REPO / "source").rglob("*.ipynb"), *(REPO / "release").rglob("*.ipynb")])


def _code(cell: dict) -> str:
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else source
    # IPython magics and shell escapes are not Python: blank them out, keeping the line count
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def _dotted(node: ast.AST) -> list[str] | None:
    """["a", "b", "c"] for the expression a.b.c; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def used_names(code: str | list[str]) -> set[tuple[str, str]]:
    """(module, name) pairs that code (one text, or a notebook's cells in order) takes from the course package.

    ``from course.X import a`` gives (course.X, a); ``from course import X`` and
    ``import course.X [as Y]`` followed by ``X.a``, ``Y.a`` or ``course.X.a`` (in any cell of the
    notebook) give (course.X, a); ``from course import X`` itself gives (course, X).
    """
    trees = [ast.parse(text) for text in ([code] if isinstance(code, str) else code)]
    aliases: dict[str, str] = {}  # a name bound in the notebook -> the course module it is
    found: set[tuple[str, str]] = set()
    for node in (n for tree in trees for n in ast.walk(tree)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "course" or node.module.startswith("course."):
                for alias in node.names:
                    found.add((node.module, alias.name))
                    if node.module == "course":
                        aliases[alias.asname or alias.name] = f"course.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "course" or alias.name.startswith("course."):
                    found.add((alias.name, ""))
                    if alias.asname:
                        aliases[alias.asname] = alias.name
    for node in (n for tree in trees for n in ast.walk(tree)):
        if not isinstance(node, ast.Attribute):
            continue
        parts = _dotted(node)
        if not parts:
            continue
        if parts[0] in aliases:
            parts = [*aliases[parts[0]].split("."), *parts[1:]]
        if parts[0] != "course" or len(parts) < 3:
            continue
        found.add((".".join(parts[:2]), parts[2]))
    return found


def notebook_names() -> dict[tuple[str, str], list[str]]:
    """(module, name) -> the notebooks that use it."""
    uses: dict[tuple[str, str], list[str]] = {}
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = [_code(cell) for cell in notebook["cells"] if cell.get("cell_type") == "code"]
        for pair in used_names(cells):
            uses.setdefault(pair, []).append(str(path.relative_to(REPO)))
    return uses


USES = notebook_names()


def test_the_notebooks_are_found_and_use_the_lesson_modules():
    assert len(NOTEBOOKS) >= 12
    modules = {module for module, _ in USES}
    assert {"course.datasets", "course.plots", "course.checks", "course.explore", "course.metrics"} <= modules


@pytest.mark.parametrize("module, name", sorted(USES), ids=lambda v: v or "import")
def test_every_name_a_notebook_uses_resolves(module, name):
    imported = importlib.import_module(module)
    if not name:
        return
    if module == "course" and not hasattr(imported, name):
        importlib.import_module(f"course.{name}")  # from course import explore: a submodule, found or raises
        return
    assert hasattr(imported, name), f"{module}.{name} is used by {sorted(set(USES.get((module, name), [])))} but is gone"


def test_the_collector_sees_each_way_of_naming_a_lesson_function():
    code = (
        "from course import explore, metrics as m\n"
        "from course.checks import check_number\n"
        "import course.datasets\n"
        "import course.plots as p\n"
        "explore.explore_npv()\n"
        "m.precision_at_k\n"
        "course.datasets.load_service_desk_visits()\n"
        "p.plot_trend\n"
    )
    assert used_names(code) >= {
        ("course.explore", "explore_npv"),
        ("course.metrics", "precision_at_k"),
        ("course.checks", "check_number"),
        ("course.datasets", "load_service_desk_visits"),
        ("course.plots", "plot_trend"),
    }


def test_a_dropped_name_would_fail(monkeypatch):
    from course import explore

    monkeypatch.delattr(explore, "explore_npv")
    assert ("course.explore", "explore_npv") in USES
    with pytest.raises(AssertionError, match="explore_npv"):
        test_every_name_a_notebook_uses_resolves("course.explore", "explore_npv")

"""Read notebooks safely and find their nbgrader cells."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from course.errors import NotebookError

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
_SOLUTION_BLOCK = re.compile(
    r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*$", re.DOTALL | re.MULTILINE
)


def read(path: Path | str) -> NotebookNode:
    """Read a notebook, or raise a one-line NotebookError that says what is wrong with the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook.") from None
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: not a text file, so not a notebook. Submit the .ipynb file saved by Jupyter.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not a valid notebook (broken JSON at line {exc.lineno}). Open it in JupyterLab, save it again, and resubmit."
        ) from None
    if not isinstance(data, dict) or "cells" not in data:
        raise NotebookError(f"{path}: valid JSON but not a notebook (no cells). Submit the .ipynb file saved by Jupyter.")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several unrelated types here
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path}: not a valid notebook ({first[:120]}). Open it in JupyterLab, save it again, and resubmit.") from None
    return nb


def write(nb: NotebookNode, path: Path | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_cells(nb: NotebookNode) -> dict[str, float]:
    """Return ``{grade_id: points}`` for every graded cell, in notebook order."""
    return {_meta(c)["grade_id"]: float(_meta(c).get("points", 0)) for c in nb.cells if _meta(c).get("grade")}


def solution_cells(nb: NotebookNode) -> list[str]:
    """Return the grade_ids of every solution (answer) cell, in notebook order."""
    return [_meta(c)["grade_id"] for c in nb.cells if _meta(c).get("solution")]


def find_cell(nb: NotebookNode, grade_id: str) -> NotebookNode:
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == grade_id:
            return cell
    raise NotebookError(f'no cell with grade_id "{grade_id}" in the notebook.')


def replace_solution(nb: NotebookNode, grade_id: str, code: str) -> NotebookNode:
    """Return a copy of ``nb`` whose answer cell ``grade_id`` has ``code`` in place of its solution block.

    Used to build plausible student submissions (a wrong answer, another right answer).
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell = find_cell(nb, grade_id)
    if not _SOLUTION_BLOCK.search(cell.source):
        raise NotebookError(f'cell "{grade_id}" has no {BEGIN_SOLUTION} ... {END_SOLUTION} block to replace.')

    def sub(match: re.Match) -> str:
        indent = match.group(1)
        return "\n".join(indent + line if line else line for line in code.rstrip("\n").splitlines())

    cell.source = _SOLUTION_BLOCK.sub(sub, cell.source, count=1)
    return nb


def code_cells_with_errors(nb: NotebookNode) -> list[int]:
    """Indices of executed code cells whose outputs hold an error."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]

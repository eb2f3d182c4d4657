"""Notebooks as the course reads them: safe loading, nbgrader's cell metadata, and the one parser of its markers.

Every module that needs to know which cell is an answer or a test, where a solution or a
hidden-test block begins and ends, or which variables an answer cell asks for, asks this
module. The markers follow nbgrader's own rule (``ClearSolutions``, ``ClearHiddenTests``): a
line *containing* the begin delimiter opens a block, a line containing the end delimiter
closes it, blocks do not nest, and a cell may hold any number of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from course.errors import NotebookError

# nbgrader's default delimiters (ClearSolutions.begin_solution_delimeter and friends; a unit
# test checks they agree with the installed nbgrader). Kept as text so that importing this
# module, as the lessons do, never imports nbgrader.
BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
#: What must never reach a student: any line holding one of these.
MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)
#: What feedback shows where a hidden-test block was.
HIDDEN_NOTE = "# (hidden tests ran here; their code is not shown)"

#: `name = ...` lines before the solution block declare what a question's answer is.
_DECLARED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\.\.\.", re.MULTILINE)


# ---------------------------------------------------------------- files


def read(path: Path | str) -> NotebookNode:
    """Read a notebook, or raise a one-line NotebookError that says what is wrong with the file."""
    return _read(path)[0]


def _read(path: Path | str) -> tuple[NotebookNode, object]:
    """:func:`read`, and the ``nbformat`` major version the file itself declares."""
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
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):  # v3 keeps cells in worksheets
        raise NotebookError(f"{path}: valid JSON but not a notebook (no cells). Submit the .ipynb file saved by Jupyter.")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several unrelated types here
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path}: not a valid notebook ({first[:120]}). Open it in JupyterLab, save it again, and resubmit.") from None
    return nb, data.get("nbformat", 4)


def upgrade_in_place(path: Path | str) -> bool:
    """Rewrite an older notebook (nbformat 3) as nbformat 4, as nbgrader does when it reads one; True if it did.

    Raises:
        NotebookError: the file is not a notebook (see :func:`read`).
    """
    return upgraded(path)[1]


def upgraded(path: Path | str) -> tuple[NotebookNode, bool]:
    """:func:`upgrade_in_place`, with one reading of the file: ``(the notebook as nbformat 4, whether it was rewritten)``."""
    path = Path(path)
    nb, version = _read(path)  # nbformat upgrades it while reading
    if version >= 4:
        return nb, False
    write(nb, path)
    return nb, True


def write(nb: NotebookNode, path: Path | str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def copy(nb: NotebookNode) -> NotebookNode:
    """A deep copy of a notebook (plain JSON round trip: no shared objects)."""
    return nbformat.from_dict(json.loads(json.dumps(nb)))


# ---------------------------------------------------------------- nbgrader's cell metadata


def meta(cell) -> dict:
    """A cell's nbgrader metadata (empty for a plain cell)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell) -> str | None:
    return meta(cell).get("grade_id")


def is_test_cell(cell) -> bool:
    """An autograder test cell: graded code that is not itself an answer."""
    m = meta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer_cell(cell) -> bool:
    """A code cell the student writes in (nbgrader's ``solution: true``)."""
    return cell.get("cell_type") == "code" and bool(meta(cell).get("solution"))


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def is_parameters_cell(cell) -> bool:
    """papermill's ``parameters`` cell, or the ``injected-parameters`` cell papermill (or the grader) adds."""
    return bool({"parameters", "injected-parameters"} & set(tags(cell)))


def graded_cells(nb: NotebookNode) -> dict[str, float]:
    """Return ``{grade_id: points}`` for every cell that carries points (graded cells and nbgrader tasks), in order."""
    return {meta(c)["grade_id"]: float(meta(c).get("points", 0)) for c in nb.cells
            if meta(c).get("grade") or meta(c).get("task")}


def solution_cells(nb: NotebookNode) -> list[str]:
    """Return the grade_ids of every solution (answer) cell, in notebook order."""
    return [meta(c)["grade_id"] for c in nb.cells if meta(c).get("solution")]


def find_cell(nb: NotebookNode, grade_id: str) -> NotebookNode:
    for cell in nb.cells:
        if meta(cell).get("grade_id") == grade_id:
            return cell
    raise NotebookError(f'no cell with grade_id "{grade_id}" in the notebook.')


def code_cells_with_errors(nb: NotebookNode) -> list[int]:
    """Indices of executed code cells whose outputs hold an error."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]


# ---------------------------------------------------------------- markers


def _rewrite_blocks(source: str, begin: str, end: str, replace: Callable[[str, str], str | None], count: int = 0) -> str:
    """``source`` with each ``begin`` … ``end`` block (marker lines included) replaced by ``replace(indent, body)``.

    ``replace`` returns the text to put in place of the block (``None``: leave the block as it
    is); ``indent`` is the indentation of the block's first line of code. ``count`` > 0 rewrites only the first ``count`` blocks.

    Raises:
        NotebookError: a block is never closed, or one opens inside another (nbgrader refuses both).
    """
    out: list[str] = []
    body: list[str] | None = None
    opener, done = "", 0
    for line in source.split("\n"):
        if body is None:
            if begin in line and (count <= 0 or done < count):
                body, opener = [], line
            elif end in line and (count <= 0 or done < count):
                raise NotebookError(f'"{end}" without a "{begin}" before it. Fix the markers in the instructor\'s notebook.')
            else:
                out.append(line)
        elif begin in line:
            raise NotebookError(f'a "{begin}" block opens inside another one. Close the first with "{end}".')
        elif end in line:
            # The block's code decides its indentation (a marker line is only a comment to Python).
            first = next((b for b in body if b.strip()), opener)
            indent = first[: len(first) - len(first.lstrip())]
            new = replace(indent, "\n".join(body))
            if new is None:
                out += [opener, *body, line]
            elif new != "":
                out.append(new)
            body, done = None, done + 1
        else:
            body.append(line)
    if body is not None:
        raise NotebookError(f'a "{begin}" block is never closed. Add a "{end}" line after it.')
    return "\n".join(out)


def blocks(source: str, begin: str = BEGIN_HIDDEN, end: str = END_HIDDEN) -> list[str]:
    """The bodies of every ``begin`` … ``end`` block of a cell's source, in order (hidden tests by default)."""
    found: list[str] = []

    def keep(indent: str, body: str) -> None:
        found.append(body)
        return None

    _rewrite_blocks(source, begin, end, keep)
    return found


def strip_hidden(source: str, note: str | None = HIDDEN_NOTE) -> str:
    """A test cell's code with EVERY hidden-test block removed (for feedback and for learners).

    Args:
        note: a line put where each block was (indented like it); ``None`` leaves nothing.
    """
    if BEGIN_HIDDEN not in source and END_HIDDEN not in source:
        return source
    return _rewrite_blocks(source, BEGIN_HIDDEN, END_HIDDEN, lambda indent, body: indent + note if note else "")


def rewrite_hidden(source: str, replace: Callable[[str, str], str]) -> str:
    """A test cell's code with each hidden-test block replaced by ``replace(indent, body)`` (e.g. guarded for a learner)."""
    return _rewrite_blocks(source, BEGIN_HIDDEN, END_HIDDEN, replace)


def solution_text(source: str) -> str:
    """The text inside a cell's first solution block, without the marker lines.

    Raises:
        NotebookError: the cell has no solution block.
    """
    found = blocks(source, BEGIN_SOLUTION, END_SOLUTION)
    if not found:
        raise NotebookError(f'the cell has no "### {BEGIN_SOLUTION}" ... "### {END_SOLUTION}" block.')
    return found[0]


def replace_solution(nb: NotebookNode, grade_id: str, code: str) -> NotebookNode:
    """Return a copy of ``nb`` whose answer cell ``grade_id`` has ``code`` in place of its (first) solution block.

    Used to build plausible student submissions (a wrong answer, another right answer).
    """
    nb = copy(nb)
    cell = find_cell(nb, grade_id)
    if BEGIN_SOLUTION not in cell.source:
        raise NotebookError(f'cell "{grade_id}" has no ### {BEGIN_SOLUTION} ... ### {END_SOLUTION} block to replace.')

    def sub(indent: str, body: str) -> str:
        return "\n".join(indent + line if line else line for line in code.rstrip("\n").splitlines())

    cell.source = _rewrite_blocks(cell.source, BEGIN_SOLUTION, END_SOLUTION, sub, count=1)
    return nb


def leaked_marker(source: str) -> str | None:
    """The first line of ``source`` holding a solution or hidden-test marker, stripped, or None.

    What a released cell must never hold (nbgrader's rule: a marker anywhere on a line counts).
    """
    return next((line.strip()[:80] for line in source.split("\n") if any(m in line for m in MARKERS)), None)


# ---------------------------------------------------------------- what an answer cell asks for


def declared_names(answer_source: str) -> list[str]:
    """The variables an instructor's answer cell asks for: the ``name = ...`` lines before its solution block."""
    head = answer_source.split("\n")
    upto = next((i for i, line in enumerate(head) if BEGIN_SOLUTION in line), len(head))
    return list(dict.fromkeys(_DECLARED.findall("\n".join(head[:upto]))))


def bound_names(source: str) -> list[str]:
    """The names a cell binds at its top level (assignments, ``def``, ``class``, imports), parsed, never run.

    IPython's ``%`` and ``!`` lines are skipped; a cell that is not Python binds nothing.
    """
    import ast

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []

    def targets(node) -> None:
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                targets(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            targets(node.target)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    targets(item.optional_vars)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    return list(dict.fromkeys(names))


def answer_names(answer_source: str) -> list[str]:
    """What a question's tests may read from an instructor's answer cell: its ``name = ...`` declarations, else all it binds."""
    return declared_names(answer_source) or bound_names(answer_source)


def unseen_message(name: str, crossing: list[str]) -> str:
    """What a learner is told, in their language, when a test read ``name``, which their notebook makes but grading never
    passes to the tests (they get only ``crossing``, :func:`crossing_names`): ``check()``, ``course check`` and
    ``course validate --mistakes`` say it alike."""
    from course.i18n import _

    return _("The tests read {missing}, which your notebook makes but grading never passes to them (they get only "
             "{names}): this is the course's mistake, not yours, so please tell your instructor.").format(
        missing=name, names=", ".join(crossing) or "none")


def crossing_names(nb: NotebookNode) -> dict[str, list[str]]:
    """The grader's rule for what a question's tests can read of a student's answers, per test cell's grade id.

    Grading runs a notebook in two processes (``course.grading.autograde``): the student's
    cells in one, the instructor's notebook without its answer cells in the other, where the
    tests run. At each test cell the test run receives, as data, the student's values of these
    names and no others: over the answer cells since the previous test cell, each cell's
    ``name = ...`` lines above its solution, or, in a cell that declares none (an nbgrader
    course's ``def squares(n):``), every name its solution binds at the top level
    (:func:`answer_names`). A name keeps the value it crossed with until a later test's
    answers or the instructor's own cells bind it again. Anything else an answer cell binds (a
    helper ``health = [...]``, a setup name bound again) never reaches the tests, which see
    the setup cells' own value or nothing. ``course validate --mistakes`` (its probe) and
    ``check()`` apply the same rule.
    """
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    for cell in nb.cells:
        if is_answer_cell(cell):
            pending += answer_names(cell.source)
        elif is_test_cell(cell):
            out[grade_id(cell)] = list(dict.fromkeys(pending))
            pending = []
    return out


def names_made(source: str) -> set[str] | None:
    """Every name a cell's code may bind, at any depth (assignments, loops, ``with``, imports, ``def``, ``class``,
    ``global``, ``except ... as``), parsed, never run; None when that cannot be told (``import *``, not Python).

    More than the cell binds at the top level, never less: IPython's ``%`` and ``!`` lines are skipped.
    """
    import ast

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(a.name == "*" for a in node.names):
                return None
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def names_tests_see(nb: NotebookNode, test_grade_id: str) -> set[str] | None:
    """The names grading's test run may hold at the test cell ``test_grade_id`` (:func:`crossing_names`' rule).

    What the code cells from the top down to that test cell, answer cells left out, may bind
    (:func:`names_made`: the test run runs them too), and the names that cross at this test and at
    every test before it. A name that only answer cells (or a student's own cells) make is not
    among them. None when that cannot be told: a cell whose names no parser can list, or no such
    test cell.
    """
    crossing = crossing_names(nb)
    seen: set[str] = set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or is_answer_cell(cell):
            continue
        made = names_made(cell.source)
        if made is None:
            return None
        seen |= made
        if is_test_cell(cell):
            seen.update(crossing.get(grade_id(cell), []))
            if grade_id(cell) == test_grade_id:
                return seen
    return None


def class_names(source: str) -> list[str]:
    """The classes a cell defines at its top level."""
    import ast

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return [n.name for n in ast.parse(code).body if isinstance(n, ast.ClassDef)]
    except SyntaxError:
        return []


def function_names(answer_source: str) -> list[str]:
    """The declared answers that the solution defines as functions (``def name(`` in a solution block)."""
    declared = declared_names(answer_source)
    body = "\n".join(blocks(answer_source, BEGIN_SOLUTION, END_SOLUTION)) if BEGIN_SOLUTION in answer_source else ""
    return [n for n in declared if re.search(rf"^\s*def\s+{re.escape(n)}\s*\(", body, re.MULTILINE)]


# ---------------------------------------------------------------- metadata an editor stripped


def restore_metadata(submitted: NotebookNode, release: NotebookNode) -> tuple[list[str], list[str]]:
    """Give back nbgrader's cell metadata that an editor stripped from a submission, matching cells to the release.

    A cell of the release with nbgrader metadata is matched, in order, to a submitted cell
    that has none: a locked cell (tests, prompts) only to a cell with the very same text (its
    text is restored from the gradebook anyway), an answer cell to the most similar cell of
    its type between the matched cells around it. Nothing is guessed where two candidates are
    equally good. Returns ``(restored grade ids, grade ids that could not be matched)``;
    ``submitted`` is changed in place.
    """
    import difflib

    present = {grade_id(c) for c in submitted.cells if grade_id(c)}
    wanted = [(i, c) for i, c in enumerate(release.cells) if grade_id(c) and grade_id(c) not in present]
    if not wanted:
        return [], []
    free = [i for i, c in enumerate(submitted.cells) if not meta(c)]
    placed: dict[int, int] = {}  # release index -> submitted index
    for i, c in enumerate(release.cells):  # the cells still carrying metadata are anchors already
        if grade_id(c) in present:
            placed[i] = next(j for j, s in enumerate(submitted.cells) if grade_id(s) == grade_id(c))

    def between(i: int) -> tuple[int, int]:
        before = max((placed[k] for k in placed if k < i), default=-1)
        after = min((placed[k] for k in placed if k > i), default=len(submitted.cells))
        return before, after

    def take(i: int, j: int) -> None:
        submitted.cells[j].metadata["nbgrader"] = dict(meta(release.cells[i]))
        placed[i] = j
        free.remove(j)

    last = -1
    for i, cell in enumerate(release.cells):  # 0. the release's plain cells, where the text is unchanged, mark the way
        if meta(cell) or i in placed:
            last = placed.get(i, last)
            continue
        same = [j for j in free if j > last and submitted.cells[j].cell_type == cell.cell_type
                and submitted.cells[j].source.strip() == cell.source.strip()]
        if same:
            placed[i] = last = same[0]
            free.remove(same[0])
    for i, cell in wanted:  # 1. locked cells: the same text, in order
        if meta(cell).get("locked") and not meta(cell).get("solution"):
            lo, hi = between(i)
            same = [j for j in free if lo < j < hi and submitted.cells[j].cell_type == cell.cell_type
                    and submitted.cells[j].source.strip() == cell.source.strip()]
            if same:
                take(i, same[0])
    for i, cell in wanted:  # 2. answer cells: the most similar cell of the same type between their neighbours
        if i in placed:
            continue
        lo, hi = between(i)
        options = [j for j in free if lo < j < hi and submitted.cells[j].cell_type == cell.cell_type]
        scored = sorted(((difflib.SequenceMatcher(None, cell.source, submitted.cells[j].source).ratio(), -j) for j in options),
                        reverse=True)
        if scored and scored[0][0] >= 0.5 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            take(i, -scored[0][1])  # the starter code the release gave is still recognisable
        elif options:
            take(i, options[0])  # a stub the student replaced: the first cell of its type where it stood
    restored = [grade_id(c) for i, c in wanted if i in placed]
    return restored, [grade_id(c) for i, c in wanted if i not in placed]

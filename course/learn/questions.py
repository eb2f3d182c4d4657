"""The questions of an assignment as a self-learner sees them: visible tests, answer names and hints, from release/ and the manifest."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from course import i18n
from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError
from course.paths import find_root

@dataclass(frozen=True)
class Exercise:
    """One question of a released notebook, with what a learner may see of it (never its hidden tests)."""

    id: str
    kind: str  # "auto" or "manual"
    points: float
    notebook: str
    hints: tuple[str, ...]
    visible_tests: str = ""  # the test cell as released: visible tests only
    names: tuple[str, ...] = ()  # the answer variables the question asks for
    #: the names grading's tests can read at this question (course.notebooks.names_tests_see); None: not known
    seen: frozenset[str] | None = None


def normalise_id(question: object) -> str:
    """Accept ``"q1"``, ``"Q1"``, ``" q1 "``, ``1`` or ``"1"`` for question 1."""
    text = str(question).strip().lower()
    return f"q{text}" if re.fullmatch(r"\d+[a-z]?", text) else text


def visible_part(test_source: str) -> str:
    """A test cell's code without any hidden-test block (release/ has none; this is a second guard)."""
    return nbs.strip_hidden(test_source, note=None)


def released_notebook(manifest: manifests.Manifest, notebook: str, root: Path) -> Path:
    """The released notebook in the manifest's language (release/<lang>/<id>/), else the English one."""
    translated = Path(root) / "release" / manifest.lang / manifest.id / notebook
    if manifest.lang != i18n.ENGLISH and translated.is_file():
        return translated
    path = manifest.release_dir(root) / notebook
    if not path.is_file():
        raise CourseError(
            f"no released notebook release/{manifest.id}/{notebook}: ask your instructor, or run "
            f"`course release {manifest.id}` in the course repository."
        )
    return path


def exercises(assignment_id: str, root: Path | None = None, lang: str | None = None) -> dict[str, Exercise]:
    """Every question of an assignment, keyed by id, in manifest order.

    Visible tests come from the released notebook (release/<id>/, or release/<lang>/<id>/), which
    holds no hidden test; hints from the manifest, in ``lang`` (default: ``course.i18n.language()``,
    the notebook's) where the manifest is translated.

    Raises:
        AssignmentNotFound, ManifestError: the manifest is missing or invalid.
        CourseError: a released notebook is missing.
    """
    root = find_root(root)
    lang = lang or i18n.language()
    manifest = manifests.load(assignment_id, root, lang=None if lang == i18n.ENGLISH else lang)
    cells: dict[str, dict[str, str]] = {}
    released: dict[str, nbs.NotebookNode] = {}
    for entry in manifest.graded_notebooks:
        nb = released[entry.file] = nbs.read(released_notebook(manifest, entry.file, root))
        cells[entry.file] = {
            nbs.grade_id(c) or "": c.source for c in nb.cells
        }
    out = {}
    for q in manifest.questions:
        found = cells.get(q.notebook, {})
        tests = visible_part(found.get(f"{q.id}-tests", "")) if q.kind == "auto" else ""
        names = tuple(nbs.declared_names(found.get(q.answer_cell, ""))) if q.kind == "auto" else ()
        seen = _tests_see(released[q.notebook], f"{q.id}-tests") if q.kind == "auto" and q.notebook in released else None
        out[q.id] = Exercise(q.id, q.kind, q.points, q.notebook, q.hints, tests, names, seen)
    return out


def _tests_see(nb: nbs.NotebookNode, test_id: str) -> frozenset[str] | None:
    """What grading's tests can read at ``test_id``, from a released notebook; None where it cannot say.

    A released answer cell holds no solution, so the grader's rule (``course.notebooks.crossing_names``)
    can be read from it only where each answer cell above the test declares its names (``name = ...``).
    """
    for cell in nb.cells:
        if nbs.is_answer_cell(cell) and not nbs.declared_names(cell.source):
            return None
        if nbs.grade_id(cell) == test_id:
            break
    seen = nbs.names_tests_see(nb, test_id)
    return None if seen is None else frozenset(seen)


def unknown_question(question: str, known: list[str]) -> str:
    close = difflib.get_close_matches(question, known, n=1)
    maybe = f' Did you mean "{close[0]}"?' if close else ""
    return f'no question "{question}" here.{maybe} The questions are {", ".join(known)}.'


def guess_assignment(cwd: Path, root: Path, session_path: str | None = None) -> str | None:
    """The assignment a running notebook belongs to: from its path (Jupyter's session), else its folder's name."""
    known = manifests.available(root)
    candidates = []
    if session_path:
        p = Path(session_path)
        candidates += [p.parent.name, *(m.id for m in manifests.load_all(root) for e in m.notebooks if e.file == p.name)]
    candidates += [Path(cwd).name]
    for name in candidates:
        if name in known:
            return name
    for p in Path(cwd).glob("*.ipynb"):
        for aid in known:
            if p.name.startswith(aid + "-"):
                return aid
    return None


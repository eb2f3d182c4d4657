"""`course check`: grade a learner's own notebook on their machine, hidden tests included, revealing none of them.

Hidden tests come from the learner's own clone of the course (``source/``). On a student's
install there is none, and a ``source/`` another user owns is refused: then only the released
notebook's visible tests run, and the summary says so in one line.

The notebook goes through the grading core (``course.grading.autograde.grade_notebook``),
in its sandbox where the machine has one, else as the learner's own code (``LocalEngine``). Only a score per question comes back, with the
message of a failed *visible* test: a failed hidden test is reported as such, never its code,
its message or the solution.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click
import nbformat

from course import i18n
from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError, NotebookError
from course.grading import engine as engines
from course.grading import language
from course.grading.autograde import grade_notebook
from course.i18n import _
from course.limits import Limits
from course.paths import find_root

#: The error a test cell shows when a hidden test failed: its name only, never its message.
HIDDEN_FAILED = "HiddenTestFailed"
HIDDEN_MESSAGE = ("passes the visible tests, but a hidden test does not. Hidden tests check the exact value and "
                  "the edge cases: re-read the question (which rows? which statistic? rounding?).")

PASSED, FAILED, BY_HAND = "passed", "failed", "by hand"


@dataclass
class QuestionScore:
    """One row of the learner's score table."""

    id: str
    points: float
    score: float | None  # None: a written answer, not graded here
    status: str
    message: str = ""


@dataclass
class SelfCheck:
    """What `course check` found in a learner's notebook."""

    assignment: str
    notebook: str
    rows: list[QuestionScore]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    hidden_tests: bool = True  # False: this copy of the course has no solutions, so only visible tests ran

    @property
    def score(self) -> float:
        return sum(r.score or 0.0 for r in self.rows)

    @property
    def auto_points(self) -> float:
        return sum(r.points for r in self.rows if r.score is not None)

    def summary(self) -> str:
        only = "" if self.hidden_tests else _(" (visible tests only)")
        lines = [_("{notebook} ({assignment}): {score:g} of {points:g} autograded points{only}").format(
            notebook=self.notebook, assignment=self.assignment, score=self.score, points=self.auto_points, only=only)]
        width = max((len(r.id) for r in self.rows), default=3)
        for r in self.rows:
            got = "-" if r.score is None else f"{r.score:g}"
            text = {PASSED: _("passed"), BY_HAND: _("written answer: graded by a person, not here")}.get(r.status, r.message)
            lines.append(f"  {r.id:<{width}}  {got:>3}/{r.points:<3g} {text}")
        manual = sum(r.points for r in self.rows if r.score is None)
        if manual:
            lines.append(_("Written answers ({points:g} points) are graded by a person.").format(points=manual))
        lines += [_("Note: {note}").format(note=n) for n in self.notes]
        lines.append(_("Checked in {seconds:.0f} s. Your notebook file was not changed.").format(seconds=self.seconds))
        return "\n".join(lines)


def _limits_config(root: Path) -> dict[str, int]:
    """The limits an instructor set in ``nbgrader_config.py``, as ``workspace.configured_limits`` reads them.

    Read here, with traitlets alone: importing ``course.grading.workspace`` loads nbgrader
    (about 2 s on one CPU) that a self-check does not use.
    """
    from traitlets.config.loader import PyFileConfigLoader

    name = "nbgrader_config.py"
    if not (Path(root) / name).is_file():
        raise CourseError(f"no {name} in {root}: restore it from the repository (git checkout {name}).")
    config = PyFileConfigLoader(name, path=str(root)).load_config()
    section = config.SandboxedExecute if "SandboxedExecute" in config else {}
    found = {key: section[key] for key in Limits.fields() if key in section}
    if "cell_seconds" not in found and "Execute" in config and isinstance(config.Execute.get("timeout"), int):
        found["cell_seconds"] = config.Execute.timeout
    return found


def guard_hidden(test_source: str) -> str:
    """The test cell with its hidden block wrapped so that a failure there shows only ``HiddenTestFailed``.

    The hidden code runs unchanged (``exec`` in the notebook's globals); any exception it raises
    is replaced by one without its message, so nothing of the hidden tests reaches the learner.
    """

    def wrap(indent: str, body: str) -> str:
        return (
            f"{indent}class {HIDDEN_FAILED}(AssertionError):\n{indent}    pass\n"
            f"{indent}try:\n{indent}    exec({textwrap.dedent(body)!r}, globals())\n"
            f"{indent}except Exception:\n{indent}    raise {HIDDEN_FAILED}('') from None"
        )

    return nbs.rewrite_hidden(test_source, wrap)


def _prepare(learner, source) -> nbformat.NotebookNode:
    """The learner's notebook as nbgrader would hand it to the grader: test cells and metadata restored from source."""
    nb = copy.deepcopy(learner)
    originals = {nbs.grade_id(c): c for c in source.cells if nbs.grade_id(c)}
    for cell in nb.cells:
        gid = nbs.grade_id(cell)
        if gid is None:
            continue
        original = originals.get(gid)
        if original is None or original.cell_type != cell.cell_type:
            cell.metadata.pop("nbgrader", None)  # not a cell of this assignment: plain learner code
            continue
        cell.metadata["nbgrader"] = copy.deepcopy(original.metadata["nbgrader"])
        if nbs.is_test_cell(original):
            cell.source = nbs.strip_hidden(original.source)
    return nb


def _parameters(nb) -> dict[str, object]:
    """The literal values set in a notebook's ``parameters`` cell (SEED = 2026, ...)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                return {}
            out = {}
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        out[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        out[node.targets[0].id] = ast.unparse(node.value)
            return out
    return {}


def _sandbox_available() -> str:
    """'' if grading can use the sandbox here, else why not (one short phrase)."""
    try:
        from course.grading import sandbox

        sandbox.check_available()
    except CourseError as exc:
        return str(exc).split(". To grade")[0]
    except ImportError as exc:  # the sandbox module needs POSIX (resource); Windows has none
        return f"this system has no {exc.name} module"
    return ""


def _owner(path: Path) -> int | None:
    """The uid owning ``path``; None if it does not exist; -1 if it cannot even be looked at (not ours)."""
    try:
        return path.stat().st_uid
    except FileNotFoundError:
        return None
    except OSError:
        return -1


def instructor_copy(manifest: manifests.Manifest, notebook: str, root: Path) -> tuple[Path | None, str]:
    """The instructor's notebook (hidden tests included) to check against, or None and why not (one line).

    A student's install has no ``source/``. A ``source/`` that another user owns (an instructor's
    clone that a hub left readable) is never used: ``course check`` would otherwise tell its user
    whether an answer passes the hidden tests.
    """
    source = Path(root) / "source"
    if not source.is_dir():
        return None, _("hidden tests are not run here (this copy of the course has no source/, as on a student's "
                       "install): the score counts the visible tests only; the grade may be lower.")
    me = getattr(os, "geteuid", lambda: None)()
    path = manifest.source_dir(root) / notebook
    owners = {uid for uid in map(_owner, (source, manifest.source_dir(root), path)) if uid is not None}
    if me is not None and owners - {me}:
        return None, _("{source} belongs to another user, so it is not used: hidden tests are not run here; "
                       "the score counts the visible tests only.").format(source=source)
    return path, ""


def _verdict(cell) -> tuple[str, str]:
    """(status, message) of a graded test cell: passed if it shows no error, as nbgrader counts it."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return PASSED, ""
    ename, evalue = errors[0].get("ename", "Error"), str(errors[0].get("evalue", "")).strip()
    if ename == HIDDEN_FAILED:
        return FAILED, HIDDEN_MESSAGE
    first = (evalue.splitlines() or [""])[0][:300]
    if ename == "NotGraded":
        return FAILED, f"not graded: {first}."
    if ename == "NameError":
        return FAILED, f"{first}: it comes from an earlier cell, so answer the questions above this one first."
    if ename in ("AssertionError", "CheckFailed"):
        return FAILED, first or "a visible test failed: run the test cell in your notebook to see which."
    return FAILED, f"{ename}{': ' + first if first else ''}"


def _unseen_name(cell, *notebooks) -> str:
    """The name a test cell's NameError is about, if a code cell of ``notebooks`` (test cells aside) makes it; else "".

    Grading's test run gets only the names each answer cell declares (``course.notebooks.crossing_names``);
    a name an answer cell makes besides (the learner's, or the instructor's solution) is not there.
    """
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors or errors[0].get("ename") != "NameError":
        return ""
    found = re.match(r"name '(\w+)' is not defined", str(errors[0].get("evalue", "")))
    if not found:
        return ""
    made = set()
    for c in (c for nb in notebooks for c in nb.cells):
        if c.get("cell_type") == "code" and not nbs.is_test_cell(c):
            made |= nbs.names_made(c.source) or set()
    return found.group(1) if found.group(1) in made else ""


def _checked_path(path: Path | str) -> Path:
    """``path`` if it names a notebook file; else a CourseError that says what to give."""
    path = Path(path)
    if path.is_dir():
        raise CourseError(f"{path} is a folder: give the notebook file, e.g. {path}/<name>-lab.ipynb.")
    if path.suffix != ".ipynb":
        raise CourseError(f"{path} is not a notebook: give the .ipynb file of your lab.")
    if not path.is_file():
        raise CourseError(f"no notebook at {path}: check the path (e.g. my-work/01-problem-framing/01-problem-framing-lab.ipynb).")
    return path


#: Manifests read by this process, by course root: (the files' sizes and times, what assignment_of_notebook found).
#: The checker server checks again and again; reading seven manifests' YAML is about 3 s on one CPU.
_MANIFESTS: dict[tuple[str, str], tuple[tuple, tuple]] = {}


def _manifest_files(root: Path) -> tuple:
    """The size and change time of every file a manifest is read from: a changed one is read again."""
    out = []
    for folder in (root / "assignments", root / "source"):
        for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
            try:
                info = path.stat()
            except OSError:
                continue
            out.append((str(path), info.st_size, info.st_mtime_ns))
    return tuple(out)


def _assignment_of(path: Path, root: Path) -> tuple[manifests.Manifest, str]:
    """``manifest.assignment_of_notebook``, remembered while no manifest file changes."""
    key = (str(path.resolve()), str(root))
    files = _manifest_files(root)
    known = _MANIFESTS.get(key)
    if known is not None and known[0] == files:
        return known[1]
    found = manifests.assignment_of_notebook(path, root)
    _MANIFESTS[key] = (files, found)
    return found


@dataclass
class _Plan:
    """What a check of one notebook needs before anything runs: the notebooks, the limits, the engine's kind."""

    manifest: manifests.Manifest
    notebook: str
    learner: nbformat.NotebookNode
    source: nbformat.NotebookNode
    hidden_tests: bool
    notes: list[str]
    kind: str  # "zygote" (sandboxed) or "local"
    limits: Limits
    preload: list[str]

    @property
    def engine_key(self) -> tuple:
        """Checks with equal keys can share pre-loaded processes (the grading engine keys its zygotes by these too)."""
        return (self.kind, tuple(self.preload), self.limits)


def _plan(path: Path | str, root: Path | str | None, sandboxed: bool | None) -> _Plan:
    """Read and check everything a self-check needs (see :func:`self_check` for the errors it raises)."""
    root = find_root(root)
    path = _checked_path(path)
    manifest, notebook = _assignment_of(path, root)
    entry = next(e for e in manifest.notebooks if e.file == notebook)
    if not entry.graded:
        labs = ", ".join(e.file for e in manifest.graded_notebooks)
        raise CourseError(f"{path.name} is a teaching notebook, with nothing to grade: check the lab instead ({labs}).")
    learner = nbs.read(path)
    notes = []
    instructors, why = instructor_copy(manifest, notebook, root)
    if instructors is None:
        notes.append(why)
        released = manifest.release_dir(root) / notebook
        lang = language.of_notebook(learner)
        in_lang = manifest.release_dir(root, lang) / notebook
        if lang != i18n.ENGLISH and in_lang.is_file():  # the test cells the learner was given, in their language
            released = in_lang
        if not released.is_file():
            raise CourseError(f"no released notebook release/{manifest.id}/{notebook} in {root}: "
                              f"ask your instructor to reinstall the course.")
    source = nbs.read(instructors or released)
    wanted = [q for q in manifest.questions if q.notebook == notebook]
    present = {nbs.grade_id(c) for c in learner.cells}
    if not any(q.graded_cell in present for q in wanted):
        raise NotebookError(f"{path.name} has none of the question cells of {manifest.id}: is it the right notebook? "
                            f"Start again from release/{manifest.id}/{notebook}.")

    if sandboxed is None:
        why = _sandbox_available()
        sandboxed = not why
        if why:
            notes.append(f"no sandbox on this machine ({why}): your notebook ran without one, as your own code.")
    # The learner's own code on the learner's own machine: where no sandbox can start, it runs without one.
    kind = "zygote" if sandboxed else "local"
    limits = Limits.for_manifest(manifest, _limits_config(root))
    # What grade_notebook pre-loads: the imports of the instructor's notebook (guard_hidden adds none).
    return _Plan(manifest, notebook, learner, source, instructors is not None, notes, kind, limits,
                 engines.imports_of(source))


def _engine(plan: _Plan, kept: dict | None):
    """The engine for ``plan`` and whether to close it after the check.

    ``kept`` (the checker server's, across checks) maps an engine key to ``{kind: engine}``: an
    engine with the plan's key is reused; those of any other key are closed first, so that one
    pair of sandboxes at most is alive (a 1 GB pod has no room for a pair per module).
    """
    if kept is None:
        return engines.make(plan.kind), True
    for other in [k for k in kept if k != plan.engine_key]:
        for engine in kept.pop(other).values():
            engine.close()
    mine = kept.setdefault(plan.engine_key, {})
    if plan.kind not in mine:
        mine[plan.kind] = engines.make(plan.kind)
    return mine[plan.kind], False


def warm(path: Path | str, root: Path | str | None = None, kept: dict | None = None, sandboxed: bool | None = None) -> bool:
    """Start the pre-loaded processes a check of ``path`` will use, in ``kept``, so that the check itself is quick.

    Each of the two sandboxes runs an empty notebook: that starts it with the imports of the
    instructor's notebook, exactly as the check's own runs would. Nothing of the learner's runs.

    Returns:
        True if processes were started (False: nothing to pre-load, as without a sandbox).

    Raises:
        CourseError: as :func:`self_check` does.
    """
    plan = _plan(path, root, sandboxed)
    if plan.kind != "zygote" or kept is None:
        return False
    engine, _ = _engine(plan, kept)
    empty = nbformat.v4.new_notebook()
    for mode in ("trusted", "student"):
        engine.run(empty, plan.limits, mode, None, plan.preload)
    return True


def self_check(path: Path | str, root: Path | str | None = None, sandboxed: bool | None = None,
               progress: Callable[[str], None] | None = None, kept: dict | None = None) -> SelfCheck:
    """Grade a learner's notebook locally, hidden tests included where the learner owns ``source/``, and return a score per question.

    Args:
        path: the learner's notebook, e.g. ``my-work/01-problem-framing/01-problem-framing-lab.ipynb``.
        root: the course repository (found from the current folder by default).
        sandboxed: True to require the sandbox, False to run without it, None (default) to use
            it where the machine has one and say so where it has not.
        progress: called with a short message before the (slow) grading starts.
        kept: engines to reuse, kept open across checks (course.grading.checkserver keeps its
            pre-loaded processes this way; see :func:`_engine`); None: a new engine, closed at the end.

    Returns:
        The scores. Hidden test code, hidden test messages and solutions are never in it.

    Raises:
        CourseError: the path is not a notebook of an assignment, or the notebook is broken.
    """
    started = time.perf_counter()
    path = _checked_path(path)
    plan = _plan(path, root, sandboxed)
    manifest, notebook, learner, source, notes = plan.manifest, plan.notebook, plan.learner, plan.source, plan.notes
    wanted = [q for q in manifest.questions if q.notebook == notebook]
    mine, theirs = _parameters(learner), _parameters(source)
    changed = sorted(k for k in theirs if k in mine and mine[k] != theirs[k])
    if changed:
        notes.append(f"your parameters cell changes {', '.join(changed)}; grading uses "
                     f"{', '.join(f'{k} = {theirs[k]!r}' for k in changed)}, so put them back before you submit.")

    # the test run speaks the learner's language (the package's messages; the instructor's test cells
    # translated where the course has their translation), as grading does (course.grading.language)
    # (it copies what it changes and never touches its arguments; guard_hidden below edits ``guarded`` in place)
    _, guarded = language.in_submission_language(learner, copy.deepcopy(source), manifest.id,
                                                 Path(notebook).stem, Path(find_root(root)) / "source")
    for cell in guarded.cells:
        if nbs.is_test_cell(cell):
            cell.source = guard_hidden(cell.source)
    if progress:
        progress(f"running {path.name} twice (your answers, then the tests): about a minute on a laptop")
    engine, close = _engine(plan, kept)
    try:
        graded, engine_notes = grade_notebook(_prepare(learner, source), guarded, plan.limits, engine)
    finally:
        if close:
            engine.close()
    notes += [n for n in engine_notes if n]

    cells = {nbs.grade_id(c): c for c in graded.cells}
    crossing = nbs.crossing_names(source)
    rows = []
    for q in wanted:
        if q.by_hand:
            rows.append(QuestionScore(q.id, q.points, None, BY_HAND))
            continue
        cell = cells.get(q.graded_cell)
        if cell is None:
            rows.append(QuestionScore(q.id, q.points, 0.0, FAILED,
                                      f"its test cell is missing from your notebook: copy it back from "
                                      f"release/{manifest.id}/{notebook}."))
            continue
        status, message = _verdict(cell)
        unseen = _unseen_name(cell, learner, source)
        if unseen:
            message = nbs.unseen_message(unseen, crossing.get(q.graded_cell, []))
        rows.append(QuestionScore(q.id, q.points, q.points if status == PASSED else 0.0, status, message))
    return SelfCheck(manifest.id, path.name, rows, notes, time.perf_counter() - started, hidden_tests=plan.hidden_tests)


def _progress(message: str) -> None:
    click.echo(f"  … {message}", err=True)


@click.command("check", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("notebook", type=click.Path(path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None, hidden=True)
def command(notebook: Path, root: Path | None = None) -> None:
    """Grade your own notebook on this machine, hidden tests included: a score per question, no test code shown."""
    from course.grading import checkserver

    notebook = _checked_path(notebook)
    root = find_root(root)
    summary = checkserver.check(notebook, root, progress=_progress)  # reuses the pre-loaded processes of the last check
    click.echo(summary if summary is not None else self_check(notebook, root=root, progress=_progress).summary())


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:  # the learner's checker server (checkserver._start)
    sys.modules.setdefault("rfc3987_syntax", None)  # as course.launch does: 2 s of IRI grammar nothing here uses
    from course.grading import checkserver

    checkserver.serve(Path(sys.argv[2]), self_check, warm)

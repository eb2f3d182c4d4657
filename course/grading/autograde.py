"""The two-run core of grading one notebook: the student's code runs sandboxed, the tests run where it cannot reach.

Pure: a submission and the instructor's notebook in, the graded notebook and notes out; the
engine that runs notebooks is an argument. ``steps.SandboxedExecute`` calls it in nbgrader's
chain, ``selfcheck`` calls it for ``course check``. For each notebook:

1. *Student run* (sandbox): the submission with every test cell replaced by an *at* cell
   that hands that question's answers over as JSON data (``answers``) and then serves the
   test's calls into the student's functions and classes (``inside/calls.py``). The
   student's process never sees a test's code, visible or hidden.
2. *Test run* (sandbox), at the same time and in lockstep with (1), as nbgrader runs them
   in one kernel: the instructor's own notebook from ``source/``, its answer cells
   replaced by the student's injected values, its test cells as written. No student code
   runs here: a call to a student's function is carried out in (1), and only data comes back.
3. The test cells' outcomes from (2) and the student's outputs from (1) make the graded
   notebook. Every hidden-test block is removed from it, and tracebacks cut to their last
   line, so feedback never shows hidden test code.
"""

from __future__ import annotations

import json
import re

import nbformat
from nbformat.v4 import new_code_cell, new_output

from course import notebooks as nbs
from course.grading import answers
from course.grading.engine import imports_of
from course.grading.inside.contract import NO_CELL_LIMIT
from course.grading.sandbox import Outcome
from course.limits import Limits
from course.notebooks import is_answer_cell, is_test_cell


def questions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell of the instructor's notebook: the names that cross from the student's run to the tests.

    The ``name = ...`` lines the answer cells since the previous test cell declare, or, in a
    cell that declares none (an nbgrader course's ``def squares(n):``), every name its solution
    binds at the top level: ``course.notebooks.crossing_names``, the one statement of the rule.
    """
    return nbs.crossing_names(source_nb)


def classes_of(source_nb) -> list[str]:
    """The classes the instructor's answer cells define: the tests may receive instances of these."""
    return [name for cell in source_nb.cells if is_answer_cell(cell) for name in nbs.class_names(cell.source)]


#: How a note about a cell the sandbox could not grade as nbgrader would begins (``course autograde`` exits 1 on it).
NOT_EQUAL = "not graded as nbgrader would"


def solution_failure(name: str, graded, notes: list[str]) -> str:
    """Why the instructor's own notebook ``name``, graded as a submission (``graded``, ``notes``), is refused; "" if it is not.

    One line naming the first autograded test cell that failed for the solution, or "".
    """
    for cell in graded.cells:
        if not is_test_cell(cell):
            continue
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is not None:
            why = f"{error.get('ename', 'Error')}: {error.get('evalue', '')}".strip().rstrip(":")
            extra = next((n for n in notes if n.startswith(NOT_EQUAL) and nbs.grade_id(cell) in n), "") or \
                next(iter(notes), "")
            return (f"{name}, cell {nbs.grade_id(cell)}: the instructor's solution fails this test in the sandbox "
                    f"({why[:200]}{'; ' + extra[:200] if extra else ''}), so students would not get nbgrader's score. "
                    "Fix the cell (docs/AUTHORING.md says what the sandbox allows), or grade with plain nbgrader.")
    return ""


def check_solutions(folder, limits: Limits, engine) -> str:
    """Grade every notebook with tests in ``folder`` (an assignment's ``source/``) as its own submission; the first refusal, or ""."""
    from pathlib import Path

    for path in sorted(p for p in Path(folder).glob("*.ipynb") if p.is_file()):
        source = nbs.read(path)
        if not any(is_test_cell(c) for c in source.cells):
            continue
        graded, notes = grade_notebook(nbs.copy(source), source, limits, engine, student_files=folder, test_files=folder)
        failure = solution_failure(path.name, graded, notes)
        if failure:
            return failure
    return ""


def _error(ename: str, evalue: str) -> nbformat.NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _why_stopped(report: dict, outcome: Outcome) -> str:
    if outcome.killed:
        verb = "" if outcome.killed.startswith("crashed") else "was "
        return f"the notebook {verb}{outcome.killed}"
    status = report.get("status")
    if status == "dead-kernel":
        return report.get("detail") or "the kernel died"
    if status == "timeout":
        return report.get("detail") or "a cell ran too long"
    if status == "error" or not report:
        return "the notebook could not be run" + (f" ({report.get('detail')})" if report.get("detail") else "")
    return ""


def grade_notebook(nb, source_nb, limits: Limits, engine, parameters_cell=None, student_files=None,
                   test_files=None) -> tuple[nbformat.NotebookNode, list[str]]:
    """Run a sanitized submission through the student run and the test run; return the graded notebook and notes.

    Args:
        nb: the submission after nbgrader's sanitizing steps (test cells restored from source).
        source_nb: the instructor's notebook from ``source/``.
        limits: limits for each of the two runs (``Limits.for_manifest``).
        engine: what runs the notebooks (``course.grading.engine``): sandboxed for students' work.
        parameters_cell: a papermill ``injected-parameters`` cell found in the submission, replayed in the test run.
        student_files: the folder of files the student's run sees beside the notebook (nbgrader's
            autograded folder: the assignment's files and the student's own).
        test_files: the folder of files the test run sees (the instructor's assignment folder).

    Returns:
        The graded notebook (``nb``, its outputs replaced) and notes on how the runs ended.
    """
    notes: list[str] = []
    names = questions_of(source_nb)
    preload = imports_of(source_nb)
    # 1. The student's run: their cells; where each test stands, a cell that hands over the answers and serves the test's calls.
    student = nbs.copy(nb)
    for cell in student.cells:
        if is_test_cell(cell):
            cell.source = answers.at_cell(nbs.grade_id(cell), names.get(nbs.grade_id(cell), []))
            cell.metadata["course_internal"] = True
            cell.metadata[NO_CELL_LIMIT] = True  # it waits while the test runs; each call has its own limit
    student.cells.insert(0, _internal(answers.student_setup(limits.cell_seconds)))

    # 2. The test run: the instructor's notebook, answers injected, tests as written, in lockstep with (1).
    trusted = nbs.copy(source_nb)
    cells = [_internal(answers.test_setup(limits.cell_seconds, limits.wall_seconds, classes_of(source_nb)))]
    for cell in trusted.cells:
        if cell.cell_type != "code" or is_answer_cell(cell):
            continue
        if is_test_cell(cell):
            gid = nbs.grade_id(cell)
            hidden = bool(nbs.blocks(cell.source))
            wait = _internal(answers.wait_cell(gid, names.get(gid, []), "the answer cell did not run", hidden))
            wait.metadata[NO_CELL_LIMIT] = True  # the student's cells before this test each have their own limit
            cells += [wait, cell]
        else:
            cells += _then_parameters(cell, parameters_cell)
    trusted.cells = cells
    (executed, report, outcome, _), (t_exec, t_report, t_outcome, t_files) = engine.run_pair(
        student, trusted, limits, preload, student_files, test_files)
    stopped = _why_stopped(report, outcome)
    if stopped:
        notes.append(stopped)
    test_outputs = {}
    if t_exec is not None:
        for cell in t_exec.cells:
            if is_test_cell(cell):
                test_outputs[nbs.grade_id(cell)] = cell.get("outputs", [])
    t_stopped = _why_stopped(t_report, t_outcome)
    if t_stopped:
        notes.append(f"tests: {t_stopped}")
    try:
        calls = json.loads(t_files.get("calls.json", b"{}"))
        uncrossed = calls.get("uncrossed", {})
    except (ValueError, AttributeError):
        calls, uncrossed = {}, {}
    if calls.get("hidden_calls"):
        # Hidden tests called the student's code with hidden inputs, which it could have kept and
        # printed in a later cell: the feedback shows the outputs of a run that never met a test.
        alone = engine.run(student, limits, "student", None, preload, student_files)
        if alone[0] is not None:
            executed = alone[0]
    for gid, outputs in test_outputs.items():
        failed = any(o.get("output_type") == "error" for o in outputs)
        if failed and isinstance(uncrossed, dict) and uncrossed.get(gid):
            notes.append(f"{NOT_EQUAL}: {gid}: {'; '.join(map(str, uncrossed[gid]))[:300]}")

    # 3. The graded notebook: the student's outputs, the test run's verdicts.
    ran_tests = set()
    if t_exec is not None:
        for index in t_report.get("ran", []):
            if isinstance(index, int) and 0 <= index < len(t_exec.cells) and is_test_cell(t_exec.cells[index]):
                ran_tests.add(nbs.grade_id(t_exec.cells[index]))
    aligned = executed is not None and len(executed.cells) == len(nb.cells) + 1
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test_cell(cell):
            gid = nbs.grade_id(cell)
            if gid in ran_tests:
                cell.outputs = [_short(o) for o in test_outputs.get(gid, [])]
            else:
                cell.outputs = [_error("NotGraded", f"this test did not run: {t_stopped or stopped or 'unknown reason'}")]
            cell.source = nbs.strip_hidden(cell.source)
            cell.execution_count = None
        else:
            twin = executed.cells[i + 1] if aligned else {}
            cell.outputs = [_in_own_voice(o) for o in twin.get("outputs", [])]
            cell.execution_count = twin.get("execution_count")
    return nb, notes


#: Printed words that read like a grader's verdict.
_GRADER_VOICE = re.compile(r"(?i)\b(tests?|passed|passes|success(ful)?|correct|points?|score[ds]?|grade[ds]?|ok)\b|[✓✔✅]")
#: What marks such a print in feedback as the student's own.
OWN_OUTPUT = "[printed by the submitted code] "


def _in_own_voice(output) -> nbformat.NotebookNode:
    """A student's printed text that reads like the grader's verdict, marked in feedback as the student's own."""
    if output.get("output_type") == "stream" and _GRADER_VOICE.search(str(output.get("text", ""))):
        output = nbformat.from_dict(dict(output))
        output["text"] = "".join(OWN_OUTPUT + line if line.strip() else line
                                 for line in str(output["text"]).splitlines(keepends=True))
    return output


def _then_parameters(cell, parameters_cell) -> list:
    """``cell``, followed by the grader's ``parameters_cell`` when ``cell`` is the notebook's own parameters cell."""
    if nbs.is_parameters_cell(cell) and parameters_cell is not None and "injected-parameters" not in cell.metadata.get("tags", []):
        return [cell, parameters_cell]
    return [cell]


def _internal(source: str) -> nbformat.NotebookNode:
    """A cell the grader adds: run without history or shown output."""
    cell = new_code_cell(source)
    cell.metadata["course_internal"] = True
    return cell


def _short(output) -> nbformat.NotebookNode:
    """An error output with its traceback cut to the last line: no hidden test code leaks into feedback."""
    if output.get("output_type") == "error":
        return _error(output.get("ename", "Error"), output.get("evalue", ""))
    return output

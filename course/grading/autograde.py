"""The two-run core of grading one notebook: the student's code runs sandboxed, the tests run where it cannot reach.

Pure: a submission and the instructor's notebook in, the graded notebook and notes out; the
engine that runs notebooks is an argument. ``steps.SandboxedExecute`` calls it in nbgrader's
chain, ``selfcheck`` calls it for ``course check``. For each notebook:

1. *Student run* (sandbox): the submission with every test cell replaced by a capture cell
   that writes that question's answer variables as JSON (``answers``). The student's
   kernel never sees a test, visible or hidden.
2. *Test run* (sandbox): the instructor's own notebook from ``source/``, its answer cells
   replaced by cells that inject the captured values, its test cells as written. No student
   code runs here.
3. The test cells' outcomes from (2) and the student's outputs from (1) make the graded
   notebook. Every hidden-test block is removed from it, and tracebacks cut to their last
   line, so feedback never shows hidden test code.
"""

from __future__ import annotations

import hashlib
import json

import nbformat
from nbformat.v4 import new_code_cell, new_output

from course import notebooks as nbs
from course.grading import answers
from course.grading.engine import imports_of
from course.grading.sandbox import Outcome
from course.limits import Limits
from course.notebooks import is_answer_cell, is_test_cell


def _per_question(source_nb, names_in) -> dict[str, list[str]]:
    """For each test cell: ``names_in(source)`` over the answer cells since the previous test cell."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    for cell in source_nb.cells:
        if is_answer_cell(cell):
            pending += names_in(cell.source)
        elif is_test_cell(cell):
            out[nbs.grade_id(cell)] = list(dict.fromkeys(pending))
            pending = []
    return out


def questions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell of the instructor's notebook: the answer variables declared since the previous test cell."""
    return _per_question(source_nb, nbs.declared_names)


def functions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell: the answers of its question that the solution defines as functions."""
    return _per_question(source_nb, nbs.function_names)


def probes_for(source_nb, limits: Limits, engine, parameters_cell=None) -> dict:
    """The inputs that tests and instructor cells give each function answer, noted by running the solution once.

    Returns ``{name: [[key, args, kwargs], ...]}`` (plain JSON), kept in ``engine.memo`` per
    notebook and parameters. Empty when no answer is a function.
    """
    if not any(functions_of(source_nb).values()):
        return {}
    params = parameters_cell.source if parameters_cell is not None else ""
    key = "probes:" + hashlib.sha256((json.dumps(source_nb, sort_keys=True) + params).encode()).hexdigest()
    if key in engine.memo:
        return engine.memo[key]
    probe = nbs.copy(source_nb)
    cells = [_internal(answers.INJECT_SETUP)]
    for cell in probe.cells:
        if cell.cell_type != "code":
            continue
        cells += _then_parameters(cell, parameters_cell)
        if is_answer_cell(cell) and nbs.function_names(cell.source):
            cells.append(_internal(answers.record_cell(nbs.function_names(cell.source))))
    cells.append(_internal(answers.SAVE_CALLS))
    probe.cells = cells
    _, _, _, files = engine.run(probe, limits, "trusted", None, imports_of(source_nb))
    try:
        found = json.loads(files.get("__probes__.json", b"{}"))
    except ValueError:
        found = {}
    engine.memo[key] = found if isinstance(found, dict) else {}
    return engine.memo[key]


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


def grade_notebook(nb, source_nb, limits: Limits, engine, parameters_cell=None) -> tuple[nbformat.NotebookNode, list[str]]:
    """Run a sanitized submission through the student run and the test run; return the graded notebook and notes.

    Args:
        nb: the submission after nbgrader's sanitizing steps (test cells restored from source).
        source_nb: the instructor's notebook from ``source/``.
        limits: limits for each of the two runs (``Limits.for_manifest``).
        engine: what runs the notebooks (``course.grading.engine``): sandboxed for students' work.
        parameters_cell: a papermill ``injected-parameters`` cell found in the submission, replayed in the test run.

    Returns:
        The graded notebook (``nb``, its outputs replaced) and notes on how the runs ended.
    """
    notes: list[str] = []
    names, functions = questions_of(source_nb), functions_of(source_nb)
    preload = imports_of(source_nb)
    probes = probes_for(source_nb, limits, engine, parameters_cell)
    # 1. The student's run: their cells, our capture cells in place of the tests.
    student = nbs.copy(nb)
    for cell in student.cells:
        if is_test_cell(cell):
            gid = nbs.grade_id(cell)
            cell.source = answers.capture_cell(gid, names.get(gid, []), functions.get(gid, []))
            cell.metadata["course_internal"] = True
    student.cells.insert(0, _internal(answers.CAPTURE_SETUP))
    if probes:  # after every student cell: their functions meet the grader's inputs
        student.cells.append(_internal(answers.call_functions_cell(probes)))
    executed, report, outcome, captured = engine.run(student, limits, "student", None, preload)
    stopped = _why_stopped(report, outcome)
    if stopped:
        notes.append(stopped)

    # 2. The test run: the instructor's notebook, answers injected, tests as written.
    trusted = nbs.copy(source_nb)
    cells = [_internal(answers.INJECT_SETUP)]
    reason = stopped or "the answer cell did not run"
    for cell in trusted.cells:
        if cell.cell_type != "code" or is_answer_cell(cell):
            continue
        if is_test_cell(cell):
            gid = nbs.grade_id(cell)
            cells.append(_internal(answers.inject_cell(gid, names.get(gid, []), reason)))
        cells += _then_parameters(cell, parameters_cell)
    trusted.cells = cells
    t_exec, t_report, t_outcome, _ = engine.run(trusted, limits, "trusted", captured, preload)
    test_outputs = {}
    if t_exec is not None:
        for cell in t_exec.cells:
            if is_test_cell(cell):
                test_outputs[nbs.grade_id(cell)] = cell.get("outputs", [])
    t_stopped = _why_stopped(t_report, t_outcome)
    if t_stopped:
        notes.append(f"tests: {t_stopped}")

    # 3. The graded notebook: the student's outputs, the test run's verdicts.
    ran_tests = set()
    if t_exec is not None:
        for index in t_report.get("ran", []):
            if isinstance(index, int) and 0 <= index < len(t_exec.cells) and is_test_cell(t_exec.cells[index]):
                ran_tests.add(nbs.grade_id(t_exec.cells[index]))
    aligned = executed is not None and len(executed.cells) == len(nb.cells) + 1 + (1 if probes else 0)
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
            cell.outputs = twin.get("outputs", [])
            cell.execution_count = twin.get("execution_count")
    return nb, notes


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

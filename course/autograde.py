"""nbgrader's Execute step, replaced: the student's code runs sandboxed, the tests run where it cannot reach.

``SandboxedExecute`` takes the place of nbgrader's ``Execute`` preprocessor in
``Autograde.autograde_preprocessors``; nbgrader's other preprocessors (restoring test cells,
saving grades, late penalties) run as usual, in the grader's process, which alone writes
the gradebook. For each notebook:

1. *Student run* (sandbox): the submission with every test cell replaced by a capture cell
   that writes that question's answer variables as JSON (``course.answers``). The student's
   kernel never sees a test, visible or hidden.
2. *Test run* (sandbox): the instructor's own notebook from ``source/``, its answer cells
   replaced by cells that inject the captured values, its test cells as written. No student
   code runs here.
3. The test cells' outcomes from (2) and the student's outputs from (1) make the graded
   notebook. Hidden tests are removed from it, and tracebacks cut to their last line, so
   feedback never shows hidden test code.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from course import answers, engine, seeds
from course.sandbox import Limits, Outcome

HIDDEN_BLOCK = "### BEGIN HIDDEN TESTS"


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_cell(cell) -> bool:
    m = _nbg(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer_cell(cell) -> bool:
    return cell.cell_type == "code" and bool(_nbg(cell).get("solution"))


def _is_parameters(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return "parameters" in tags or "injected-parameters" in tags


def _per_question(source_nb, names_in) -> dict[str, list[str]]:
    """For each test cell: ``names_in(source)`` over the answer cells since the previous test cell."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    for cell in source_nb.cells:
        if is_answer_cell(cell):
            pending += names_in(cell.source)
        elif is_test_cell(cell):
            out[_nbg(cell)["grade_id"]] = list(dict.fromkeys(pending))
            pending = []
    return out


def questions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell of the instructor's notebook: the answer variables declared since the previous test cell."""
    return _per_question(source_nb, answers.declared_names)


def functions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell: the answers of its question that the solution defines as functions."""
    return _per_question(source_nb, answers.function_names)


_PROBES: dict[str, dict] = {}


def probes_for(source_nb, limits: Limits, parameters_cell=None) -> dict:
    """The inputs that tests and instructor cells give each function answer, noted by running the solution once.

    Returns ``{name: [[key, args, kwargs], ...]}`` (plain JSON), cached per notebook and
    parameters. Empty when no answer is a function.
    """
    if not any(functions_of(source_nb).values()):
        return {}
    params = parameters_cell.source if parameters_cell is not None else ""
    key = hashlib.sha256((json.dumps(source_nb, sort_keys=True) + params).encode()).hexdigest()
    if key in _PROBES:
        return _PROBES[key]
    probe = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    cells = [_internal(answers.INJECT_SETUP)]
    for cell in probe.cells:
        if cell.cell_type != "code":
            continue
        cells += _then_parameters(cell, parameters_cell)
        if is_answer_cell(cell) and answers.function_names(cell.source):
            cells.append(_internal(answers.record_cell(answers.function_names(cell.source))))
    cells.append(_internal(answers.SAVE_CALLS))
    probe.cells = cells
    _, _, _, files = _run(probe, source_nb, limits, "trusted")
    try:
        found = json.loads(files.get("__probes__.json", b"{}"))
    except ValueError:
        found = {}
    _PROBES[key] = found if isinstance(found, dict) else {}
    return _PROBES[key]


def strip_hidden(source: str) -> str:
    """A test cell's code without its hidden tests, for feedback."""
    if HIDDEN_BLOCK not in source:
        return source
    head, _, rest = source.partition(HIDDEN_BLOCK)
    _, _, tail = rest.partition("### END HIDDEN TESTS")
    return head.rstrip("\n") + "\n# (hidden tests ran here; their code is not shown)" + tail


def _error(ename: str, evalue: str) -> nbformat.NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _run(nb, source_nb, limits: Limits, mode: str, files: dict[str, bytes] | None = None):
    """Execute ``nb`` in a sandbox (``mode`` student or trusted); return executed notebook or None, report, outcome, answers."""
    chosen = engine.current(source_nb, limits, mode)
    try:
        return chosen.run(nb, limits, mode, files)
    except engine.ZygoteUnavailable:
        engine.mark_broken()  # nested namespaces are not allowed here: a fresh sandbox per run from now on
        return engine.FreshEngine().run(nb, limits, mode, files)


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


def grade_notebook(nb, source_nb, limits: Limits, parameters_cell=None) -> tuple[nbformat.NotebookNode, list[str]]:
    """Run a sanitized submission through the student run and the test run; return the graded notebook and notes.

    Args:
        nb: the submission after nbgrader's sanitizing steps (test cells restored from source).
        source_nb: the instructor's notebook from ``source/``.
        limits: sandbox limits for each of the two runs.
        parameters_cell: a papermill ``injected-parameters`` cell found in the submission, replayed in the test run.
    """
    notes: list[str] = []
    names, functions = questions_of(source_nb), functions_of(source_nb)
    probes = probes_for(source_nb, limits, parameters_cell)
    # 1. The student's run: their cells, our capture cells in place of the tests.
    student = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in student.cells:
        if is_test_cell(cell):
            gid = _nbg(cell)["grade_id"]
            cell.source = answers.capture_cell(gid, names.get(gid, []), functions.get(gid, []))
            cell.metadata["course_internal"] = True
    student.cells.insert(0, _internal(answers.CAPTURE_SETUP))
    if probes:  # after every student cell: their functions meet the grader's inputs
        student.cells.append(_internal(answers.call_functions_cell(probes)))
    executed, report, outcome, captured = _run(student, source_nb, limits, "student")
    stopped = _why_stopped(report, outcome)
    if stopped:
        notes.append(stopped)

    # 2. The test run: the instructor's notebook, answers injected, tests as written.
    trusted = nbformat.from_dict(json.loads(json.dumps(source_nb)))
    cells = [_internal(answers.INJECT_SETUP)]
    reason = stopped or "the answer cell did not run"
    for cell in trusted.cells:
        if cell.cell_type != "code" or is_answer_cell(cell):
            continue
        if is_test_cell(cell):
            gid = _nbg(cell)["grade_id"]
            cells.append(_internal(answers.inject_cell(gid, names.get(gid, []), reason)))
        cells += _then_parameters(cell, parameters_cell)
    trusted.cells = cells
    t_exec, t_report, t_outcome, _ = _run(trusted, source_nb, limits, "trusted", captured)
    test_outputs = {}
    if t_exec is not None:
        for cell in t_exec.cells:
            if is_test_cell(cell):
                test_outputs[_nbg(cell)["grade_id"]] = cell.get("outputs", [])
    t_stopped = _why_stopped(t_report, t_outcome)
    if t_stopped:
        notes.append(f"tests: {t_stopped}")

    # 3. The graded notebook: the student's outputs, the test run's verdicts.
    ran_tests = set()
    if t_exec is not None:
        for index in t_report.get("ran", []):
            if isinstance(index, int) and 0 <= index < len(t_exec.cells) and is_test_cell(t_exec.cells[index]):
                ran_tests.add(_nbg(t_exec.cells[index])["grade_id"])
    aligned = executed is not None and len(executed.cells) == len(nb.cells) + 1 + (1 if probes else 0)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test_cell(cell):
            gid = _nbg(cell)["grade_id"]
            if gid in ran_tests:
                cell.outputs = [_short(o) for o in test_outputs.get(gid, [])]
            else:
                cell.outputs = [_error("NotGraded", f"this test did not run: {t_stopped or stopped or 'unknown reason'}")]
            cell.source = strip_hidden(cell.source)
            cell.execution_count = None
        else:
            twin = executed.cells[i + 1] if aligned else {}
            cell.outputs = twin.get("outputs", [])
            cell.execution_count = twin.get("execution_count")
    return nb, notes


def _then_parameters(cell, parameters_cell) -> list:
    """``cell``, followed by the grader's ``parameters_cell`` when ``cell`` is the notebook's own parameters cell."""
    if _is_parameters(cell) and parameters_cell is not None and "injected-parameters" not in cell.metadata.get("tags", []):
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


def _seed_cell(seed: int) -> nbformat.NotebookNode:
    cell = new_code_cell(f"# Parameters set by the grader: this student's own seed\nSEED = {seed}\n")
    cell.metadata["tags"] = ["injected-parameters"]
    return cell


class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader preprocessor: execute a submission in two sandboxed runs (see the module docstring)."""

    per_student_seed = Bool(False, help="Set SEED to the student's own seed (course.seeds) in both runs.").tag(config=True)
    source_root = Unicode("", help="Folder holding source/<assignment>/<notebook>.ipynb (the instructor's copy).").tag(config=True)
    wall_seconds = Integer(Limits.wall_seconds, help="Seconds for a whole notebook run.").tag(config=True)
    cell_seconds = Integer(Limits.cell_seconds, help="Seconds for any one cell.").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds for each process.").tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="Address space (MB) of each process.").tag(config=True)
    processes = Integer(Limits.processes, help="Processes and threads in the sandbox.").tag(config=True)
    output_mb = Integer(Limits.output_mb, help="MB of files written and of notebook output.").tag(config=True)

    #: (student, assignment, notebook) -> notes on how the runs ended; read by course.grade.
    notes: dict[tuple[str, str, str], list[str]] = {}
    #: Where course.parallel left graded notebooks to replay (<dir>/<student>/<notebook>.ipynb), or None.
    replay_dir: Path | None = None

    def _replay(self, info):
        """The notebook a worker process already graded for this student, used once; None if there is none."""
        if SandboxedExecute.replay_dir is None:
            return None
        folder = Path(SandboxedExecute.replay_dir) / info["student"]
        graded, notes = folder / f"{info['notebook']}.ipynb", folder / f"{info['notebook']}.notes.json"
        if not graded.is_file():
            return None
        nb = nbformat.read(str(graded), as_version=4)
        SandboxedExecute.notes[(info["student"], info["assignment"], info["notebook"])] = (
            json.loads(notes.read_text()) if notes.is_file() else [])
        graded.unlink()
        return nb

    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in Limits.fields()})

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        replayed = self._replay(info)
        if replayed is not None:
            return replayed, resources
        source = Path(self.source_root) / info["assignment"] / f"{info['notebook']}.ipynb"
        source_nb = nbformat.read(str(source), as_version=4)
        params = next((c for c in nb.cells if "injected-parameters" in c.get("metadata", {}).get("tags", [])), None)
        if self.per_student_seed:
            params = _seed_cell(seeds.student_seed(info["assignment"], info["student"]))
            nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
            at = next((i + 1 for i, c in enumerate(nb.cells) if _is_parameters(c)), 0)
            nb.cells.insert(at, params)
        nb, notes = grade_notebook(nb, source_nb, self.limits(), params)
        SandboxedExecute.notes[(info["student"], info["assignment"], info["notebook"])] = notes
        return nb, resources

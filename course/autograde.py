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

import json
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_output
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from course import answers, sandbox, seeds
from course.sandbox import INSIDE, Limits

HIDDEN_BLOCK = "### BEGIN HIDDEN TESTS"
MAX_JSON_BYTES = 50 * 1024 * 1024


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


def questions_of(source_nb) -> dict[str, list[str]]:
    """For each test cell of the instructor's notebook: the answer variables declared since the previous test cell."""
    out: dict[str, list[str]] = {}
    pending: list[str] = []
    for cell in source_nb.cells:
        if is_answer_cell(cell):
            pending += answers.declared_names(cell.source)
        elif is_test_cell(cell):
            out[_nbg(cell)["grade_id"]] = list(dict.fromkeys(pending))
            pending = []
    return out


def strip_hidden(source: str) -> str:
    """A test cell's code without its hidden tests, for feedback."""
    if HIDDEN_BLOCK not in source:
        return source
    head, _, rest = source.partition(HIDDEN_BLOCK)
    _, _, tail = rest.partition("### END HIDDEN TESTS")
    return head.rstrip("\n") + "\n# (hidden tests ran here; their code is not shown)" + tail


def _error(ename: str, evalue: str) -> nbformat.NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _read_json(path: Path) -> dict:
    if not path.is_file() or path.stat().st_size > MAX_JSON_BYTES:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _run(nb, workdir: Path, limits: Limits) -> tuple[nbformat.NotebookNode | None, dict, sandbox.Outcome]:
    """Execute ``nb`` in a sandbox over ``workdir``; return the executed notebook (or None), the runner's report, the outcome."""
    nbformat.write(nb, workdir / "in.ipynb")
    command = [sandbox.python_executable(), "-m", "course.runner", f"{INSIDE}/in.ipynb", f"{INSIDE}/out.ipynb",
               f"{INSIDE}/result.json", str(limits.cell_seconds), str(limits.output_mb * 1024 * 1024)]
    outcome = sandbox.run(command, workdir, limits)
    report = _read_json(workdir / "result.json")
    executed = None
    out = workdir / "out.ipynb"
    if out.is_file() and out.stat().st_size <= MAX_JSON_BYTES:
        try:
            executed = nbformat.read(str(out), as_version=4)
        except Exception:  # a truncated or tampered file: treat as not run
            executed = None
    return executed, report, outcome


def _why_stopped(report: dict, outcome: sandbox.Outcome) -> str:
    if outcome.killed:
        return f"the notebook was {outcome.killed}"
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
    names = questions_of(source_nb)
    with tempfile.TemporaryDirectory(prefix="course-student-") as s_dir, \
            tempfile.TemporaryDirectory(prefix="course-tests-") as t_dir:
        s_dir, t_dir = Path(s_dir), Path(t_dir)

        # 1. The student's run: their cells, our capture cells in place of the tests.
        student = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in student.cells:
            if is_test_cell(cell):
                gid = _nbg(cell)["grade_id"]
                cell.source = answers.capture_cell(gid, names.get(gid, []))
        student.cells.insert(0, new_code_cell(answers.CAPTURE_SETUP))
        executed, report, outcome = _run(student, s_dir, limits)
        stopped = _why_stopped(report, outcome)
        if stopped:
            notes.append(stopped)
        for path in (s_dir / "answers").glob("*.json") if (s_dir / "answers").is_dir() else []:
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_JSON_BYTES:
                (t_dir / "answers").mkdir(exist_ok=True)
                (t_dir / "answers" / path.name).write_bytes(path.read_bytes())

        # 2. The test run: the instructor's notebook, answers injected, tests as written.
        trusted = nbformat.from_dict(json.loads(json.dumps(source_nb)))
        cells = [new_code_cell(answers.INJECT_SETUP)]
        reason = stopped or "the answer cell did not run"
        for cell in trusted.cells:
            if cell.cell_type != "code" or is_answer_cell(cell):
                continue
            if is_test_cell(cell):
                gid = _nbg(cell)["grade_id"]
                cells.append(new_code_cell(answers.inject_cell(gid, names.get(gid, []), reason)))
            cells.append(cell)
            if _is_parameters(cell) and parameters_cell is not None and "injected-parameters" not in cell.metadata.get("tags", []):
                cells.append(parameters_cell)
        trusted.cells = cells
        t_exec, t_report, t_outcome = _run(trusted, t_dir, limits)
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
    aligned = executed is not None and len(executed.cells) == len(nb.cells) + 1
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

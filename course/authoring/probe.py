"""Try many answers to a notebook's questions in one run: the notebook runs once, and each trial forks.

Usage (by course.authoring.validate, never by hand): python -m course.authoring.probe < PLAN.json

``course validate --mistakes`` asks, for every plausible mistake a manifest lists, what the
question's test cell says when a student makes that mistake alone. Grading a whole notebook per
mistake costs the notebook's full run each time (about 190 mistakes across the course). Here the
notebook, with every solution in place, runs once in an IPython shell; just before the first cell a
trial changes, the process forks, and the child runs the trial's cells from there to the question's
test cell, reports that cell's outputs and exits. The parent goes on with the solution. A child
starts from exactly the state a student who answered everything above correctly would have.

What the test cell sees is what grading's test run would see, not the whole namespace. Grading
(``course.grading.autograde``) runs the student's cells and the tests in two processes: the test
run executes the instructor's notebook without its answer cells, and before each test cell it
receives the student's values of only the names ``course.notebooks.crossing_names`` gives for that
test (the grader's own list, ``autograde.questions_of``): over the answer cells since the previous
test cell, each one's ``name = ...`` declarations above its solution, or, in a cell that declares
none, every name its solution binds at the top level. A name so received keeps that value in the
test run until something binds it again. Any other name an answer cell binds or binds again (a
helper such as ``health = [...]``, a setup variable assigned anew) is not there for the tests: the
test run has the setup cells' value, or no such name at all (a ``NameError``). A declared name the
student never made arrives as the grader's "no answer was recorded" placeholder. Here, one process
stands for both runs, so it keeps account (``_Unseen``): every name an answer cell binds, unless its
next test cell carries it, is held back with the value the test run would have (none, or the value
from before the answer cell), and each trial's test cell runs in a namespace of its own built that
way. The student's functions keep their own globals (a call from the tests runs in the student's
run, helpers and all), as in grading. Not mirrored: an answer cell that changes a setup object in
place (``df["x"] = ...``; the test run's ``df`` is unchanged), and values that cannot cross as data
(a generator, another library's object: grading gives the tests a placeholder), and a test cell
that deletes or binds again an answer's name (grading mirrors that into the student's run, for the
calls that follow; no test cell of the course does). Without
``crossing`` (a plain run), the test cell sees every name, as in a kernel.

This runs the instructor's own notebooks and answers, outside the sandbox, as ``course validate``
does. The environment is the sandbox's (one thread per library, a fixed hash seed, no student id).

PLAN (JSON on stdin): ``{"cells": [[index, source], ...], "trials": [{"key": str, "cells": {index:
source}, "until": index}], "wall_seconds": float, "cell_seconds": int, "answers": [index, ...],
"crossing": {index: [name, ...]} or null}``: ``answers``, the answer cells; ``crossing``, for each
test cell, the names that reach it. Reply (JSON on stdout): ``{key: [output, ...]}``, the outputs of
cell ``until`` in nbformat's shape.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Sequence

#: The environment of a trial run: the sandbox's (course.grading.sandbox), so that results match grading.
ENV_KEYS = ("PATH", "LANG", "HOME")
FIXED_ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
             "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
MAX_OUTPUT = 2 * 1024 * 1024


def run(cells: list[tuple[int, str]], trials: list[dict], folder: Path, *, wall_seconds: float,
        cell_seconds: int, answers: Sequence[int] = (), crossing: dict[int, list[str]] | None = None
        ) -> dict[str, list[dict]]:
    """Run ``cells`` once in ``folder`` and every trial from its fork; return each trial's test-cell outputs.

    Args:
        cells: the notebook's code cells, ``(index, source)`` in order, every answer the solution.
        trials: ``{"key", "cells": {index: source}, "until": index}``: the cells a trial changes and the
            index of the test cell whose outputs it reports.
        folder: the working folder (the notebook's files beside it).
        wall_seconds: at most this long for one trial's cells; a trial past it reports a TimeoutError.
        cell_seconds: each cell's time limit, as in grading.
        answers: the indices of the answer cells.
        crossing: for each test cell's index, the names that reach its tests in grading
            (``course.grading.autograde.questions_of``); None: the test cell sees every name.
    """
    env = {k: os.environ[k] for k in ENV_KEYS if k in os.environ}
    env.update(FIXED_ENV, MPLCONFIGDIR=str(folder / ".mpl"))
    plan = {"cells": cells, "trials": trials, "wall_seconds": wall_seconds, "cell_seconds": cell_seconds,
            "answers": list(answers), "crossing": None if crossing is None else {str(k): list(v) for k, v in crossing.items()}}
    done = subprocess.run([sys.executable, "-m", "course.authoring.probe"], input=json.dumps(plan), cwd=folder,
                          env=env, capture_output=True, text=True,
                          timeout=wall_seconds * (len(trials) + 2) + 60)
    if done.returncode != 0:
        raise RuntimeError(f"the trial run stopped (exit {done.returncode}): {done.stderr[-1500:]}")
    return json.loads(done.stdout)


# ---------------------------------------------------------------- inside the trial process


def _run_cell(shell, outputs, source: str, cell_seconds: int) -> None:
    from course.grading.inside.zygote import _alarm

    outputs.cell, outputs.total = [], 0  # each cell's own output cap: a long print above never hides an error here
    signal.signal(signal.SIGALRM, _alarm(cell_seconds))
    signal.setitimer(signal.ITIMER_REAL, cell_seconds, 0.1)
    try:
        shell.run_cell(source, store_history=True)
    except BaseException as exc:  # SystemExit and such, outside IPython's own handling
        outputs.add({"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000], "traceback": []})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)


#: The names IPython itself keeps in the namespace (outputs, inputs, its own functions): no cell's answer.
_IPYTHON = re.compile(r"_+|_i+|_i?\d+|_ih|_oh|_dh|In|Out|get_ipython|exit|quit|__\w+__")
_MISSING = object()


class _Unseen:
    """What grading's test run would not see of the one namespace here, kept up to date cell by cell.

    ``held`` maps a name the answer cells bound, and no test carried since, to the value the test
    run has for it (``_MISSING``: it has none). A test cell's ``crossing`` names leave it (their
    values cross); a cell the test run runs too (any but an answer cell) binding a name makes both
    runs agree again.
    """

    def __init__(self, answers, crossing: dict[int, list[str]] | None):
        self.answers, self.crossing = set(answers), crossing
        self.held: dict[str, object] = {}

    def run(self, shell, outputs, index: int, source: str, cell_seconds: int, alone: bool = False) -> None:
        """Run one cell; ``alone``: a test cell, run in the test run's namespace (a trial's last cell)."""
        if self.crossing is None:
            _run_cell(shell, outputs, source, cell_seconds)
            return
        for name in self.crossing.get(index, ()):
            self.held.pop(name, None)
        if alone and index in self.crossing:
            self._as_tests_see(shell, index)
        before = dict(shell.user_ns)
        _run_cell(shell, outputs, source, cell_seconds)
        after = shell.user_ns
        changed = [n for n in before.keys() | after.keys()
                   if before.get(n, _MISSING) is not after.get(n, _MISSING) and not _IPYTHON.fullmatch(n)]
        if index in self.answers:
            for name in changed:
                self.held.setdefault(name, before.get(name, _MISSING))
        else:
            from course.notebooks import bound_names  # a name bound again to the very same object counts too

            for name in [*changed, *bound_names(source)]:
                self.held.pop(name, None)

    def _as_tests_see(self, shell, index: int) -> None:
        """Give the shell a namespace of its own, as grading's test run has it at test cell ``index``.

        The old namespace stays the globals of the student's functions, as a call from the tests
        runs in the student's run in grading. A declared name the student never made is the
        grader's placeholder (``course.grading.answers``), whose comparisons fail.
        """
        import types

        from course.grading.answers import DECODER

        seen = dict(shell.user_ns)
        for name, value in self.held.items():
            if value is _MISSING:
                seen.pop(name, None)
            else:
                seen[name] = value
        codec: dict = {}
        exec(DECODER, codec)  # noqa: S102 (the grader's own code)
        for name in self.crossing[index]:
            if name not in seen:
                seen[name] = codec["__course_NotRecorded"](name, "the variable was never created")
        module = types.ModuleType("__main__")
        module.__dict__.update(seen)
        shell.user_module, shell.user_ns = module, module.__dict__
        sys.modules["__main__"] = module


def _trial(shell, outputs, trial: dict, cells: list[tuple[int, str]], cell_seconds: int, report_fd: int,
           unseen: _Unseen) -> None:
    """In the forked child: run the trial's cells up to its test cell, write that cell's outputs, exit."""
    code = 0
    try:
        changed = {int(k): v for k, v in trial["cells"].items()}
        result: list[dict] = []
        for index, source in cells:
            if index < min(changed) or index > trial["until"]:
                continue
            last = index == trial["until"]
            unseen.run(shell, outputs, index, changed.get(index, source), cell_seconds, alone=last)
            if last:
                result = list(outputs.cell)
        data = json.dumps(result).encode()
        while data:
            data = data[os.write(report_fd, data):]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _fork_trial(shell, outputs, trial: dict, cells, cell_seconds: int, wall_seconds: float,
                unseen: _Unseen) -> list[dict]:
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _trial(shell, outputs, trial, cells, cell_seconds, w, unseen)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + wall_seconds, False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([r], [], [], left)
        if ready:
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return [{"output_type": "error", "ename": "TimeoutError", "evalue": f"the trial ran past {wall_seconds:.0f} s",
                 "traceback": []}]
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        return [{"output_type": "error", "ename": "DeadKernelError", "evalue": f"the trial's process ended with {code}",
                 "traceback": []}]
    return json.loads(b"".join(chunks) or b"[]")


def main() -> int:
    from course.grading.inside.zygote import _Outputs, _Stream, make_shell

    plan = json.load(sys.stdin)
    reply_to = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # a print in a cell cannot corrupt the reply
    sys.path.insert(0, "")  # as in a kernel: modules beside the notebook import
    cells = [(int(i), s) for i, s in plan["cells"]]
    by_start: dict[int, list[dict]] = {}
    for trial in plan["trials"]:
        by_start.setdefault(min(int(k) for k in trial["cells"]), []).append(trial)
    shell, publisher = make_shell(figures=False)
    outputs = _Outputs(MAX_OUTPUT)
    publisher.outputs = outputs
    sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
    results = {}
    cell_seconds, wall = int(plan["cell_seconds"]), float(plan["wall_seconds"])
    crossing = plan.get("crossing")
    unseen = _Unseen(plan.get("answers", []), None if crossing is None else {int(k): v for k, v in crossing.items()})
    for index, source in cells:
        for trial in by_start.pop(index, []):
            results[trial["key"]] = _fork_trial(shell, outputs, trial, cells, cell_seconds, wall, unseen)
        unseen.run(shell, outputs, index, source, cell_seconds)
    for left in by_start.values():  # a trial that starts at no code cell: nothing to run
        for trial in left:
            results[trial["key"]] = [{"output_type": "error", "ename": "ValueError",
                                      "evalue": "the trial changes no code cell", "traceback": []}]
    reply_to.write(json.dumps(results))
    reply_to.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

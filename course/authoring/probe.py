"""Try many answers to a notebook's questions in one run: the notebook runs once, and each trial forks.

Usage (by course.authoring.validate, never by hand): python -m course.authoring.probe < PLAN.json

``course validate --mistakes`` asks, for every plausible mistake a manifest lists, what the
question's test cell says when a student makes that mistake alone. Grading a whole notebook per
mistake costs the notebook's full run each time (about 190 mistakes across the course). Here the
notebook, with every solution in place, runs once in an IPython shell; just before the first cell a
trial changes, the process forks, and the child runs the trial's cells from there to the question's
test cell, reports that cell's outputs and exits. The parent goes on with the solution. A child
starts from exactly the state a student who answered everything above correctly would have.

This runs the instructor's own notebooks and answers, outside the sandbox, as ``course validate``
does. The environment is the sandbox's (one thread per library, a fixed hash seed, no student id).

PLAN (JSON on stdin): ``{"cells": [[index, source], ...], "trials": [{"key": str, "cells": {index:
source}, "until": index}], "wall_seconds": float, "cell_seconds": int}``. Reply (JSON on stdout):
``{key: [output, ...]}``, the outputs of cell ``until`` in nbformat's shape.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

#: The environment of a trial run: the sandbox's (course.grading.sandbox), so that results match grading.
ENV_KEYS = ("PATH", "LANG", "HOME")
FIXED_ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
             "MKL_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
MAX_OUTPUT = 2 * 1024 * 1024


def run(cells: list[tuple[int, str]], trials: list[dict], folder: Path, *, wall_seconds: float,
        cell_seconds: int) -> dict[str, list[dict]]:
    """Run ``cells`` once in ``folder`` and every trial from its fork; return each trial's test-cell outputs.

    Args:
        cells: the notebook's code cells, ``(index, source)`` in order, every answer the solution.
        trials: ``{"key", "cells": {index: source}, "until": index}``: the cells a trial changes and the
            index of the test cell whose outputs it reports.
        folder: the working folder (the notebook's files beside it).
        wall_seconds: at most this long for one trial's cells; a trial past it reports a TimeoutError.
        cell_seconds: each cell's time limit, as in grading.
    """
    env = {k: os.environ[k] for k in ENV_KEYS if k in os.environ}
    env.update(FIXED_ENV, MPLCONFIGDIR=str(folder / ".mpl"))
    plan = {"cells": cells, "trials": trials, "wall_seconds": wall_seconds, "cell_seconds": cell_seconds}
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


def _trial(shell, outputs, trial: dict, cells: list[tuple[int, str]], cell_seconds: int, report_fd: int) -> None:
    """In the forked child: run the trial's cells up to its test cell, write that cell's outputs, exit."""
    code = 0
    try:
        changed = {int(k): v for k, v in trial["cells"].items()}
        result: list[dict] = []
        for index, source in cells:
            if index < min(changed) or index > trial["until"]:
                continue
            _run_cell(shell, outputs, changed.get(index, source), cell_seconds)
            if index == trial["until"]:
                result = list(outputs.cell)
        data = json.dumps(result).encode()
        while data:
            data = data[os.write(report_fd, data):]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _fork_trial(shell, outputs, trial: dict, cells, cell_seconds: int, wall_seconds: float) -> list[dict]:
    r, w = os.pipe()
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _trial(shell, outputs, trial, cells, cell_seconds, w)
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
    for index, source in cells:
        for trial in by_start.pop(index, []):
            results[trial["key"]] = _fork_trial(shell, outputs, trial, cells, cell_seconds, wall)
        _run_cell(shell, outputs, source, cell_seconds)
    for left in by_start.values():  # a trial that starts at no code cell: nothing to run
        for trial in left:
            results[trial["key"]] = [{"output_type": "error", "ename": "ValueError",
                                      "evalue": "the trial changes no code cell", "traceback": []}]
    reply_to.write(json.dumps(results))
    reply_to.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

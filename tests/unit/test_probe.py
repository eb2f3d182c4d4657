"""course.authoring.probe: a notebook runs once; each trial forks before its first changed cell."""

from __future__ import annotations

from course.authoring import probe

CELLS = [
    (0, "log = []\nx = 1"),
    (2, "log.append('answer')\ny = x * 2"),  # the answer cell (index 1 is a markdown cell)
    (3, "assert y == 2, f'y is {y}, not twice x'\nprint(len(log))"),  # its test cell
    (4, "z = y + 1"),
    (5, "assert z == 3, 'z is wrong'"),
]


def _errors(outputs):
    return [(o["ename"], o["evalue"]) for o in outputs if o["output_type"] == "error"]


def test_each_trial_starts_from_the_solution_state_and_reports_only_its_test_cell(tmp_path):
    trials = [
        {"key": "right", "cells": {2: "log.append('again')\ny = 2 * x"}, "until": 3},
        {"key": "wrong", "cells": {2: "log.append('wrong')\ny = x + 2"}, "until": 3},
        {"key": "later", "cells": {4: "z = 0"}, "until": 5},
    ]
    out = probe.run(CELLS, trials, tmp_path, wall_seconds=20, cell_seconds=5)
    assert _errors(out["right"]) == []
    # the trial saw one append (its own): neither the solution's nor another trial's
    assert [o["text"] for o in out["right"] if o["output_type"] == "stream"] == ["1\n"]
    assert _errors(out["wrong"]) == [("AssertionError", "y is 3, not twice x")]
    assert _errors(out["later"]) == [("AssertionError", "z is wrong")]


def test_a_trial_that_hangs_or_kills_its_process_is_reported_and_the_others_go_on(tmp_path):
    trials = [
        {"key": "hangs", "cells": {2: "import time\nwhile True:\n    try:\n        time.sleep(1)\n    except BaseException:\n        pass"},
         "until": 3},
        {"key": "dies", "cells": {2: "import os\nos._exit(3)"}, "until": 3},
        {"key": "fine", "cells": {4: "z = 3"}, "until": 5},
    ]
    out = probe.run(CELLS, trials, tmp_path, wall_seconds=3, cell_seconds=60)
    assert _errors(out["hangs"])[0][0] == "TimeoutError"
    assert _errors(out["dies"]) == [("DeadKernelError", "the trial's process ended with 3")]
    assert _errors(out["fine"]) == []


def test_the_trial_runs_in_the_sandbox_environment_with_no_student_id(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "someone")
    cells = [(0, "import os\nuser = os.environ.get('JUPYTERHUB_USER')\nthreads = os.environ.get('OMP_NUM_THREADS')"),
             (1, "answer = 1"), (2, "assert user is None and threads == '1', (user, threads)")]
    out = probe.run(cells, [{"key": "t", "cells": {1: "answer = 2"}, "until": 2}], tmp_path, wall_seconds=20,
                    cell_seconds=5)
    assert _errors(out["t"]) == []

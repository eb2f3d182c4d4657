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


# ---------------------------------------------------------------- what the test cell sees: grading's rule


def _cell(source, grade_id=None, solution=False, grade=False):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade,
                                     "locked": not solution, "schema_version": 3, **({"points": 1} if grade else {})}
    return cell


#: A lab whose tests read names its answer cells bind without declaring them: q1's message reads ``helper``,
#: q2's test reads the setup's ``rate``, which an answer may bind again; q2's function uses its own ``factor``.
LAB = [
    ("rate = 0.5\nitems = [1, 2, 3]", None),
    ("total = ...\n### BEGIN SOLUTION\nhelper = 2\ntotal = sum(items) * helper\n### END SOLUTION", "q1-answer"),
    ("assert total == 12, f'total is {total}, not the sum doubled (helper is {helper})'", "q1-tests"),
    ("scaled = ...\n### BEGIN SOLUTION\nfactor = 6\ndef scaled(x):\n    return x * factor * rate\n### END SOLUTION",
     "q2-answer"),
    ("assert scaled(2) == 12 * rate, f'scaled(2) is {scaled(2)}, not 12 * rate'", "q2-tests"),
]

#: Each plausible mistake: the answer cell's index and the student's code (the solution's own code included).
MISTAKES = {
    "q1 solution": (1, "total = ...\nhelper = 2\ntotal = sum(items) * helper"),
    "q1 tripled": (1, "total = ...\nhelper = 3\ntotal = sum(items) * helper"),  # the message's helper: a NameError in grading
    "q2 solution": (3, "scaled = ...\nfactor = 6\ndef scaled(x):\n    return x * factor * rate"),  # factor: the student's
    "q2 own rate": (3, "scaled = ...\nrate = 1.0\ndef scaled(x):\n    return x * 6 * rate"),  # the tests keep rate = 0.5
    "q2 misnamed": (3, "def scale(x):\n    return x * 6 * rate"),  # scaled never made (its ... line deleted)
}


def _lab():
    from nbformat.v4 import new_notebook

    return new_notebook(cells=[_cell(s, g, g is not None and g.endswith("answer"), g is not None and g.endswith("tests"))
                               for s, g in LAB])


def _graders_verdicts(mistakes: dict[str, tuple[int, str]]) -> dict[str, list[tuple[str, str]]]:
    """Each mistake graded as grading grades it (two runs, course.grading.autograde), on the local engine.

    One submission holds one mistake per question (each question's test reads only its own answers).
    """
    from course import notebooks as nbs
    from course.grading import engine
    from course.grading.autograde import grade_notebook
    from course.limits import Limits

    rounds: list[dict[int, str]] = []
    for key, (index, _) in mistakes.items():
        free = next((r for r in rounds if index not in r), None)
        if free is None:
            rounds.append(free := {})
        free[index] = key
    local, out = engine.make("local"), {}
    try:
        for keys in rounds:
            nb = _lab()
            for index, key in keys.items():
                nb.cells[index].source = mistakes[key][1]
            graded, _ = grade_notebook(nb, _lab(), Limits(cell_seconds=60, wall_seconds=300), local)
            for index, key in keys.items():
                assert nbs.grade_id(graded.cells[index + 1]) == LAB[index + 1][1]
                out[key] = _errors(graded.cells[index + 1].outputs)
    finally:
        local.close()
    return out


def test_the_test_cell_sees_what_grading_carries_to_it_and_the_verdicts_equal_the_graders(tmp_path):
    from course import notebooks as nbs
    from course.grading.autograde import questions_of

    lab = _lab()
    cells = [(i, c.source) for i, c in enumerate(lab.cells)]
    carried = questions_of(lab)
    crossing = {i: carried[nbs.grade_id(c)] for i, c in enumerate(lab.cells) if nbs.is_test_cell(c)}
    answers = [i for i, c in enumerate(lab.cells) if nbs.is_answer_cell(c)]
    trials = [{"key": key, "cells": {index: code}, "until": index + 1} for key, (index, code) in MISTAKES.items()]
    probed = probe.run(cells, trials, tmp_path, wall_seconds=20, cell_seconds=5, answers=answers, crossing=crossing)
    seen = {key: _errors(out) for key, out in probed.items()}
    assert seen == {
        "q1 solution": [],
        "q1 tripled": [("NameError", "name 'helper' is not defined")],  # in one kernel: the test's own message
        "q2 solution": [],  # the student's function keeps its own globals (factor), as a call in grading does
        "q2 own rate": [("AssertionError", "scaled(2) is 12.0, not 12 * rate")],  # in one kernel it passes
        "q2 misnamed": [("TypeError", "'__course_NotRecorded' object is not callable")],
    }
    assert seen == _graders_verdicts(MISTAKES)
    # without the rule (a plain run), the test cell sees the whole namespace, as in one kernel
    plain = probe.run(cells, trials, tmp_path, wall_seconds=20, cell_seconds=5)
    assert _errors(plain["q1 tripled"]) == [("AssertionError", "total is 18, not the sum doubled (helper is 3)")]
    assert _errors(plain["q2 own rate"]) == []

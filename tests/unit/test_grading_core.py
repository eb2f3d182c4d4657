"""The grading core without a sandbox: markers, the answer codec, the limits rule, nbgrader's step list, and grade_notebook.

These run everywhere (no bubblewrap): ``grade_notebook`` here uses the LocalEngine, a plain
kernel per run, which is what ``course check`` uses on a machine without a sandbox.
"""

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import notebooks as nbs
from course.errors import CourseError, GradingError, ManifestError, NotebookError
from course.grading import answers, engine, steps
from course.grading.autograde import grade_notebook, questions_of
from course.grading.selfcheck import HIDDEN_FAILED, guard_hidden
from course.limits import Limits

TWO_HIDDEN = (
    "assert total is not ..., 'replace ... with your answer'\n"
    "### BEGIN HIDDEN TESTS\n"
    "assert total == 55, 'FIRST-SECRET'\n"
    "### END HIDDEN TESTS\n"
    "if total is not ...:\n"
    "    assert total > 0, 'total should be positive'\n"
    "    ### BEGIN HIDDEN TESTS\n"
    "    assert total % 5 == 0, 'SECOND-SECRET'\n"
    "    ### END HIDDEN TESTS\n"
)


# ---------------------------------------------------------------- markers


def test_every_hidden_block_of_a_cell_is_stripped_not_only_the_first():
    shown = nbs.strip_hidden(TWO_HIDDEN)
    assert "FIRST-SECRET" not in shown and "SECOND-SECRET" not in shown and "HIDDEN" not in shown
    assert shown.count(nbs.HIDDEN_NOTE) == 2
    assert "    assert total > 0, 'total should be positive'" in shown  # visible code between the blocks stays
    assert "    " + nbs.HIDDEN_NOTE in shown  # the note keeps the block's indentation


def test_stripping_with_no_note_leaves_only_the_visible_tests():
    assert nbs.strip_hidden(TWO_HIDDEN, note=None) == (
        "assert total is not ..., 'replace ... with your answer'\nif total is not ...:\n"
        "    assert total > 0, 'total should be positive'\n")


def test_blocks_finds_each_hidden_block_in_order():
    assert nbs.blocks(TWO_HIDDEN) == ["assert total == 55, 'FIRST-SECRET'", "    assert total % 5 == 0, 'SECOND-SECRET'"]


@pytest.mark.parametrize("source, words", [
    ("### BEGIN HIDDEN TESTS\nassert x\n", "never closed"),
    ("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n", "opens inside another"),
    ("assert x\n### END HIDDEN TESTS\n", "without a"),
])
def test_broken_markers_are_refused_as_nbgrader_refuses_them(source, words):
    with pytest.raises(NotebookError, match=words):
        nbs.strip_hidden(source)


def test_the_delimiters_are_nbgraders_own():
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    assert nbs.BEGIN_SOLUTION == ClearSolutions.begin_solution_delimeter.default_value
    assert nbs.END_SOLUTION == ClearSolutions.end_solution_delimeter.default_value
    assert nbs.BEGIN_HIDDEN == ClearHiddenTests.begin_test_delimeter.default_value
    assert nbs.END_HIDDEN == ClearHiddenTests.end_test_delimeter.default_value


def test_a_marker_anywhere_on_a_line_counts_as_in_nbgrader():
    assert nbs.strip_hidden("x = 1\n# BEGIN HIDDEN TESTS (secret)\nassert x == 1\n# END HIDDEN TESTS\n", note=None) == "x = 1\n"
    assert nbs.leaked_marker("a = 1\n    # BEGIN SOLUTION\n") == "# BEGIN SOLUTION"
    assert nbs.leaked_marker("a = 1\n") is None


def test_declared_names_and_function_answers_come_from_the_answer_cell():
    source = ("redact = ...  # your function\nlimit = ...\n### BEGIN SOLUTION\n"
              "def redact(text):\n    return text\nlimit = 3\n### END SOLUTION\n")
    assert nbs.declared_names(source) == ["redact", "limit"]
    assert nbs.function_names(source) == ["redact"]


def test_replace_solution_swaps_only_the_solution_block():
    nb = new_notebook(cells=[new_code_cell("total = ...\n### BEGIN SOLUTION\ntotal = 55\n### END SOLUTION")])
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "q1-answer", "solution": True, "grade": False}
    changed = nbs.replace_solution(nb, "q1-answer", "total = 54")
    assert changed.cells[0].source == "total = ...\ntotal = 54"
    assert "55" in nb.cells[0].source


def test_a_learners_guarded_cell_guards_every_hidden_block():
    guarded = guard_hidden(TWO_HIDDEN)
    assert guarded.count(f"raise {HIDDEN_FAILED}") == 2 and "HIDDEN TESTS" not in guarded
    namespace = {"total": 50}
    with pytest.raises(AssertionError) as failed:
        exec(guarded, namespace)
    assert type(failed.value).__name__ == HIDDEN_FAILED and "SECRET" not in str(failed.value)


# ---------------------------------------------------------------- the answer codec


def _kernel(setup: str) -> dict:
    namespace: dict = {}
    exec(setup, namespace)
    return namespace


@pytest.mark.parametrize("value", [
    None, Ellipsis, True, 7, 2**80, 0.1, float("inf"), "日本語", [1, "a"], (1, 2), {3, 4}, frozenset({5}),
    {"a": [1, 2], 3: None}, np.array([1.5, 2.5]), np.int64(4),
    pd.Series([1.0, 2.0], index=["x", "y"], name="share"),
    pd.DataFrame({"city": ["A", "B"], "n": [1, 2]}).set_index("city"),
    pd.Timestamp("2026-12-03"),
    complex(1.5, -2.0), [complex(0, 1), complex(0, -1)], b"\x00bytes\xff",
    __import__("datetime").datetime(2026, 12, 3, 9, 30), __import__("datetime").date(2026, 4, 1),
    __import__("datetime").timedelta(days=2, seconds=5), __import__("decimal").Decimal("0.10"),
    __import__("fractions").Fraction(1, 3), np.array([1 + 2j, 3 - 1j]), np.complex128(2 - 3j),
    np.array(["2026-01-01", "2026-02-01"], dtype="datetime64[ns]"),
])
def test_answers_cross_as_json_and_come_back_equal(value):
    student, grader = _kernel(answers.CODEC), _kernel(answers.CODEC)
    data = json.loads(json.dumps(student["__course_enc"](value)))  # only JSON crosses
    back = grader["__course_dec"](data)
    if isinstance(value, pd.Series):
        pd.testing.assert_series_equal(back, value)
    elif isinstance(value, pd.DataFrame):
        pd.testing.assert_frame_equal(back, value)
    elif isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert back.dtype == value.dtype
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value and type(back) is type(value.item() if isinstance(value, np.generic) else value)


def test_an_object_that_is_always_equal_does_not_cross():
    class Always:
        def __eq__(self, other):
            return True

    student, grader = _kernel(answers.CODEC), _kernel(answers.CODEC)
    back = grader["__course_dec"](json.loads(json.dumps(student["__course_enc"](Always()))))
    assert not (back == 55)
    with pytest.raises(AssertionError, match="no answer was recorded"):
        back.anything


# ---------------------------------------------------------------- one rule for limits


class _Manifest:
    def __init__(self, timeout=60, limits=None):
        self.timeout, self.limits = timeout, limits or {}


def test_limits_come_from_defaults_then_configuration_then_the_manifest():
    limits = Limits.for_manifest(_Manifest(timeout=30, limits={"memory_mb": 2048}), {"memory_mb": 1024, "wall_seconds": 200})
    assert limits.cell_seconds == 30  # the manifest's timeout is the time per cell
    assert limits.memory_mb == 2048  # the manifest's limits win over the configuration
    assert limits.wall_seconds == 200  # the configuration wins over the defaults
    assert limits.cpu_seconds == Limits().cpu_seconds


def test_an_unknown_or_non_positive_limit_is_refused():
    with pytest.raises(CourseError, match="unknown sandbox limit 'ram'"):
        Limits().merged({"ram": 2})
    with pytest.raises(CourseError, match="positive whole number"):
        Limits.for_manifest(_Manifest(), {"memory_mb": 0})


def test_a_manifest_cannot_set_the_time_per_cell_twice(toy_root):
    import yaml

    from course import manifest

    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["limits"] = {"cell_seconds": 5}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ManifestError, match="the time per cell is the manifest's timeout"):
        manifest.load("00-toy", toy_root)


# ---------------------------------------------------------------- nbgrader's steps


def test_the_step_list_is_nbgraders_own_with_execute_swapped():
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    default = list(Autograde.class_traits()["autograde_preprocessors"].default())
    ours = steps.autograde_preprocessors()
    assert len(ours) == len(default) and Execute not in ours
    assert ours == [steps.SandboxedExecute if s is Execute else s for s in default]


def test_an_instructors_own_step_list_is_kept_and_a_list_without_execute_is_refused():
    from nbgrader.preprocessors import SaveAutoGrades

    assert steps.autograde_preprocessors(["nbgrader.preprocessors.Execute", SaveAutoGrades]) == [steps.SandboxedExecute, SaveAutoGrades]
    with pytest.raises(GradingError, match="no Execute step"):
        steps.autograde_preprocessors([SaveAutoGrades])


def test_an_engine_is_a_handle_that_configuration_copies_share():
    import copy

    from traitlets.config import Config

    e = engine.make("fresh")
    config = Config()
    config.SandboxedExecute.engine = e
    assert steps.SandboxedExecute(config=copy.deepcopy(config)).engine is e
    with pytest.raises(ValueError, match="no engine 'warp'"):
        engine.make("warp")


def test_imports_of_reads_a_notebooks_imports_without_running_it():
    nb = new_notebook(cells=[new_code_cell("import os\nfrom course import plots, datasets as d\n%matplotlib inline\nraise SystemExit")])
    names = engine.imports_of(nb)
    assert {"os", "course", "course.plots", "course.datasets", "pandas"} <= set(names)


# ---------------------------------------------------------------- grade_notebook, end to end on a plain kernel


def _cell(source, grade_id, solution, grade, points=None):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
                                 "schema_version": 3, **({"points": points} if points is not None else {})}
    return cell


def _source():
    return new_notebook(cells=[
        new_markdown_cell("# Two questions"),
        _cell("total = ...\n### BEGIN SOLUTION\ntotal = 55\n### END SOLUTION", "q1-answer", True, False),
        _cell(TWO_HIDDEN, "q1-tests", False, True, 2),
        _cell("word = ...\n### BEGIN SOLUTION\nword = 'ok'\n### END SOLUTION", "q2-answer", True, False),
        _cell("assert word == 'ok', 'word should be ok'", "q2-tests", False, True, 1),
    ])


def _submission(q1, q2):
    nb = nbs.copy(_source())
    nb.cells[1].source = f"total = ...\n{q1}"
    nb.cells[2].source = nbs.strip_hidden(TWO_HIDDEN, note=None)  # what the student was given
    nb.cells[3].source = f"word = ...\n{q2}"
    nb.cells[2].source = TWO_HIDDEN  # nbgrader restores test cells from the instructor's copy before grading
    return nb


#: What these tests check is the grading, not the limits: room for a loaded machine (CI shares one).
ROOMY = Limits(cell_seconds=120, wall_seconds=900)


@pytest.fixture(scope="module")
def local():
    e = engine.make("local")
    yield e
    e.close()


def _errors(graded):
    return {nbs.grade_id(c): [o["evalue"] for o in c.outputs if o.get("output_type") == "error"]
            for c in graded.cells if nbs.is_test_cell(c)}


def test_grade_notebook_passes_right_answers_fails_wrong_ones_and_shows_no_hidden_block(local):
    graded, notes = grade_notebook(_submission("total = 55", "word = 'no'"), _source(), ROOMY, local)
    assert notes == []
    assert _errors(graded) == {"q1-tests": [], "q2-tests": ["word should be ok"]}
    shown = json.dumps(graded)
    assert "SECRET" not in shown and "BEGIN HIDDEN" not in shown
    assert graded.cells[2].source.count(nbs.HIDDEN_NOTE) == 2


def test_a_wrong_answer_fails_on_the_second_hidden_block_without_showing_it(local):
    graded, _ = grade_notebook(_submission("total = 54", "word = 'ok'"), _source(), ROOMY, local)
    errors = _errors(graded)
    assert errors["q2-tests"] == [] and len(errors["q1-tests"]) == 1
    assert "SECRET" in errors["q1-tests"][0]  # the message the instructor wrote for the student, as nbgrader shows it
    assert "assert total == 55" not in json.dumps(graded) and "% 5" not in json.dumps(graded)


def test_questions_of_names_the_answers_each_test_cell_checks():
    assert questions_of(_source()) == {"q1-tests": ["total"], "q2-tests": ["word"]}


def test_notes_travel_in_the_graded_notebooks_metadata(tmp_path):
    nb = new_notebook()
    nb.metadata[steps.NOTES_KEY] = ["the notebook was stopped after the time limit for the whole notebook"]
    nbformat.write(nb, tmp_path / "lab.ipynb")
    assert steps.notes_of(tmp_path / "lab.ipynb") == nb.metadata[steps.NOTES_KEY]
    assert steps.notes_of(tmp_path / "missing.ipynb") == []


def test_a_class_is_never_graded_with_the_unsandboxed_local_engine(toy_root):
    from course.grading import sandbox
    from course.grading.workspace import Workspace

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable:
        pytest.skip("no sandbox here: sandboxed=True is refused before the engine is chosen")
    with pytest.raises(CourseError, match="local engine runs students' code without a sandbox"):
        Workspace(toy_root / ".work" / "c", repo=toy_root, sandboxed=True, engine="local")


def test_a_failed_nbgrader_step_is_reported_by_its_real_cause_not_by_see_the_above_traceback():
    from course.grading.workspace import last_line

    result = {"success": False,
              "error": "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
                       "KeyError: 'no grade cell q1-tests in the gradebook'\n",
              "log": "[INFO] Autograding\n[ERROR] There was an error processing assignment: ps1\n"
                     "[ERROR] Please see the above traceback for details on the specific errors on the above failures.\n"}
    line = last_line(result)
    assert "KeyError: 'no grade cell q1-tests in the gradebook'" in line and "above traceback" not in line
    assert last_line({"log": "[ERROR] Please see the above traceback\n"}) != "Please see the above traceback"

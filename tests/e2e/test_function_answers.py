"""Answers that are functions: the grader calls the student's function in the sandbox with the solution's inputs.

The test run never holds the student's function, only what it returned for each input, so a
function that cheats (an always-equal result, an endless loop, printing "passed") earns
nothing, and a correct one earns full marks without its code leaving the sandbox.
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading import autograde
from course.grading import engine as engines
from course.limits import Limits
from tests.conftest import needs_sandbox


pytestmark = [pytest.mark.slow, needs_sandbox]

#: One engine for this module, as one grading worker has: its zygotes start once.
ENGINE = engines.make("zygote")

SOLUTION = '''def redact(text, mark="[PHONE]"):
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    return text.replace("03-1234-5678", mark)'''

TESTS = '''assert callable(redact), "define redact as a function"
assert redact("tel 03-1234-5678") == "tel [PHONE]"
### BEGIN HIDDEN TESTS
cases = {"no number here": "no number here", "a 03-1234-5678 b 03-1234-5678": "a [PHONE] b [PHONE]"}
for text, want in cases.items():
    assert redact(text) == want, text
assert redact("03-1234-5678", mark="#") == "#"
try:
    redact(None)
except TypeError:
    pass
else:
    raise AssertionError("redact(None) should raise TypeError")
### END HIDDEN TESTS'''


def _meta(cell, grade_id, solution, grade, points=None):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
                                 "schema_version": 3, **({"points": points} if points is not None else {})}
    return cell


def source_notebook(tests=TESTS):
    answer = _meta(new_code_cell("redact = ...  # replace ... with your function\n### BEGIN SOLUTION\n" + SOLUTION +
                                 "\n### END SOLUTION"), "q1-answer", True, False)
    test = _meta(new_code_cell(tests), "q1-tests", False, True, 2)
    after = new_code_cell('logged = redact("call 03-1234-5678 now")')  # an instructor cell using the answer
    check = _meta(new_code_cell('assert logged == "call [PHONE] now"'), "q2-tests", False, True, 1)
    return new_notebook(cells=[new_markdown_cell("# Redaction"), answer, test, after, check])


def submission(answer_code, source=None):
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(source or source_notebook()), as_version=4))
    nb.cells[1].source = "redact = ...  # replace ... with your function\n" + answer_code
    return nb


def scores(nb, source=None):
    graded, notes = autograde.grade_notebook(nb, source or source_notebook(), Limits(cell_seconds=5, wall_seconds=90), ENGINE)
    out = {}
    for cell in graded.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("-tests"):
            errors = [o for o in cell.outputs if o.get("output_type") == "error"]
            out[gid] = (not errors, errors[0]["evalue"] if errors else "")
    return out, notes, graded


def test_the_solution_passes_and_the_blank_fails():
    ok, _, _ = scores(submission(SOLUTION))
    assert ok == {"q1-tests": (True, ""), "q2-tests": (True, "")}
    blank, _, _ = scores(submission(""))
    assert not blank["q1-tests"][0] and not blank["q2-tests"][0]


def test_another_correct_function_passes_and_a_wrong_one_fails():
    other = ('import re\ndef redact(text, mark="[PHONE]"):\n    if type(text) is not str:\n        raise TypeError("no")\n'
             '    return re.sub(r"03-1234-5678", mark, text)')
    assert all(v[0] for v in scores(submission(other))[0].values())
    wrong = "def redact(text, mark='[PHONE]'):\n    return text"
    result = scores(submission(wrong))[0]
    assert not result["q1-tests"][0]


def test_a_function_that_only_fails_hidden_cases_loses_the_points():
    # Right on the visible example, wrong on the second number in a text and on the error case.
    partial = "def redact(text, mark='[PHONE]'):\n    return text.replace('03-1234-5678', mark, 1)"
    assert not scores(submission(partial))[0]["q1-tests"][0]


@pytest.mark.parametrize("cheat", [
    # An object equal to everything cannot leave the sandbox: it is not plain data.
    "class Yes(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
    "def redact(text, mark='[PHONE]'):\n    return Yes('x')",
    # An endless loop is stopped per call, and the grading goes on.
    "def redact(text, mark='[PHONE]'):\n    while True:\n        pass",
    # Printing success does nothing.
    "def redact(text, mark='[PHONE]'):\n    print('All tests passed!')\n    return None",
])
def test_cheating_functions_earn_nothing(cheat):
    result, notes, graded = scores(submission(cheat))
    assert not result["q1-tests"][0]
    assert not [n for n in notes if "whole notebook" in n], notes  # stopped per call, never held to the wall time
    assert "All tests passed" not in str(graded.cells[2].outputs)


def test_hidden_inputs_and_test_code_do_not_appear_in_feedback():
    _, _, graded = scores(submission("def redact(text, mark='[PHONE]'):\n    print('seen:', text)\n    return text"))
    shown = nbformat.writes(graded)
    assert "no number here" not in shown  # a hidden input
    assert "cases = " not in shown  # hidden test code


def test_a_test_may_feed_the_function_its_own_result():
    tests = 'assert redact(redact("03-1234-5678 x")) == "[PHONE] x"'
    source = source_notebook(tests)
    assert scores(submission(SOLUTION, source), source)[0]["q1-tests"] == (True, "")
    wrong = "def redact(text, mark='[PHONE]'):\n    return text + '!'"  # its result differs from the solution's
    result, notes, _ = scores(submission(wrong, source), source)
    assert not result["q1-tests"][0] and not [n for n in notes if autograde.NOT_EQUAL in n]


def test_an_object_that_is_not_data_is_named_as_not_graded_equally():
    cheat = ("class Yes(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
             "def redact(text, mark='[PHONE]'):\n    return Yes('x')")
    result, notes, _ = scores(submission(cheat))
    assert not result["q1-tests"][0]
    assert any(autograde.NOT_EQUAL in n and "q1-tests" in n and "Yes" in n for n in notes), notes


@pytest.mark.parametrize("cheat, why", [
    # A fork bomb inside the call: the process limit stops it, the test fails, the grading goes on.
    ("import os\ndef redact(text, mark='[PHONE]'):\n    while True:\n        os.fork()", ""),
    # A result far larger than the grader reads: refused, named, never read.
    ("def redact(text, mark='[PHONE]'):\n    return 'x' * (80 * 2**20)", "larger than the grader reads"),
    # An exception whose message lies (and whose __str__ never returns): still a failure.
    ("class Lie(Exception):\n    def __str__(self):\n        return 'All tests passed!'\n"
     "def redact(text, mark='[PHONE]'):\n    raise Lie()", ""),
    ("class Stuck(Exception):\n    def __str__(self):\n        while True:\n            pass\n"
     "def redact(text, mark='[PHONE]'):\n    raise Stuck()", ""),
])
def test_hostile_calls_are_contained(cheat, why):
    result, notes, graded = scores(submission(cheat))
    assert not result["q1-tests"][0]
    assert not [n for n in notes if "whole notebook" in n], notes  # the batch is not held to the wall time
    if why:
        assert any(autograde.NOT_EQUAL in n and why in n for n in notes), notes


def test_a_call_cannot_change_what_the_tests_read_from_the_assignment(tmp_path):
    """The student's run sees the assignment's files read-only; what it writes never replaces the instructor's."""
    (tmp_path / "limits.txt").write_text("5")
    source = source_notebook('assert redact("03-1234-5678") == "[PHONE]"\nassert open("limits.txt").read() == "5"')
    cheat = ("def redact(text, mark='[PHONE]'):\n    import os\n    try:\n        os.chmod('limits.txt', 0o644)\n"
             "        open('limits.txt', 'w').write('6')\n    except OSError:\n        pass\n"
             "    return text.replace('03-1234-5678', mark)")
    graded, notes = autograde.grade_notebook(submission(cheat, source), source, Limits(cell_seconds=5, wall_seconds=90),
                                             ENGINE, student_files=tmp_path, test_files=tmp_path)
    assert not [o for o in graded.cells[2].outputs if o.get("output_type") == "error"], graded.cells[2].outputs
    assert (tmp_path / "limits.txt").read_text() == "5"


def test_a_students_print_in_the_graders_voice_is_marked_as_theirs():
    result, _, graded = scores(submission(SOLUTION + "\nprint('All tests passed! 10/10 points')\nprint('hello')"))
    assert result["q1-tests"][0]
    text = "".join(o.get("text", "") for o in graded.cells[1].outputs)
    assert text.startswith(autograde.OWN_OUTPUT + "All tests passed!") and "hello" in text, text


@pytest.mark.parametrize("engine_name", ["zygote", "fresh"])
def test_slow_cells_before_a_test_do_not_count_against_one_cells_limit(engine_name):
    """Each cell has its own time limit, as in nbgrader: three 1.5 s answer cells before a test pass under a 3 s limit.

    (Answer cells run only in the student's run: the test run waits for all three at once.)
    """
    source = source_notebook()
    slow = [_meta(new_code_cell("import time\ntime.sleep(1.5)"), f"slow-{i}", True, False) for i in range(3)]
    source.cells[2:2] = slow  # between the answer and its tests
    engine = ENGINE if engine_name == "zygote" else engines.make("fresh")
    try:
        graded, notes = autograde.grade_notebook(submission(SOLUTION, source), source, Limits(cell_seconds=3, wall_seconds=120),
                                                 engine)
    finally:
        if engine is not ENGINE:
            engine.close()
    test = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-tests")
    assert not [o for o in test.outputs if o.get("output_type") == "error"], (test.outputs, notes)

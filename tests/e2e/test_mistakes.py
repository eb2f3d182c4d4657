"""`course validate --mistakes`: which test catches each plausible mistake a manifest lists, made alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.authoring import release as releasing
from course.cli import main
from tests.conftest import edit_toy_lab, toy_copy

pytestmark = pytest.mark.slow

#: A visible test for q2: catches an odd `doubled`, and names the mistake.
VISIBLE = "assert doubled % 2 == 0, 'doubled is odd: it should be twice SEED (2 * SEED), not SEED.'\n"
#: q2's mistakes (SEED is 1 when graded): odd, caught by the visible test; SEED + 1 == 2 * SEED there, so
#: no test catches it; four times is even, caught by the hidden value check only, which the manifest says.
Q2_MISTAKES = '''    wrong:
      - |
        doubled = SEED
      - answer: |
          doubled = SEED + 1
        name: "one more, not twice"
      - answer: |
          doubled = 4 * SEED
        name: "four times"
        hidden_only: "an even number is all a visible test can ask without giving the value away"
'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    """The toy course with a visible test for q2 and three mistakes listed for it, released by nbgrader."""
    root = toy_copy(tmp_path_factory.mktemp("mistakes") / "toy")
    edit_toy_lab(root, {"q2-tests": lambda src: src.replace("### BEGIN HIDDEN TESTS", VISIBLE + "### BEGIN HIDDEN TESTS")})
    plan = root / "assignments" / "00-toy.yml"
    text = plan.read_text()
    assert "    wrong: |\n      doubled = SEED\n" in text
    plan.write_text(text.replace("    wrong: |\n      doubled = SEED\n", Q2_MISTAKES))
    releasing.release("00-toy", root)
    return root


def test_each_mistake_is_named_by_the_test_that_catches_it_and_each_break_of_the_rule_is_said(toy, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--root", str(toy), "validate", "00-toy", "--mistakes"])
    out, err = capsys.readouterr()
    assert done.value.code == 1
    table = [line.split(None, 1) for line in out.splitlines()[1:]]
    assert out.splitlines()[0] == "00-toy: 1 of 4 plausible mistakes fail a visible test"
    assert table == [
        ["q1.1", "hidden tests only"],  # sum(range(10)) = 45 is a whole number: only the hidden value check sees it
        ["q2.1", "visible test       doubled is odd: it should be twice SEED (2 * SEED), not SEED."],
        ["q2.2", "not caught"],
        ["q2.3", "hidden tests only  (hidden_only: an even number is all a visible test can ask without giving the value away)"],
    ]
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "3 problem(s) with plausible mistakes" in errors[0] and "Traceback" not in err
    problems = [line[4:] for line in err.splitlines() if line.startswith("  - ")]
    assert problems == [
        "00-toy q1 lists 1 plausible mistake(s): list at least 3 (typical student errors) in source/00-toy.yml",
        "00-toy q1 mistake 1 passes every visible test: add one whose message names the mistake, or give "
        "hidden_only: and why only a hidden test may catch it",
        "00-toy q2 mistake 2 (one more, not twice) passes every test and keeps its points: add a test that catches it",
    ]


def test_one_question_alone_and_a_question_that_is_not_there(toy, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--root", str(toy), "validate", "00-toy", "--mistakes", "-q", "q2"])
    out, err = capsys.readouterr()
    assert done.value.code == 1
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["q2.1", "q2.2", "q2.3"]
    assert [line[4:] for line in err.splitlines() if line.startswith("  - ")] == [
        "00-toy q2 mistake 2 (one more, not twice) passes every test and keeps its points: add a test that catches it"]
    with pytest.raises(SystemExit) as done:
        main(["--root", str(toy), "validate", "00-toy", "--mistakes", "-q", "q7"])
    err = capsys.readouterr().err
    assert done.value.code == 1 and "q7: not an auto-graded question of 00-toy (those are q1, q2)" in err


@pytest.fixture(scope="module")
def undeclared(tmp_path_factory) -> Path:
    """The toy course whose q2 answer makes helper without declaring it, and whose visible test's message reads it."""
    root = toy_copy(tmp_path_factory.mktemp("undeclared") / "toy")
    edit_toy_lab(root, {
        "q2-answer": lambda src: src.replace("doubled = 2 * SEED\n", "helper = 2\ndoubled = helper * SEED\n"),
        # the message, read only when the test fails, names helper
        "q2-tests": lambda src: src.replace("### BEGIN HIDDEN TESTS", "assert doubled % 2 == 0, "
                                            "f'doubled is odd: it should be {helper} times SEED.'\n### BEGIN HIDDEN TESTS"),
    })
    releasing.release("00-toy", root)
    return root


def test_a_mistake_whose_test_reads_an_undeclared_name_fails_as_in_grading_and_is_a_problem(undeclared, capsys):
    """In one kernel the message would read helper; grading's tests never get it (only doubled crosses)."""
    with pytest.raises(SystemExit) as done:
        main(["--root", str(undeclared), "validate", "00-toy", "--mistakes", "-q", "q2"])
    out, err = capsys.readouterr()
    assert done.value.code == 1
    assert out.splitlines()[1].split(None, 1) == [
        "q2.1", "visible test       The tests read helper, which your notebook makes but grading never passes to them "
        "(they get only doubled): this is the course's mistake, not yours, so please tell your instructor."]
    problems = [line[4:] for line in err.splitlines() if line.startswith("  - ")]
    assert "00-toy q2 mistake 1 fails only because its test cell reads helper, which an answer cell makes without " \
           "declaring it, so grading never passes it to the tests: declare it (helper = ... above the solution) or " \
           "compute it in the test cell" in problems

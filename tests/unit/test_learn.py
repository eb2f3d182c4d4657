"""course.learn in a notebook: check() runs only the visible tests with a friendly line, hint() gives hints in steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.authoring import release as releasing
from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError
from course.learn import coach, questions
from tests.conftest import toy_copy

REPO = Path(__file__).resolve().parents[2]
HINTS = '''    hints:
      - "Add the whole numbers from 1 to 10."
      - "sum(range(1, 11)) adds 1 to 10: range stops before its end."
'''


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    """The toy course, with hints for q1, released by nbgrader (release/ is what check() reads)."""
    root = toy_copy(tmp_path_factory.mktemp("learn") / "toy")
    path = root / "assignments" / "00-toy.yml"
    path.write_text(path.read_text().replace("    points: 2\n    wrong: |\n      total", "    points: 2\n" + HINTS + "    wrong: |\n      total", 1))
    releasing.release("00-toy", root)
    return root


@pytest.fixture
def learner(toy) -> coach.Coach:
    return coach.Coach("00-toy", root=toy)


def test_visible_tests_come_from_release_and_hold_no_hidden_test(learner):
    q1 = learner.exercises()["q1"]
    assert q1.names == ("total",)
    assert "isinstance(total, int)" in q1.visible_tests
    assert "HIDDEN" not in q1.visible_tests and "55" not in q1.visible_tests


def test_visible_part_removes_a_hidden_block_if_one_slipped_through():
    code = "assert x > 0, 'x'\n### BEGIN HIDDEN TESTS\nassert x == 42\n### END HIDDEN TESTS\n"
    assert questions.visible_part(code) == "assert x > 0, 'x'\n"


def test_a_right_answer_passes_and_the_learner_is_told_more_tests_run_when_graded(learner):
    result = learner.check("q1", {"total": 55})
    assert result.passed
    assert "passed the visible tests" in result.message and "course check" in result.message


def test_an_answer_that_passes_visible_tests_only_still_passes_check_because_hidden_tests_never_run_here(learner):
    assert learner.check("q1", {"total": 54}).passed


def test_a_wrong_type_fails_with_the_visible_tests_message_and_offers_a_hint(learner):
    result = learner.check("q1", {"total": 5.5})
    assert not result.passed
    assert "total should be a whole number." in result.message
    assert 'hint("q1")' in result.message
    assert "Traceback" not in str(result)


@pytest.mark.parametrize(
    "namespace, says",
    [({}, "total does not exist yet: run the answer cell of q1"), ({"total": ...}, "total is still `...`")],
)
def test_an_unanswered_question_says_what_to_do(learner, namespace, says):
    result = learner.check("q1", namespace)
    assert result.status == coach.NOT_ANSWERED and says in result.message


def test_a_test_that_needs_an_earlier_cell_says_to_run_the_cells_above(learner):
    ex = learner.exercises()  # the toy's released q2 test uses only `doubled`: make it need SEED too
    ex["q2"] = questions.Exercise("q2", "auto", 1, "00-toy-lab.ipynb", (), "assert doubled == 2 * SEED", ("doubled",))
    result = learner.check("q2", {"doubled": 2})
    assert not result.passed and "SEED is not defined: run every cell above" in result.message


def test_a_test_that_reads_a_name_grading_never_passes_fails_as_in_grading_and_names_it(learner):
    """Grading's tests get only the names an answer cell declares (course.notebooks.crossing_names): so does check()."""
    import dataclasses

    ex = learner.exercises()
    assert ex["q2"].seen == {"SEED", "SAMPLE_FRAC", "total", "doubled"}  # the setup cell's, and q1's and q2's answers
    ex["q2"] = dataclasses.replace(ex["q2"], visible_tests="assert doubled == helper * SEED, 'doubled is not helper times SEED'")
    result = learner.check("q2", {"SEED": 1, "helper": 2, "doubled": 2})  # in one kernel this would pass
    assert not result.passed
    assert "The tests read helper, which your notebook makes but grading never passes to them (they get only doubled)" in result.message
    assert "tell your instructor" in result.message


def test_the_notebooks_own_functions_keep_their_globals_when_the_tests_call_them(learner):
    ex = learner.exercises()
    ex["q2"] = questions.Exercise("q2", "auto", 1, "00-toy-lab.ipynb", (), "assert doubled(1) == 2 * SEED, 'not twice'",
                                  ("doubled",), frozenset({"SEED", "doubled"}))
    namespace: dict = {}
    exec("SEED = 1\nhelper = 2\ndef doubled(x):\n    return helper * x * SEED", namespace)  # helper: not for the tests
    assert learner.check("q2", namespace).passed  # as in grading, where the call runs in the student's process


def test_question_ids_may_be_written_loosely(learner):
    for spelling in ("q1", "Q1", " q1 ", 1, "1"):
        assert learner.check(spelling, {"total": 55}).question == "q1"


def test_an_unknown_question_lists_the_questions_and_suggests_one(learner):
    with pytest.raises(CourseError, match=r'no question "q4" here.*The questions are q1, q2, q3'):
        learner.check("q4", {})
    with pytest.raises(CourseError, match='Did you mean "q1"'):
        learner.hint("q11")


def test_a_written_answer_has_no_automatic_check(learner):
    result = learner.check("q3", {})
    assert result.status == coach.NOT_CHECKED and "graded by a person" in result.message


def test_check_all_covers_every_autograded_question(learner):
    results = learner.check_all({"total": 55})
    assert [r.question for r in results] == ["q1", "q2"]
    assert results[0].passed and results[1].status == coach.NOT_ANSWERED


def test_hints_come_one_at_a_time_then_say_there_are_no_more(learner):
    first, second, third = learner.hint("q1"), learner.hint("q1"), learner.hint("q1")
    assert first.startswith("Hint 1 of 2 for q1") and "Add the whole numbers" in first and "again" in first
    assert second.startswith("Hint 2 of 2 for q1 (the last one)") and "range stops" in second
    assert third.startswith("No more hints for q1: you have seen all 2")


def test_each_question_counts_its_own_hints(learner):
    learner.hint("q1")
    assert learner.hint("q2").startswith("q2 has no hints")
    assert learner.hint("q1").startswith("Hint 2 of 2")


def test_a_failed_check_stops_offering_hints_once_all_are_seen(learner):
    learner.hint("q1"), learner.hint("q1")
    assert "hint(" not in learner.check("q1", {"total": 5.5}).message


def test_the_assignment_is_found_from_the_notebook_folder_or_the_session(toy):
    assert questions.guess_assignment(toy / "release" / "00-toy", toy) == "00-toy"
    assert questions.guess_assignment(toy, toy, session_path="my-work/anything/00-toy-lab.ipynb") == "00-toy"
    assert questions.guess_assignment(toy, toy) is None


def test_in_a_notebook_check_and_hint_print_one_line_and_read_the_notebooks_variables(toy, monkeypatch, capsys):
    monkeypatch.chdir(toy / "release" / "00-toy")
    monkeypatch.setenv("COURSE_ROOT", str(toy))
    monkeypatch.setattr(coach, "_COACH", coach.Coach())
    namespace = {"check": coach.check, "hint": coach.hint, "total": 55}
    exec("check('q1')\nhint('q1')\ntotal = 'x'\ncheck(1)", namespace)  # noqa: S102
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("q1: passed the visible tests")
    assert lines[1].startswith("Hint 1 of 2 for q1")
    assert lines[2].startswith("q1: not yet.") and "whole number" in lines[2]


def test_check_and_hint_never_raise_outside_the_course(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_ROOT", str(tmp_path / "nowhere"))
    monkeypatch.setattr(coach, "_COACH", coach.Coach())
    coach.check("q1")
    coach.hint("q1")
    coach.hint()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("check() could not run: no course repository")
    assert out[1].startswith("hint() could not run:")
    assert out[2].startswith("Say which question")


def test_check_says_how_to_name_the_assignment_when_it_cannot_tell(toy, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_ROOT", str(toy))
    monkeypatch.delenv(coach.SESSION_ENV, raising=False)
    monkeypatch.setattr(coach, "_COACH", coach.Coach())
    coach.check("q1")
    assert 'use("01-problem-framing")' in capsys.readouterr().out
    coach.use("00-toy")
    coach.check("q1")
    assert "total does not exist yet" in capsys.readouterr().out


# ---- the real modules: no per-module code -------------------------------------------------------


@pytest.mark.parametrize("aid", manifests.available(REPO))
def test_every_released_module_gets_check_and_hint(aid):
    manifest = manifests.load(aid, REPO)
    if not manifest.release_dir(REPO).is_dir():
        pytest.skip(f"{aid} is not released yet")
    found = questions.exercises(aid, REPO)
    for q in manifest.questions:
        if q.kind == "auto":
            assert found[q.id].visible_tests.strip(), f"{aid} {q.id}: no visible tests in release/"
            assert found[q.id].names, f"{aid} {q.id}: its answer cell declares no `name = ...`"
            assert "BEGIN HIDDEN TESTS" not in found[q.id].visible_tests


@pytest.mark.parametrize("aid", manifests.available(REPO))
def test_every_lab_imports_check_and_hint_in_its_setup_cell(aid):
    manifest = manifests.load(aid, REPO)
    if not manifest.release_dir(REPO).is_dir():
        pytest.skip(f"{aid} is not released yet")
    missing = []
    for entry in manifest.graded_notebooks:
        nb = nbs.read(manifest.source_dir(REPO) / entry.file)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        if "from course.learn import check, hint" not in setup.source:
            missing.append(entry.file)
    message = f"{', '.join(missing)}: add `from course.learn import check, hint` to the setup cell"
    assert not missing, message


@pytest.mark.parametrize("aid", ["01-problem-framing", "02-ml-lab", "03-policy-design"])
def test_modules_one_to_three_have_hints_for_every_question(aid):
    manifest = manifests.load(aid, REPO)
    assert [q.id for q in manifest.questions if not q.hints] == []
    assert all(len(q.hints) >= 2 for q in manifest.questions if q.kind == "auto")


def test_a_real_module_gives_its_visible_message_for_a_plausible_mistake():
    from course import checks, datasets

    cs = datasets.load_civil_service_applicants()
    learner = coach.Coach("01-problem-framing", root=REPO)
    mistake = cs[cs["measure"] == "spring exam"].sort_values("fiscal_year")
    wrong = learner.check("q1", {"checks": checks, "cs": cs, "spring": mistake})
    assert not wrong.passed and "without an applicant count" in wrong.message
    right = cs[(cs["measure"] == "spring exam") & cs["applicants"].notna()].sort_values("fiscal_year")
    assert learner.check("q1", {"checks": checks, "cs": cs, "spring": right}).passed
    skipped_setup = learner.check("q1", {"cs": cs, "spring": right})
    assert "checks is not defined: run every cell above" in skipped_setup.message


def test_the_setup_cell_import_is_instant_on_a_slow_laptop():
    import subprocess
    import sys

    code = "import sys, course.learn; print(sorted(m for m in ('nbformat', 'nbgrader', 'yaml', 'pandas') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", "course.learn must import its heavy helpers only when check() or hint() is called"

"""The instructor's semester after the first grading: hand grading, refreshed feedback and exports, one student again.

The toy course's sample class is graded once by the demo (a real nbgrader course and sqlite
gradebook, sandboxed where the machine can); each test takes its own copy of that course, does
what an instructor does next, and reads the files students and the LMS see.
"""

import csv
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from course import manifest
from course.authoring.demo import run_demo
from course.authoring.sample import sample_roster
from course.errors import CourseError
from course.grading import autograde, grade
from course.grading.report import write_report
from course.grading.workspace import Workspace
from course.paths import work_dir
from tests.conftest import toy_copy
from tests.e2e.conftest import course_env

pytestmark = pytest.mark.slow

OTHERS = ["aiko", "mei", "haruto", "yuna"]  # everyone in the sample class but kenji


@pytest.fixture(scope="module")
def _graded_once(tmp_path_factory):
    """The toy course with its sample class graded once by the demo, and the demo's exports in first/."""
    base = tmp_path_factory.mktemp("semester")
    root = toy_copy(base / "toy")
    run_demo("00-toy", output=root / "first", root=root, progress=None)
    return root


@pytest.fixture
def graded(_graded_once, tmp_path):
    """A private copy of the class graded once (the demo runs once per file): (course root, workspace, first exports)."""
    root = tmp_path / "toy"
    shutil.copytree(_graded_once, root, symlinks=True)
    ws = Workspace.for_manifest(manifest.load("00-toy", root), work_dir(root) / "demo" / "course", repo=root)
    first = root / "first"
    yield root, ws, SimpleNamespace(csv=first / "00-toy-grades.csv", canvas=first / "00-toy-canvas.csv",
                                    moodle=first / "00-toy-moodle.csv", feedback=first / "feedback")
    ws.close()


def _give_by_hand(ws, student, score, comment):
    """What the formgrader does when the instructor grades the written answer q3: nbgrader's Gradebook API."""
    with ws.gradebook() as gb:
        gb.find_grade("q3-answer", "00-toy-lab", "00-toy", student).manual_score = score
        gb.find_comment("q3-answer", "00-toy-lab", "00-toy", student).manual_comment = comment
        gb.db.commit()


@pytest.fixture
def nothing_runs(monkeypatch):
    """Make any notebook execution fail the test: nbgrader's autograde, a grading worker, a sandboxed run."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a notebook was executed")

    monkeypatch.setattr(Workspace, "autograde", forbidden)
    monkeypatch.setattr(grade, "execute_stream", forbidden)
    monkeypatch.setattr(grade, "check_solutions", forbidden)  # the solution's check, in this process
    monkeypatch.setattr(autograde, "grade_notebook", forbidden)


def _lines(path, student_column):
    """{student: the CSV line as written} for every student row of an export."""
    with path.open(newline="", encoding="utf-8") as fh:
        text = fh.read().splitlines()
    index = next(i for i, name in enumerate(next(csv.reader([text[0]]))) if name == student_column)
    return {next(csv.reader([line]))[index]: line for line in text[1:] if line.strip()}


def test_a_hand_grade_reaches_feedback_and_exports_without_running_anything(graded, tmp_path, nothing_runs):
    root, ws, first = graded
    before = (first.feedback / "aiko" / "00-toy-lab.html").read_text()
    assert "Clear and correct" not in before
    _give_by_hand(ws, "aiko", 2, "Clear and correct: 根拠も明確です。")

    exported = grade.export_all("00-toy", roster=sample_roster(), workspace=ws, root=root, progress=None)
    report = write_report(exported, tmp_path / "exported")

    assert exported.result("aiko").scores == {"q1": 2, "q2": 1, "q3": 2} and exported.result("aiko").total == 5
    feedback = (report.feedback / "aiko" / "00-toy-lab.html").read_text()
    assert "Clear and correct: 根拠も明確です。" in feedback and "5.0 / 5.0" in feedback
    assert "5.0" in _lines(report.csv, "student_id")["aiko"].split(",")
    assert any(n.startswith("aiko: feedback written again") for n in exported.notices)
    assert not any(n.startswith(("kenji", "mei", "haruto")) for n in exported.notices)  # their feedback was current
    assert exported.result("yuna").status == grade.FAILED and "not a valid notebook" in exported.result("yuna").reason

    # A plain `course grade` re-run after another hand grade refreshes the same way, still running nothing.
    _give_by_hand(ws, "kenji", 1, "Half right.")
    again = grade.grade_all("00-toy", roster=sample_roster(), workspace=ws, root=root, progress=None)
    rerun = write_report(again, tmp_path / "rerun")
    assert "Half right." in (rerun.feedback / "kenji" / "00-toy-lab.html").read_text()
    assert again.result("kenji").scores["q3"] == 1
    assert "Clear and correct" in (rerun.feedback / "aiko" / "00-toy-lab.html").read_text()  # not lost, not redone
    assert [n for n in again.notices if "feedback written again" in n] == ["kenji: feedback written again from the "
                                                                         "gradebook (manual grades or comments changed)."]


def test_regrading_one_student_keeps_their_hand_grade_in_the_gradebook_and_feedback(graded, tmp_path):
    root, ws, _ = graded
    _give_by_hand(ws, "aiko", 2, "Clear and correct.")
    again = grade.grade_all("00-toy", roster=sample_roster(), workspace=ws, root=root, only=["aiko"], progress=None)
    assert again.result("aiko").kept_manual == 2 and again.result("aiko").total == 5
    with ws.gradebook() as gb:
        assert gb.find_grade("q3-answer", "00-toy-lab", "00-toy", "aiko").manual_score == 2
        assert gb.find_comment("q3-answer", "00-toy-lab", "00-toy", "aiko").manual_comment == "Clear and correct."
    feedback = (write_report(again, tmp_path / "out").feedback / "aiko" / "00-toy-lab.html").read_text()
    assert "Clear and correct." in feedback and "5.0 / 5.0" in feedback


def test_student_option_grades_that_student_and_leaves_every_other_row_byte_identical(graded, tmp_path):
    root, ws, first = graded
    kenji = ws.autograded_dir("00-toy", "kenji") / "00-toy-lab.ipynb"
    aiko = ws.autograded_dir("00-toy", "aiko") / "00-toy-lab.ipynb"
    kenji_before, aiko_before = kenji.stat().st_mtime_ns, (aiko.stat().st_mtime_ns, aiko.read_bytes())

    again = grade.grade_all("00-toy", roster=sample_roster(), workspace=ws, root=root, only=["kenji"], progress=None)
    second = write_report(again, tmp_path / "second")

    assert kenji.stat().st_mtime_ns != kenji_before  # graded again although unchanged: the instructor asked
    assert not again.result("kenji").kept and all(again.result(sid).kept for sid in OTHERS)
    assert (aiko.stat().st_mtime_ns, aiko.read_bytes()) == aiko_before
    for name, column in (("csv", "student_id"), ("canvas", "SIS User ID"), ("moodle", "ID number")):
        old, new = _lines(getattr(first, name), column), _lines(getattr(second, name), column)
        assert set(old) == set(new)
        for sid in old:
            if sid != "kenji":
                assert new[sid] == old[sid], f"{name}: {sid}'s row changed"
    assert "not a valid notebook" in _lines(second.csv, "student_id")["yuna"]
    for sid in ("aiko", "mei", "haruto"):
        assert (second.feedback / sid / "00-toy-lab.html").read_bytes() == (first.feedback / sid / "00-toy-lab.html").read_bytes()


def test_an_unknown_student_fails_in_one_line_before_anything_is_synced_or_backed_up(graded, tmp_path):
    root, ws, _ = graded
    backups = sorted((ws.root / "backups").glob("*.db"))
    gradebook = (ws.root / "gradebook.db").read_bytes()
    with pytest.raises(CourseError, match="^nobody is not on the roster"):
        grade.grade_all("00-toy", roster=sample_roster(), workspace=ws, root=root, only=["kenji", "nobody"], progress=None)

    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(f"{s.id},,,\n" for s in sample_roster()))
    done = subprocess.run([sys.executable, "-m", "course", "--root", str(root), "grade", "00-toy", "--roster", str(roster),
                           "--student", "nobody", "--no-collect"],
                          capture_output=True, text=True, env=course_env(ws.root), timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: CourseError: nobody is not on the roster: check the id, or add the student to the roster."]
    assert sorted((ws.root / "backups").glob("*.db")) == backups
    assert (ws.root / "gradebook.db").read_bytes() == gradebook
    assert not (work_dir(root) / "grades").exists()

"""Canvas and Moodle files through the real `nbgrader export` command, on the gradebook a real `course grade` left."""

import csv
import shutil
import subprocess
import sys

import pytest

from tests.conftest import needs_sandbox
from tests.e2e.conftest import course_env

pytestmark = [pytest.mark.slow, needs_sandbox]


def nbgrader_export(root, work, kind, dest, db_url=None):
    """`nbgrader export` with one of the course's plugins, run in the course repository as an instructor would."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--exporter=course.grading.lms.{kind}ExportPlugin",
                           f"--to={dest}"], cwd=root, env=course_env(work, db_url), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(dest, newline="") as fh:
        return list(csv.reader(fh))


def test_the_canvas_plugin_writes_the_file_course_grade_wrote(graded_toy_class, tmp_path):
    cls = graded_toy_class
    exported = nbgrader_export(cls.root, cls.work, "Canvas", tmp_path / "canvas.csv")
    with (cls.output / "00-toy-canvas.csv").open(newline="") as fh:
        written = list(csv.reader(fh))
    assert exported[:2] == written[:2]  # the header (the manifest's title) and the points possible
    assert sorted(exported[2:]) == sorted(written[2:])  # the gradebook orders students by name, course grade by roster
    aiko = next(r for r in exported if r[2] == "aiko.tanaka@uni.example.ac.jp")
    # q3 is a written answer nobody has graded by hand yet: blank ("no grade" in Canvas), not 3 of 5
    assert aiko == ["Tanaka, Aiko", "4711", "aiko.tanaka@uni.example.ac.jp", "aiko.tanaka@uni.example.ac.jp", "", ""]


def test_after_hand_grading_the_exports_count_the_manual_grade(graded_toy_class, tmp_path):
    from nbgrader.api import Gradebook

    cls = graded_toy_class
    work = tmp_path / "course"  # a copy: the shared graded class stays as course grade left it
    work.mkdir()
    shutil.copy(cls.work / "gradebook.db", work / "gradebook.db")
    aiko = "aiko.tanaka@uni.example.ac.jp"
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "social-design-lab") as gb:  # as the formgrader saves a grade
        gb.find_grade("q3-answer", "00-toy-lab", "00-toy", aiko).manual_score = 2
        gb.find_comment("q3-answer", "00-toy-lab", "00-toy", aiko).manual_comment = "Clear and correct."
        gb.db.commit()
    canvas = nbgrader_export(cls.root, work, "Canvas", tmp_path / "canvas.csv")
    assert next(r for r in canvas if r[2] == aiko)[5] == "5"
    assert next(r for r in canvas if r[2] == "kenji.sato@uni.example.ac.jp")[5] == "1"  # q3 left blank: a real 0
    moodle = nbgrader_export(cls.root, work, "Moodle", tmp_path / "moodle.csv")
    title = "Toy assignment for the pipeline's tests"
    assert moodle[0] == ["ID number", "Email address", title, "Feedback", "User ID"]
    by_id = {r[0]: r for r in moodle[1:]}
    assert by_id[aiko][2:] == ["5", "Score: 5/5\nq1: 2/2; q2: 1/1; q3: 2/2\nComments: q3: Clear and correct.", "4711"]
    # nbgrader gives an answer left as released 0 itself: nothing is pending for mei
    assert by_id["jupyter-mei"] == ["jupyter-mei", "mei@uni.example.ac.jp", "0", "Score: 0/5\nq1: 0/2; q2: 0/1; q3: 0/2",
                                    "4713"]
    assert by_id["kenji.sato@uni.example.ac.jp"][2:4] == ["1", "Score: 1/5\nq1: 0/2; q2: 1/1; q3: 0/2"]


def test_course_grade_marks_hand_grading_as_pending_in_every_file(graded_toy_class):
    cls = graded_toy_class
    aiko = "aiko.tanaka@uni.example.ac.jp"
    row = cls.grades()[aiko]  # the plain CSV: q3 blank, the total so far and out of what
    assert (row["q1"], row["q2"], row["q3"]) == ("2.0", "1.0", "")
    assert (row["total"], row["graded_max"], row["max"], row["pending_points"]) == ("3.0", "3.0", "5", "2.0")
    canvas = list(csv.reader((cls.output / "00-toy-canvas.csv").open(newline="")))
    # only aiko answered q3 (the others left it as released, which nbgrader scores 0 itself)
    assert [r[5] for r in canvas[2:]] == ["", "1", "0", "2"]
    moodle = list(csv.DictReader((cls.output / "00-toy-moodle.csv").open(newline="")))
    assert [r["Toy assignment for the pipeline's tests"] for r in moodle] == ["", "1", "0", "2"]
    assert "2 points still to be graded by hand" in moodle[0]["Feedback"]
    assert not any("by hand" in r["Feedback"] for r in moodle[1:])
    assert cls.grades()["kenji.sato@uni.example.ac.jp"]["pending_points"] == "0.0"
    report = (cls.output / "00-toy-report.html").read_text()
    assert "2 points to be graded by hand for 1 student(s)" in report
    assert "2 points to be graded by hand for 1 student(s)" in cls.log  # under the terminal's table too
    table = {line.split()[0]: line.split() for line in cls.log.splitlines() if line.split()[:1] and "@" in line.split()[0]}
    assert table[aiko][2:5] == ["2", "1", "-"]  # pending in the terminal's table, not 0
    assert table["kenji.sato@uni.example.ac.jp"][4] == "0"
    assert f"{aiko}: 2 points to be graded by hand (q3); 3 so far of the 3 points graded, 3/5 of the whole" in report
    feedback = (cls.output / "feedback" / aiko / "00-toy-lab.html").read_text()
    assert "2 points still to be graded by hand" in feedback and "3 of the 3 points graded so far" in feedback


def test_final_exports_refuse_while_hand_grades_are_missing(graded_toy_class, tmp_path):
    cls = graded_toy_class
    for kind in ("Canvas",):  # Moodle's refusal, the same code, is tested on a hand-made gradebook (tests/unit/test_lms.py)
        done = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--exporter=course.grading.lms.{kind}ExportPlugin",
                               f"--to={tmp_path / 'out.csv'}", f"--{kind}ExportPlugin.final=True"], cwd=cls.root,
                              env=course_env(cls.work), capture_output=True, text=True, timeout=300)
        assert done.returncode != 0
        assert "aiko.tanaka@uni.example.ac.jp, 00-toy: no hand grade yet for q3 (2 points)" in done.stderr
        assert "kenji" not in done.stderr  # nothing of kenji's is waiting
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "out.csv").exists()


def test_the_student_facing_column_course_grade_wrote_has_no_bookkeeping(graded_toy_class):
    from tests.unit.test_lms import BOOKKEEPING

    for row in csv.DictReader((graded_toy_class.output / "00-toy-moodle.csv").open(newline="")):
        assert not [w for w in BOOKKEEPING if w in row["Feedback"].lower()], row


def test_course_grade_final_refuses_the_lms_files_until_the_hand_grades_are_in(graded_toy_class, tmp_path):
    from nbgrader.api import Gradebook

    cls = graded_toy_class
    work = tmp_path / "course"  # a copy: the shared graded class stays as course grade left it
    shutil.copytree(cls.work, work, symlinks=True)
    output = tmp_path / "grades"

    def grade_final():
        return subprocess.run(
            [sys.executable, "-m", "course", "grade", "00-toy", "--roster", str(cls.roster), "--submissions",
             str(cls.submissions), "--no-collect", "--workers", "1", "--output", str(output), "--final"],
            cwd=cls.root, env=course_env(work), capture_output=True, text=True, timeout=600)

    done = grade_final()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "aiko.tanaka@uni.example.ac.jp, 00-toy: no hand grade yet for q3 (2 points)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (output / "00-toy-canvas.csv").exists() and not (output / "00-toy-moodle.csv").exists()
    assert (output / "00-toy-grades.csv").is_file()  # the instructor's own table is still there
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "social-design-lab") as gb:  # as the formgrader saves it
        gb.find_grade("q3-answer", "00-toy-lab", "00-toy", "aiko.tanaka@uni.example.ac.jp").manual_score = 1.5
        gb.db.commit()
    done = grade_final()
    assert done.returncode == 0, done.stdout + done.stderr
    canvas = list(csv.reader((output / "00-toy-canvas.csv").open(newline="")))
    assert [r[5] for r in canvas[2:]] == ["4.5", "1", "0", "2"]

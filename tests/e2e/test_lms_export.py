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
    assert aiko == ["Tanaka, Aiko", "4711", "aiko.tanaka@uni.example.ac.jp", "aiko.tanaka@uni.example.ac.jp", "", "3"]


def test_after_hand_grading_the_exports_count_the_manual_grade(graded_toy_class, tmp_path):
    from nbgrader.api import Gradebook

    cls = graded_toy_class
    work = tmp_path / "course"  # a copy: the shared graded class stays as course grade left it
    work.mkdir()
    shutil.copy(cls.work / "gradebook.db", work / "gradebook.db")
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "social-design-lab") as gb:  # as the formgrader saves a grade
        gb.find_grade("q3-answer", "00-toy-lab", "00-toy", "aiko.tanaka@uni.example.ac.jp").manual_score = 2
        gb.db.commit()
    canvas = nbgrader_export(cls.root, work, "Canvas", tmp_path / "canvas.csv")
    assert next(r for r in canvas if r[2] == "aiko.tanaka@uni.example.ac.jp")[5] == "5"
    moodle = nbgrader_export(cls.root, work, "Moodle", tmp_path / "moodle.csv")
    title = "Toy assignment for the pipeline's tests"
    assert moodle[0] == ["ID number", "Email address", title, "Feedback", "User ID"]
    by_id = {r[0]: r for r in moodle[1:]}
    assert by_id["aiko.tanaka@uni.example.ac.jp"][2:] == ["5", "", "4711"]
    assert by_id["jupyter-mei"] == ["jupyter-mei", "mei@uni.example.ac.jp", "0", "", "4713"]
    assert by_id["kenji.sato@uni.example.ac.jp"][2] == "1"  # q1 wrong, q2 right

"""A toy class graded once by `course grade` (sqlite gradebook), shared by the tests that read what it left."""

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import toy_copy

#: Four students with the ids people log in with (e-mail addresses, as OAuth gives), one LMS user id.
CLASS = [
    # id, first name, last name, e-mail, LMS user id, answers
    ("aiko.tanaka@uni.example.ac.jp", "Aiko", "Tanaka", "", "4711", "solution"),
    ("kenji.sato@uni.example.ac.jp", "Kenji", "Sato", "", "", {"q1": "wrong", "q2": "solution"}),
    ("jupyter-mei", "Mei", "Suzuki", "mei@uni.example.ac.jp", "4713", "blank"),
    ("haruto.ito@uni.example.ac.jp", "Haruto", "Ito", "", "", {"q1": "solution", "q2": "wrong"}),
]


@dataclass
class GradedClass:
    root: Path  # the course repository (a copy of the toy course)
    roster: Path
    submissions: Path  # <id>/<notebook>, as from an LMS
    work: Path  # the nbgrader course folder (COURSE_WORK): its gradebook.db
    output: Path  # what course grade wrote: grades, Canvas and Moodle files
    log: str  # what course grade printed

    def grades(self, output: Path | None = None) -> dict[str, dict[str, str]]:
        """The grade table course grade wrote: {student: {column: value}} without the notes."""
        with ((output or self.output) / "00-toy-grades.csv").open() as fh:
            return {r["student_id"]: {k: v for k, v in r.items() if k != "note"} for r in csv.DictReader(fh)}


def course_env(work: Path, db_url: str | None = None) -> dict[str, str]:
    """The environment `course` and `nbgrader` run in for a class whose course folder is ``work``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
               COURSE_WORK=str(work), COURSE_EXCHANGE=str(work.parent / "exchange"))
    if db_url:
        env["COURSE_DB_URL"] = db_url
    return env


def course_grade(cls_root: Path, roster: Path, submissions: Path, work: Path, output: Path,
                 db_url: str | None = None, workers: int = 2) -> subprocess.CompletedProcess:
    """`course grade 00-toy` as an instructor types it, with ``workers`` workers."""
    return subprocess.run(
        [sys.executable, "-m", "course", "grade", "00-toy", "--roster", str(roster), "--submissions", str(submissions),
         "--no-collect", "--workers", str(workers), "--output", str(output)],
        cwd=cls_root, env=course_env(work, db_url), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def graded_toy_class(tmp_path_factory) -> GradedClass:
    """The toy class (CLASS) graded by `course grade --workers 2` into a sqlite gradebook."""
    from course import manifest
    from course.authoring.sample import build_submission
    from course.grading.workspace import Workspace

    base = tmp_path_factory.mktemp("graded-toy")
    root = toy_copy(base / "toy")
    m = manifest.load("00-toy", root)
    ws = Workspace(base / "build", repo=root, sandboxed=False)
    ws.sync(m)
    release = ws.generate(m)
    submissions = base / "lms"
    for sid, *_, answers in CLASS:
        build_submission(m, ws.source_dir("00-toy"), release, submissions / sid, answers)
    roster = base / "roster.csv"
    with roster.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "first_name", "last_name", "email", "lms_user_id"])
        w.writerows(row[:5] for row in CLASS)
    work, output = base / "course", base / "grades"
    done = course_grade(root, roster, submissions, work, output)
    assert done.returncode == 0, done.stdout + done.stderr
    return GradedClass(root, roster, submissions, work, output, done.stdout + done.stderr)

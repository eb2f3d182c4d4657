"""A grading batch killed half-way leaves a consistent gradebook, and the next run resumes where it stopped."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from course import manifest
from course.grading import grade
from course.grading.grade import GRADED
from course.authoring.sample import build_submission
from course.grading.workspace import Student, Workspace
from tests.conftest import needs_sandbox


pytestmark = [pytest.mark.slow, needs_sandbox]

STUDENTS = [f"s{i:02d}" for i in range(16)]


def _class(root):
    m = manifest.load("00-toy", root)
    builder = Workspace.for_manifest(m, root / ".work" / "builder", repo=root, sandboxed=False)
    builder.sync(m)
    release = builder.generate(m)
    subs = root / "lms"
    for i, sid in enumerate(STUDENTS):
        build_submission(m, builder.source_dir("00-toy"), release, subs / sid, "solution" if i % 2 == 0 else "blank")
    roster = root / "roster.csv"
    with roster.open("w", newline="") as fh:
        csv.writer(fh).writerows([["id"]] + [[s] for s in STUDENTS])
    return m, subs, roster


def test_a_batch_killed_mid_way_is_consistent_and_resumes(toy_root):
    m, subs, roster = _class(toy_root)
    ws = Workspace.for_manifest(m, repo=toy_root, sandboxed=True)
    command = [sys.executable, "-m", "course", "--root", str(toy_root), "grade", "00-toy", "--roster", str(roster),
               "--submissions", str(subs), "--no-collect", "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    graded_before: list[str] = []
    deadline = time.time() + 600
    try:
        while time.time() < deadline and proc.poll() is None:
            graded_before = [s for s in STUDENTS if (ws.autograded_dir("00-toy", s) / grade.GRADED_RECORD).is_file()]
            if len(graded_before) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the batch finished before it could be interrupted: make the class bigger"
        os.killpg(proc.pid, signal.SIGKILL)  # the grader, its workers and their sandboxes, all at once
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert 3 <= len(graded_before) < len(STUDENTS)

    db = ws.root / "gradebook.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    backups = sorted((ws.root / "backups").glob("gradebook-00-toy-*.db"))
    assert len(backups) == 1

    run = grade.grade_all("00-toy", roster=[Student(s) for s in STUDENTS], workspace=ws, submissions=None,
                          collect=False, root=toy_root, workers=2, progress=None)
    assert len(sorted((ws.root / "backups").glob("gradebook-00-toy-*.db"))) == 2  # backed up again before the rerun
    for i, sid in enumerate(STUDENTS):
        r = run.result(sid)
        assert r.status == GRADED, r
        assert r.total == (3 if i % 2 == 0 else 0), r
    resumed = [sid for sid in STUDENTS if run.result(sid).kept]
    # Every student fully graded (grades, then feedback, then the record) before the kill is kept, not graded again.
    assert set(graded_before) <= set(resumed)
    assert len(resumed) < len(STUDENTS)

"""Benchmark: grade one generated class with plain nbgrader and with `course grade`, and compare.

Usage: python benchmarks/grading.py [--students 100] [--assignment 01-problem-framing] [--workers N]

The class is made from the assignment's own solutions: every third student complete, every
third with the manifest's plausible mistakes, every third blank. Both runs grade the same
submissions in fresh course folders, autograde and feedback included:

- plain nbgrader: the `nbgrader autograde ID` and `nbgrader generate_feedback ID` commands,
  once each for the whole class, with this repository's nbgrader_config.py: a fresh kernel
  per notebook, students' code with the grader's rights (what nbgrader does out of the box);
- course grade: every submission in bubblewrap sandboxes (a student run isolated in its own
  namespaces, then a test run), N workers at a time, the gradebook written by one process.

It prints seconds per submission for both and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import warnings
from pathlib import Path


def build_class(manifest, ws, n: int, dest: Path):
    from course.authoring import sample
    from course.grading.workspace import Student

    release = ws.generate(manifest)
    students = []
    for i in range(n):
        sid = f"s{i:03d}"
        kind = ("solution", "partial", "blank")[i % 3]
        answers = sample.partial_answers(manifest) if kind == "partial" else kind
        sample.build_submission(manifest, ws.source_dir(manifest.id), release, dest / sid, answers)
        students.append(Student(sid))
    return students


def timed_grade(aid, root, students, subs, work: Path, sandboxed: bool, workers: int):
    from course import manifest as manifests
    from course.grading.grade import grade_all
    from course.grading.workspace import Workspace

    m = manifests.load(aid, root)
    ws = Workspace.for_manifest(m, work, repo=root, sandboxed=sandboxed)
    started = time.perf_counter()
    try:
        run = grade_all(aid, roster=students, workspace=ws, submissions=subs, collect=False, root=root,
                        sandboxed=sandboxed, workers=workers, progress=None)
    finally:
        ws.close()
    return time.perf_counter() - started, run


def plain_nbgrader(m, root: Path, students, subs: Path, work: Path):
    """`nbgrader autograde` and `nbgrader generate_feedback` on the whole class; return seconds and each student's scores."""
    import os
    import subprocess
    import sys

    from course.grading.grade import import_submissions
    from course.grading.workspace import Workspace

    ws = Workspace(work, repo=root, sandboxed=False)
    ws.sync(m, students)
    ws.generate(m)
    import_submissions(ws, m.id, subs, students)
    env = {**os.environ, "COURSE_WORK": str(work), "COURSE_DB_URL": ws.db_url}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    started = time.perf_counter()
    for step in ("autograde", "generate_feedback"):
        subprocess.run(nbgrader + [step, m.id, "--force"], cwd=root, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, {s.id: ws.read_scores(m, s.id)[0] for s in students}


def main() -> None:
    warnings.filterwarnings("ignore")
    from course import manifest as manifests
    from course.grading.grade import DEFAULT_WORKERS
    from course.paths import find_root
    from course.grading.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--assignment", default="01-problem-framing")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    args = parser.parse_args()

    root = find_root()
    m = manifests.load(args.assignment, root)
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        tmp = Path(tmp)
        builder = Workspace(tmp / "builder", repo=root, sandboxed=False)
        builder.sync(m)
        students = build_class(m, builder, args.students, tmp / "class")
        print(f"{args.students} submissions of {m.id}; {args.workers} workers for course grade")

        plain_s, plain_scores = plain_nbgrader(m, root, students, tmp / "class", tmp / "plain")
        print(f"plain nbgrader (unsandboxed, one at a time): {plain_s:7.1f} s  {plain_s / args.students:5.2f} s per submission")
        ours_s, ours = timed_grade(m.id, root, students, tmp / "class", tmp / "ours", True, args.workers)
        print(f"course grade (sandboxed, {args.workers} at a time):      {ours_s:7.1f} s  {ours_s / args.students:5.2f} s per submission")
        print(f"throughput ratio (plain time / course grade time): {plain_s / ours_s:.2f}x")
        same = all(plain_scores[r.student] == r.scores for r in ours.results)
        print(f"identical scores in both runs: {same}")
        shutil.rmtree(tmp / "plain", ignore_errors=True)


if __name__ == "__main__":
    main()

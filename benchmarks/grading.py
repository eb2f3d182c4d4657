"""Benchmark: grade one generated class with plain nbgrader and with `course grade`, and compare.

Usage: python benchmarks/grading.py [--students 100] [--assignment 01-problem-framing] [--workers N]
       python benchmarks/grading.py --ps1 [--students 100] [--workers N]

The class is made from the assignment's own solutions: every third student complete, every
third with the manifest's plausible mistakes, every third blank. Both runs grade the same
submissions in fresh course folders, autograde and feedback included:

- plain nbgrader: the `nbgrader autograde ID` and `nbgrader generate_feedback ID` commands,
  once each for the whole class, with this repository's nbgrader_config.py: a fresh kernel
  per notebook, students' code with the grader's rights (what nbgrader does out of the box);
- course grade: every submission in bubblewrap sandboxes (a student run isolated in its own
  namespaces, then a test run) on Dask workers (a local cluster of N processes, or the
  scheduler given with --scheduler), the gradebook written by this process in batches.

It also prints the grading process's own share per submission (preparing it, writing its
grades, graded notebook and feedback): the part that does not spread over more workers.

With ``--ps1`` the class is nbgrader's own documentation course (``ps1``, read from the
installed nbgrader package): students made in turn from its two example submissions
(bitdiddle, hacker), the instructor's solution and the blank release, graded by plain
``nbgrader autograde`` + ``generate_feedback`` and by ``course autograde`` + ``course feedback``
in two copies of the course.

It prints seconds per submission for both and the ratio.
"""

from __future__ import annotations

import argparse
import os
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


def timed_grade(aid, root, students, subs, work: Path, sandboxed: bool, workers: int, scheduler: str | None = None):
    from course import manifest as manifests
    from course.grading.grade import grade_all
    from course.grading.workspace import Workspace

    m = manifests.load(aid, root)
    ws = Workspace.for_manifest(m, work, repo=root, sandboxed=sandboxed)
    started = time.perf_counter()
    try:
        run = grade_all(aid, roster=students, workspace=ws, submissions=subs, collect=False, root=root,
                        sandboxed=sandboxed, workers=workers, progress=None, scheduler=scheduler)
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


def _env() -> dict:
    """This Python's scripts first on PATH: nbgrader runs ``alembic`` from there."""
    import os
    import sys

    return {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}


def ps1_course(n: int, dest: Path) -> Path:
    """A copy of nbgrader's documentation course with ``n`` students, generated and ready to autograde."""
    import subprocess
    import sys

    import nbgrader

    guide = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
    dest.mkdir(parents=True)
    shutil.copytree(guide / "source", dest / "source")
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "ps1",
                    "--IncludeHeaderFooter.header=source/header.ipynb", "--force"],
                   cwd=dest, env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kinds = [guide / "submitted" / "bitdiddle" / "ps1", guide / "submitted" / "hacker" / "ps1", None, dest / "release" / "ps1"]
    for i in range(n):
        target = dest / "submitted" / f"s{i:03d}" / "ps1"
        kind = kinds[i % 4]
        if kind is None:  # the instructor's solution, with the header as the release has it
            shutil.copytree(dest / "release" / "ps1", target)
            for name in ("problem1.ipynb", "problem2.ipynb"):
                shutil.copy(dest / "source" / "ps1" / name, target / name)
        else:
            shutil.copytree(kind, target)
        (target / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    return dest


def ps1_scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {(s.student.id, nb.name, g.name): g.auto_score
                for s in gb.assignment_submissions("ps1") for nb in s.notebooks for g in nb.grades}


def bench_ps1(n: int, workers: int) -> None:
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="course-bench-ps1-") as tmp:
        tmp = Path(tmp)
        plain, ours = ps1_course(n, tmp / "plain"), ps1_course(n, tmp / "ours")
        print(f"{n} submissions of nbgrader's ps1; {workers} workers for course autograde")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": _env()}
        started = time.perf_counter()
        for step in ("autograde", "generate_feedback"):
            subprocess.run([sys.executable, "-m", "nbgrader", step, "ps1", "--force"], cwd=plain, check=True, **quiet)
        plain_s = time.perf_counter() - started
        print(f"plain nbgrader (unsandboxed, one at a time): {plain_s:7.1f} s  {plain_s / n:5.2f} s per submission")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "course", "autograde", "ps1", "--force", "--workers", str(workers)],
                       cwd=ours, check=True, **quiet)
        subprocess.run([sys.executable, "-m", "course", "feedback", "ps1"], cwd=ours, check=True, **quiet)
        ours_s = time.perf_counter() - started
        print(f"course autograde (sandboxed, {workers} at a time):  {ours_s:7.1f} s  {ours_s / n:5.2f} s per submission")
        print(f"throughput ratio (plain time / course autograde time): {plain_s / ours_s:.2f}x")
        a, b = ps1_scores(plain), ps1_scores(ours)
        print(f"identical scores in every cell in both runs: {a == b and len(a) > 0} ({len(a)} graded cells)")


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
    parser.add_argument("--ps1", action="store_true", help="grade nbgrader's documentation course instead")
    parser.add_argument("--scheduler", default=None, help="grade on this Dask scheduler's workers (tcp://HOST:PORT)")
    args = parser.parse_args()
    if args.ps1:
        bench_ps1(args.students, args.workers)
        return

    root = find_root()
    m = manifests.load(args.assignment, root)
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        tmp = Path(tmp)
        builder = Workspace(tmp / "builder", repo=root, sandboxed=False)
        builder.sync(m)
        students = build_class(m, builder, args.students, tmp / "class")
        print(f"{args.students} submissions of {m.id}; {args.workers} workers for course grade")

        plain_s, plain_scores = plain_nbgrader(m, root, students, tmp / "class", tmp / "plain")
        print(f"plain nbgrader (unsandboxed, one at a time): {plain_s:7.1f} s  {plain_s / args.students:5.2f} s per submission")
        ours_s, ours = timed_grade(m.id, root, students, tmp / "class", tmp / "ours", True, args.workers, args.scheduler)
        where = args.scheduler or f"a local Dask cluster of {args.workers}"
        print(f"course grade (sandboxed, on {where}):      {ours_s:7.1f} s  {ours_s / args.students:5.2f} s per submission")
        print(f"the grading process's own share: {ours.parent_seconds:.3f} s per submission")
        print(f"throughput ratio (plain time / course grade time): {plain_s / ours_s:.2f}x")
        same = all(plain_scores[r.student] == r.scores for r in ours.results)
        print(f"identical scores in both runs: {same}")
        shutil.rmtree(tmp / "plain", ignore_errors=True)


if __name__ == "__main__":
    main()

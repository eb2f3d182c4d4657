"""Autograde many submissions at once: worker processes run the sandboxed executions, the parent alone writes grades.

Each worker grades one submission in a private nbgrader course (its own copy of the
gradebook, taken before the batch), and keeps only the graded notebook. The parent then
runs nbgrader's autograde for every student in turn, with ``SandboxedExecute`` replaying
the worker's result instead of executing again: one process writes the real gradebook.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Iterator

from course.manifest import Manifest
from course.workspace import Workspace, last_line

DEFAULT_WORKERS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _sqlite_file(db_url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(db_url[len(prefix):]) if db_url.startswith(prefix) else None


def _work(job: dict) -> dict:
    """In a worker process: autograde one student in a private course; save the graded notebook(s) to the cache."""
    started = time.perf_counter()
    student, aid = job["student"], job["assignment"]
    with tempfile.TemporaryDirectory(prefix="course-worker-") as tmp:
        tmp = Path(tmp)
        db = tmp / "gradebook.db"
        shutil.copy(job["snapshot"], db)
        from course import manifest as manifests

        m = manifests.load(aid, Path(job["repo"]))
        ws = Workspace.for_manifest(m, tmp / "course", repo=job["repo"], db_url=f"sqlite:///{db}", sandboxed=True)
        shutil.copytree(job["source"], ws.source_dir(aid))
        shutil.copytree(job["submitted"], ws.submitted_dir(aid, student))
        result = ws.autograde(aid, student)
        if not result.get("success"):
            return {"student": student, "ok": False, "reason": last_line(result), "seconds": time.perf_counter() - started}
        from course.autograde import SandboxedExecute

        cache = Path(job["cache"]) / student
        cache.mkdir(parents=True, exist_ok=True)
        for nb in ws.autograded_dir(aid, student).glob("*.ipynb"):
            shutil.copy(nb, cache / nb.name)
            notes = SandboxedExecute.notes.pop((student, aid, nb.stem), [])
            (cache / f"{nb.stem}.notes.json").write_text(json.dumps(notes))
        # Feedback from the private gradebook (a copy of the real one, with these grades): the parent
        # uses it only if its own grades for this student come out the same, else makes its own.
        try:
            from course.grade import read_scores

            ws.feedback(aid, student)
            shutil.copytree(ws.feedback_dir(aid, student), cache / "feedback")
            (cache / "feedback-scores.json").write_text(json.dumps(read_scores(ws, m, student)[0], sort_keys=True))
        except Exception:  # the parent writes the feedback itself
            shutil.rmtree(cache / "feedback", ignore_errors=True)
    return {"student": student, "ok": True, "reason": "", "seconds": time.perf_counter() - started}


def _bar(done: int, total: int, started: float) -> str:
    width = 24
    filled = int(width * done / max(total, 1))
    elapsed = time.perf_counter() - started
    eta = elapsed / done * (total - done) if done else 0
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total}  {elapsed:4.0f} s elapsed, ETA {eta:4.0f} s"


def execute_stream(
    ws: Workspace,
    manifest: Manifest,
    students: list[str],
    cache: Path,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[str], None] | None = print,
) -> Iterator[tuple[str, dict]]:
    """Run the sandboxed executions of ``students`` in ``workers`` processes; yield each as it finishes.

    Yields ``(student, {"ok": bool, "reason": str, "seconds": float})`` in the order the
    executions finish, so that the caller can write each grade while the others still run.
    The graded notebooks go to ``cache`` for ``SandboxedExecute`` to replay. A student whose
    worker failed is simply graded by the caller afterwards, without the cache.
    """
    snapshot_src = _sqlite_file(ws.db_url)
    if not students or workers < 2 or snapshot_src is None or not ws.sandboxed:
        return
    cache.mkdir(parents=True, exist_ok=True)
    snapshot = cache / "gradebook-snapshot.db"
    shutil.copy(snapshot_src, snapshot)
    jobs = [
        {"student": s, "assignment": manifest.id, "repo": str(ws.repo), "snapshot": str(snapshot),
         "source": str(ws.source_dir(manifest.id)), "submitted": str(ws.submitted_dir(manifest.id, s)),
         "cache": str(cache)}
        for s in students
    ]
    done = 0
    started = time.perf_counter()
    # fork: workers inherit the loaded packages, so each starts in milliseconds.
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(_work, job): job["student"] for job in jobs}
        for future in as_completed(futures):
            student = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a worker that crashed: the caller grades this student itself
                result = {"student": student, "ok": False, "reason": f"{type(exc).__name__}: {exc}", "seconds": 0.0}
            done += 1
            if progress is not None:
                progress(f"{_bar(done, len(jobs), started)}  ({student})")
            yield student, result


def pre_execute(
    ws: Workspace,
    manifest: Manifest,
    students: list[str],
    cache: Path,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[str], None] | None = print,
) -> dict[str, dict]:
    """Run every execution first (see :func:`execute_stream`); return ``{student: result}``."""
    return dict(execute_stream(ws, manifest, students, cache, workers, progress))

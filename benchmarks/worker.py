"""Benchmark: the CPU one warm grading worker spends per submission, and where (no Dask, no cluster).

Usage: python benchmarks/worker.py [--students 6] [--assignment 01-problem-framing] [--profile FILE]
                                   [--warm 2]

A class is made as benchmarks/grading.py makes it (solution, plausible mistakes, blank, in
turn). This process then does, in-process, what a Dask worker does for each submission
(``cluster.grade_task``: nbgrader's autograde with the sandboxed student and test runs, then
the feedback page), after ``--warm`` submissions that start its sandboxes and fill its caches.
It prints CPU seconds per submission: this process's own (``time.process_time``) and its
sandboxes' (every process below it, read from /proc), so other load on the machine does not
count. ``--profile FILE`` writes a cProfile of this process's share.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import tempfile
import time
import warnings
from pathlib import Path


def _children_cpu() -> float:
    """CPU seconds of every process below this one: alive ones with what they reaped (/proc), and those this one reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    import resource

    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    me, total = os.getpid(), reaped.ru_utime + reaped.ru_stime
    for pid in cpu:
        p = parents.get(pid)
        while p and p != me:
            p = parents.get(p)
        if p == me:
            total += cpu[pid]
    return total


#: How the zygotes' modes are named in the report.
NAMES = {"student": "student runs", "trusted": "test runs"}


def _runs_cpu() -> dict[str, float]:
    """CPU seconds of the runs this process's zygotes finished so far, by mode (``student``, ``trusted``)."""
    from course.grading import cluster

    out: dict[str, float] = {}
    for engine in cluster._ENGINES.values():
        for zygote in getattr(engine, "zygotes", {}).values():
            out[zygote.mode] = out.get(zygote.mode, 0.0) + zygote.cpu
    return out


def main() -> None:
    warnings.filterwarnings("ignore")

    from course import manifest as manifests
    from course.grading import cluster
    from course.grading.grade import _prepare, grade_job, import_submissions
    from course.grading.workspace import Workspace, shared_gradebook_engines
    from course.paths import find_root

    sys_path = Path(__file__).resolve().parent
    import sys

    sys.path.insert(0, str(sys_path))
    from grading import build_class

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--warm", type=int, default=2)
    parser.add_argument("--assignment", default="01-problem-framing")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--keep", default=None, help="copy each graded submission's feedback, graded notebook and rows into this folder")
    args = parser.parse_args()
    root = find_root()
    m = manifests.load(args.assignment, root)
    with tempfile.TemporaryDirectory(prefix="course-bench-worker-") as tmp:
        tmp = Path(tmp)
        builder = Workspace(tmp / "builder", repo=root, sandboxed=False)
        builder.sync(m)
        students = build_class(m, builder, args.students + args.warm, tmp / "class")
        ws = Workspace.for_manifest(m, tmp / "course", repo=root, sandboxed=True)
        with shared_gradebook_engines():
            ws.sync(m, students)
        ws.generate(m)
        import_submissions(ws, m.id, tmp / "class", students)
        ids = [s.id for s in students]
        for sid in ids:
            _prepare(ws, m, sid)
        snap = tmp / "snapshot.db"
        ws.snapshot_gradebook(snap, m.id, ids)
        snapshot, bundle = snap.read_bytes(), cluster.course_bundle(ws, m.id)
        jobs = [grade_job(ws, m.id, s, True, "bench") for s in ids]
        ws.close()
        for job in jobs[:args.warm]:
            cluster.grade_task(job, bundle, snapshot)
        profiler = cProfile.Profile() if args.profile else None
        runs = _runs_cpu()
        own, kids, wall = time.process_time(), _children_cpu(), time.perf_counter()
        results = []
        if profiler:
            profiler.enable()
        for job in jobs[args.warm:]:
            results.append(cluster.grade_task(job, bundle, snapshot))
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        own, kids, wall = time.process_time() - own, _children_cpu() - kids, time.perf_counter() - wall
        runs = {mode: cpu - runs.get(mode, 0.0) for mode, cpu in _runs_cpu().items()}
        n = len(results)
        print(f"{n} submissions of {m.id} on one warm worker: this process {own / n:.3f} s CPU per submission, "
              f"its sandboxes {kids / n:.3f} s, together {(own + kids) / n:.3f} s (wall {wall / n:.3f} s; "
              f"load {os.getloadavg()[0]:.1f})")
        if runs:
            rest = kids - sum(runs.values())
            print("  of the sandboxes': " + ", ".join(f"{NAMES.get(mode, mode)} {cpu / n:.3f} s" for mode, cpu in sorted(runs.items()))
                  + f", the rest (zygotes, bubblewrap, the grading relay's peers) {rest / n:.3f} s")
        print("all graded:", all(r.get("ok") for r in results))
        if args.keep:
            import json

            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for r in results:
                for name, data in [*(r.get("feedback") or {}).items(), *r.get("autograded", {}).items()]:
                    (keep / f"{r['student']}--{name.replace('/', '--')}").write_bytes(data)
                (keep / f"{r['student']}--rows.json").write_text(json.dumps(r["rows"], indent=1, sort_keys=True))
        for name in list(cluster._ENGINES):
            cluster._ENGINES.pop(name).close()


if __name__ == "__main__":
    main()

"""Benchmark: wall time and peak memory of every notebook, and autograde seconds per submission.

Usage: python benchmarks/run.py [ASSIGNMENT_ID ...]

Each notebook runs with papermill (default parameters) in a fresh process pinned to one
CPU core; its kernel's peak resident memory is read from the operating system once the
kernel has exited. Then the sample class of `course demo` is graded and the seconds each
submission took are printed. Budget: 60 s and 1 GB per notebook on one core.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BUDGET_SECONDS = 60
BUDGET_MB = 1024


def one(notebook: str, parameters: str) -> None:
    """Run one notebook in this process (the kernel is our child) and print JSON measurements."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from course.authoring.execute import run_notebook

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        run_notebook(notebook, Path(tmp) / "out.ipynb", json.loads(parameters), timeout=300)
        seconds = time.perf_counter() - started
    kernel_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "kernel_mb": kernel_mb}))


def main(ids: list[str]) -> int:
    warnings.filterwarnings("ignore")  # nbgrader's SQLAlchemy warnings are not ours to fix
    from course import manifest
    from course.authoring.demo import run_demo
    from course.paths import find_root

    root = find_root()
    ids = ids or manifest.available(root)
    over = []
    print(f"{'notebook':<60} {'seconds':>8} {'peak MB':>8}   (one core, default parameters)")
    for aid in ids:
        m = manifest.load(aid, root)
        params = json.dumps(m.parameters[0].values)
        for entry in m.notebooks:
            path = m.source_dir(root) / entry.file
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(path), params], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                print(f"{aid + '/' + entry.file:<60} FAILED: {done.stderr.strip().splitlines()[-1:]}")
                over.append(entry.file)
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            flag = "" if r["seconds"] < BUDGET_SECONDS and r["kernel_mb"] < BUDGET_MB else "  OVER BUDGET"
            if flag:
                over.append(entry.file)
            print(f"{aid + '/' + entry.file:<60} {r['seconds']:8.1f} {r['kernel_mb']:8.0f}{flag}")

    print("\nAutograding the sample class of `course demo`:")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        run, _ = run_demo(ids[0], output=Path(tmp) / "out", root=root, progress=None)
        total = time.perf_counter() - started
    graded = [r for r in run.results if r.status == "graded"]
    for r in run.results:
        print(f"  {r.student:<10} {r.status:<8} {r.seconds:6.1f} s")
    per = sum(r.seconds for r in graded) / max(1, len(graded))
    print(f"  mean {per:.1f} s per graded submission (sandboxed execution in a worker + autograde and feedback);"
          f" whole demo cycle {total:.1f} s with {len(graded)} gradable submissions graded two at a time")
    return 1 if over else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--one":
        one(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main(sys.argv[1:]))

"""The whole instructor cycle on the bundled sample class: release, submit, collect, grade, feedback, export."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from course import manifest as manifests
from course.authoring import sample
from course.grading.grade import GradeRun, grade_all
from course.grading.report import Report, write_report
from course.grading.workspace import Workspace
from course.paths import find_root, work_dir

DEFAULT_ASSIGNMENT = "01-problem-framing"
DEFAULT_OUTPUT = "demo-output"


def run_demo(
    assignment_id: str = DEFAULT_ASSIGNMENT,
    *,
    output: Path | str | None = None,
    root: Path | None = None,
    sandboxed: bool | None = None,
    progress: Callable[[str], None] | None = print,
) -> tuple[GradeRun, Report]:
    """Run release -> submit -> collect -> autograde -> feedback -> export on the sample class.

    Everything happens in a fresh nbgrader course under ``.work/demo`` with its own sqlite
    gradebook and exchange; the instructor's real gradebook is not touched.

    Args:
        assignment_id: which assignment the sample class hands in.
        output: where the grade CSV, report, figure and feedback go (default ``demo-output/``).
        sandboxed: grade in a sandbox; ``None`` (default) does so where one is available.

    Returns:
        The grading run and where its report was written.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    demo_dir = work_dir(root) / "demo"
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    ws = Workspace.for_manifest(manifest, demo_dir / "course", repo=root, sandboxed=sandboxed)
    students = sample.sample_roster()

    if progress:
        progress(f"Sample class of {len(students)}: " + "; ".join(f"{m.student.id} ({m.story})" for m in sample.SAMPLE_CLASS))
        progress(f"Releasing {manifest.id} through the nbgrader exchange at {ws.exchange_root}")
        progress("Grading in a sandbox (bubblewrap)" if ws.sandboxed else
                 "No sandbox on this machine: the sample class is graded unsandboxed (it is our own code)")
    ws.sync(manifest, students)
    release = ws.generate(manifest)
    ws.release_to_exchange(manifest.id)
    handed_in = sample.build_sample_class(manifest, ws.source_dir(manifest.id), release, demo_dir / "students")
    for sid, (folder, when) in handed_in.items():
        ws.submit(manifest.id, sid, folder, timestamp=when)
    if progress:
        progress(f"{len(handed_in)} students submitted")

    try:
        run = grade_all(manifest.id, roster=students, workspace=ws, collect=True, root=root, progress=progress)
    finally:
        ws.close()
    report = write_report(run, Path(output) if output else root / DEFAULT_OUTPUT)
    return run, report

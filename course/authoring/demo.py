"""The whole instructor cycle on the bundled sample class: release, submit, collect, grade, hand-grade, feedback, export."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Callable

from course import manifest as manifests
from course.authoring import sample
from course.errors import CourseError
from course.grading.grade import GRADED, GradeRun, grade_all, refresh_feedback
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
    """Run release -> submit -> collect -> autograde -> hand-grade -> feedback -> export on the sample class.

    Everything happens in a fresh nbgrader course under ``.work/demo`` with its own sqlite
    gradebook and exchange; the instructor's real gradebook is not touched. An assignment
    without a ``late_policy`` is graded with ``sample.DEMO_LATE_POLICY`` (in the demo only, and
    it says so), so that the late student's penalty shows; one written answer is then graded by
    hand through nbgrader's gradebook (``hand_grade``) and that student's feedback regenerated.

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
    policy = manifest.late_policy or sample.DEMO_LATE_POLICY
    ws = Workspace.for_manifest(dataclasses.replace(manifest, late_policy=policy), demo_dir / "course",
                                repo=root, sandboxed=sandboxed)
    students = sample.sample_roster()

    if progress:
        progress(f"Sample class of {len(students)}: " + "; ".join(f"{m.student.id} ({m.story})" for m in sample.SAMPLE_CLASS))
        progress(f"Releasing {manifest.id} through the nbgrader exchange at {ws.exchange_root}")
        progress("Grading in a sandbox (bubblewrap)" if ws.sandboxed else
                 "No sandbox on this machine: the sample class is graded unsandboxed (it is our own code)")
        progress(f"Late policy: {policy['per_day']:g}% off per started day late, zero after {policy['max_days']:g} days"
                 + ("" if manifest.late_policy else f" (a demo policy: {manifest.id}'s manifest sets none, "
                    "so real grading of it takes nothing off)"))
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
        hand_grade(run, sample.HAND_GRADE, progress)
    finally:
        ws.close()
    report = write_report(run, Path(output) if output else root / DEFAULT_OUTPUT)
    return run, report


def hand_grade(run: GradeRun, grade: sample.SampleHandGrade, progress: Callable[[str], None] | None = print) -> None:
    """Grade one written answer by hand as the formgrader does, then refresh that student's feedback and row.

    The formgrader sets a grade's ``manual_score`` and a comment's ``manual_comment`` in the
    gradebook; so does this, on the first question graded by hand. The student's feedback is then
    generated again from the gradebook (no re-execution) and their row of ``run`` re-read from it.
    """
    m, ws = run.manifest, run.workspace
    q = next((q for q in m.questions if q.kind == "manual"), None)
    if q is None or run.result(grade.student).status != GRADED:
        if progress:
            progress(f"No written answer of {grade.student} to grade by hand in {m.id}: the demo skips hand grading")
        return
    notebook = Path(q.notebook).stem
    score = max(0.0, q.points - grade.points_off)
    with ws.gradebook() as gb:
        gb.find_grade(q.graded_cell, notebook, m.id, grade.student).manual_score = score
        gb.find_comment(q.graded_cell, notebook, m.id, grade.student).manual_comment = grade.comment
        gb.db.commit()
    scores, late, penalty = ws.read_scores(m, grade.student)
    if scores.get(q.id) != score:
        raise CourseError(f"the hand grade of {grade.student}'s {q.id} did not reach the gradebook; report it.")
    row = run.result(grade.student)
    row.scores, row.late_seconds, row.penalty = scores, late, penalty
    # as course export does: feedback written again from the gradebook, and the row recorded with it
    failed = refresh_feedback(ws, m, [row], progress=None)
    if any("could not be written" in n for n in failed):
        raise CourseError(f"{grade.student}'s feedback could not be written again after the hand grade: {failed[0]}")
    if progress:
        progress(f"Hand-graded {grade.student}'s written answer {q.id} as the formgrader does: {score:g}/{q.points:g}, "
                 f'comment "{grade.comment}"; their feedback was generated again from the gradebook')

"""Grade a class: collect -> autograde -> feedback, one submission at a time, never stopping the batch."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from course import manifest as manifests
from course import notebooks as nbs
from course import roster as rosters
from course.errors import CourseError, NotebookError
from course.paths import find_root
from course.workspace import Student, Workspace, last_line

GRADED = "graded"
FAILED = "failed"
MISSING = "missing"


@dataclass
class SubmissionResult:
    """What grading made of one student's work: a row of the grade table."""

    student: str
    status: str
    scores: dict[str, float] = field(default_factory=dict)  # question id -> score
    late_seconds: float = 0.0
    reason: str = ""
    seconds: float = 0.0
    kept_manual: int = 0  # manual grades or comments that re-grading left in place

    @property
    def total(self) -> float:
        return sum(self.scores.values())


@dataclass
class GradeRun:
    """The outcome of grading one assignment for a class."""

    manifest: manifests.Manifest
    workspace: Workspace
    results: list[SubmissionResult]
    notices: list[str] = field(default_factory=list)

    def result(self, student: str) -> SubmissionResult:
        for r in self.results:
            if r.student == student:
                return r
        raise KeyError(student)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress is not None:
        progress(message)


def import_submissions(ws: Workspace, aid: str, folder: Path, students: list[Student]) -> list[str]:
    """Copy submissions laid out as ``folder/<student id>/<files>`` into nbgrader's submitted/ folder.

    Returns:
        Notices about folders that belong to no student on the roster (they are skipped).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"no submissions folder {folder}. Give a folder with one sub-folder per student id.")
    known = {s.id for s in students}
    notices = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if sub.name not in known:
            notices.append(f"{sub.name}: a submission folder for a student who is not on the roster; skipped. Add them to the roster to grade it.")
            continue
        # Accept both <student>/<files> and <student>/<assignment>/<files>.
        src = sub / aid if (sub / aid).is_dir() else sub
        dest = ws.submitted_dir(aid, sub.name)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    return notices


def _read_or_reason(path: Path) -> str:
    try:
        nbs.read(path)
    except NotebookError as exc:
        return str(exc).replace(str(path.parent) + "/", "")
    return ""


def _existing_manual(ws: Workspace, aid: str, student: str) -> int:
    """How many manual grades or comments the instructor has already given this submission."""
    from nbgrader.api import MissingEntry

    with ws.gradebook() as gb:
        try:
            sub = gb.find_submission(aid, student)
        except MissingEntry:
            return 0
        count = 0
        for nb in sub.notebooks:
            count += sum(1 for g in nb.grades if g.manual_score is not None or g.extra_credit)
            count += sum(1 for c in nb.comments if c.manual_comment)
        return count


def read_scores(ws: Workspace, manifest: manifests.Manifest, student: str) -> tuple[dict[str, float], float]:
    """Return ``({question id: score}, seconds late)`` for a graded submission, from the gradebook."""
    with ws.gradebook() as gb:
        sub = gb.find_submission(manifest.id, student)
        by_cell = {}
        for nb in sub.notebooks:
            for g in nb.grades:
                by_cell[(nb.name, g.name)] = g.score
        scores = {
            q.id: float(by_cell.get((Path(q.notebook).stem, q.graded_cell), 0.0) or 0.0) for q in manifest.questions
        }
        return scores, float(sub.total_seconds_late or 0.0)


def grade_submission(ws: Workspace, manifest: manifests.Manifest, student: str) -> SubmissionResult:
    """Autograde one student's collected submission and write their feedback; never raises for their work."""
    started = time.perf_counter()
    folder = ws.submitted_dir(manifest.id, student)
    for entry in manifest.graded_notebooks:
        path = folder / entry.file
        if path.exists():
            reason = _read_or_reason(path)
            if reason:
                return SubmissionResult(student, FAILED, reason=reason, seconds=time.perf_counter() - started)
    if not any((folder / e.file).exists() for e in manifest.graded_notebooks):
        wanted = ", ".join(e.file for e in manifest.graded_notebooks)
        return SubmissionResult(student, FAILED, reason=f"no graded notebook in the submission (expected {wanted})")
    kept = _existing_manual(ws, manifest.id, student)
    result = ws.autograde(manifest.id, student)
    if not result.get("success"):
        return SubmissionResult(student, FAILED, reason=f"autograding failed: {last_line(result)}", seconds=time.perf_counter() - started)
    try:
        ws.feedback(manifest.id, student)
    except CourseError as exc:
        return SubmissionResult(student, FAILED, reason=str(exc), seconds=time.perf_counter() - started)
    scores, late = read_scores(ws, manifest, student)
    notes = []
    if ws.sandboxed:
        from course.autograde import SandboxedExecute

        for entry in manifest.graded_notebooks:
            notes += SandboxedExecute.notes.pop((student, manifest.id, entry.stem), [])
    return SubmissionResult(student, GRADED, scores, late, reason="; ".join(notes),
                            seconds=time.perf_counter() - started, kept_manual=kept)


def grade_all(
    assignment_id: str,
    *,
    roster: Path | str | list[Student],
    workspace: Workspace | None = None,
    submissions: Path | str | None = None,
    collect: bool = True,
    sandboxed: bool = True,
    root: Path | None = None,
    progress: Callable[[str], None] | None = print,
) -> GradeRun:
    """Grade every submission of an assignment: sync the gradebook, collect, autograde, write feedback.

    Args:
        assignment_id: the assignment, as in ``assignments/<id>.yml``.
        roster: a roster CSV, or the students themselves.
        workspace: the nbgrader course to grade in (default: the one in ``nbgrader_config.py``).
        submissions: a folder of submissions (``<folder>/<student id>/<files>``) to grade
            instead of, or as well as, what is in the nbgrader exchange.
        collect: also collect submissions from the nbgrader exchange.
        sandboxed: run every submission in a sandbox; ``False`` grades with nbgrader's own
            Execute step, with the instructor's rights (only for trusted submissions).
        progress: called with one line per step (``None`` for silence).

    Returns:
        A GradeRun with one row per student on the roster, graded, failed or missing.

    Raises:
        CourseError: for a problem with the assignment, roster or set-up (not for a student's work).
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    manifests.check_notebooks(manifest, root)
    students = roster if isinstance(roster, list) else rosters.load(roster)
    ws = workspace or Workspace(repo=root, timeout=manifest.timeout, sandboxed=sandboxed, limits=manifest.limits)
    notices: list[str] = []

    _say(progress, f"Preparing {manifest.id} for {len(students)} students in {ws.root}")
    ws.sync(manifest, students)
    ws.generate(manifest)
    if submissions is not None:
        notices += import_submissions(ws, manifest.id, Path(submissions), students)
    if collect and (ws.exchange_root / ws.course_id / "inbound").is_dir():
        _say(progress, "Collecting submissions from the exchange")
        ws.collect(manifest.id)

    results = []
    submitted = [s for s in students if ws.submitted_dir(manifest.id, s.id).is_dir()]
    for n, s in enumerate(students, start=1):
        if s not in submitted:
            results.append(SubmissionResult(s.id, MISSING, reason="no submission"))
            continue
        _say(progress, f"[{len(results) + 1}/{len(students)}] autograding {s.id}")
        row = grade_submission(ws, manifest, s.id)
        if row.status == FAILED:
            notices.append(f"{s.id}: {row.reason.rstrip('.')}; graded as zero, and the batch went on.")
        if row.kept_manual:
            notices.append(
                f"{s.id}: re-graded; {row.kept_manual} manual grade(s) or comment(s) already given were kept, not overwritten. "
                "Check them in the formgrader: the submission was re-run."
            )
        results.append(row)
    return GradeRun(manifest, ws, results, notices)

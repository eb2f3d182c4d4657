"""Grade a class: collect -> autograde -> feedback, one submission at a time, never stopping the batch."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from course import manifest as manifests
from course import parallel
from course import notebooks as nbs
from course import roster as rosters
from course.errors import CourseError, NotebookError
from course.parallel import DEFAULT_WORKERS
from course.paths import find_root
from course.workspace import Student, Workspace, last_line

GRADED = "graded"
FAILED = "failed"
MISSING = "missing"
SKIPPED = "skipped"


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
    penalty: float = 0.0  # points taken off for lateness (the manifest's late_policy)

    @property
    def total(self) -> float:
        return max(0.0, sum(self.scores.values()) - self.penalty)


@dataclass
class GradeRun:
    """The outcome of grading one assignment for a class."""

    manifest: manifests.Manifest
    workspace: Workspace
    results: list[SubmissionResult]
    notices: list[str] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)

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


def read_scores(ws: Workspace, manifest: manifests.Manifest, student: str) -> tuple[dict[str, float], float, float]:
    """Return ``({question id: score}, seconds late, late penalty)`` for a graded submission, from the gradebook."""
    with ws.gradebook() as gb:
        sub = gb.find_submission(manifest.id, student)
        by_cell = {}
        for nb in sub.notebooks:
            for g in nb.grades:
                by_cell[(nb.name, g.name)] = g.score
        scores = {
            q.id: float(by_cell.get((Path(q.notebook).stem, q.graded_cell), 0.0) or 0.0) for q in manifest.questions
        }
        return scores, float(sub.total_seconds_late or 0.0), float(sub.late_submission_penalty or 0.0)


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
    scores, late, penalty = read_scores(ws, manifest, student)
    try:
        if not _feedback_from_worker(ws, manifest, student, scores):
            ws.feedback(manifest.id, student)
    except CourseError as exc:
        return SubmissionResult(student, FAILED, reason=str(exc), seconds=time.perf_counter() - started)
    notes = []
    if ws.sandboxed:
        from course.autograde import SandboxedExecute

        for entry in manifest.graded_notebooks:
            notes += SandboxedExecute.notes.pop((student, manifest.id, entry.stem), [])
    _record_graded(ws, manifest, student)
    return SubmissionResult(student, GRADED, scores, late, reason="; ".join(notes),
                            seconds=time.perf_counter() - started, kept_manual=kept, penalty=penalty)


def _feedback_from_worker(ws: Workspace, manifest: manifests.Manifest, student: str, scores: dict[str, float]) -> bool:
    """Use the feedback a grading worker made, if it graded this student to the same scores; True if used."""
    from course.autograde import SandboxedExecute

    if SandboxedExecute.replay_dir is None:
        return False
    cache = Path(SandboxedExecute.replay_dir) / student
    try:
        same = json.loads((cache / "feedback-scores.json").read_text()) == json.loads(json.dumps(scores, sort_keys=True))
    except (OSError, ValueError):
        return False
    if not same or not (cache / "feedback").is_dir():
        return False
    dest = ws.feedback_dir(manifest.id, student)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(cache / "feedback", dest)
    return True


def backup_gradebook(ws: Workspace, aid: str, keep: int = 20) -> Path | None:
    """Copy a sqlite gradebook to ``<course>/backups/`` before a batch; keep the newest ``keep`` copies."""
    db = parallel._sqlite_file(ws.db_url)
    if db is None or not db.is_file():
        return None
    folder = ws.root / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"gradebook-{aid}-{stamp}.db"
    with sqlite3.connect(db) as source, sqlite3.connect(dest) as copy:
        source.backup(copy)  # consistent even if another process is writing
    for old in sorted(folder.glob("gradebook-*.db"))[:-keep]:
        old.unlink()
    return dest


GRADED_RECORD = ".course-graded.json"


def _fingerprint(ws: Workspace, manifest: manifests.Manifest, student: str) -> dict[str, str]:
    """SHA-256 of each file the student handed in (what makes a submission the same one)."""
    folder = ws.submitted_dir(manifest.id, student)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _record_graded(ws: Workspace, manifest: manifests.Manifest, student: str) -> None:
    """Written last, after grades and feedback: the proof that this exact submission was fully graded."""
    record = ws.autograded_dir(manifest.id, student) / GRADED_RECORD
    record.write_text(json.dumps({"files": _fingerprint(ws, manifest, student)}, indent=1))


def already_graded(ws: Workspace, manifest: manifests.Manifest, student: str) -> bool:
    """True if this exact submission (same files, byte for byte) was fully graded before: grades and feedback."""
    record = ws.autograded_dir(manifest.id, student) / GRADED_RECORD
    try:
        files = json.loads(record.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # never graded, or a batch stopped before this student's feedback was written
    return files == _fingerprint(ws, manifest, student)


def _readable(ws: Workspace, manifest: manifests.Manifest, student: str) -> bool:
    folder = ws.submitted_dir(manifest.id, student)
    present = [folder / e.file for e in manifest.graded_notebooks if (folder / e.file).exists()]
    return bool(present) and not any(_read_or_reason(p) for p in present)


def grade_all(
    assignment_id: str,
    *,
    roster: Path | str | list[Student],
    workspace: Workspace | None = None,
    submissions: Path | str | None = None,
    collect: bool = True,
    sandboxed: bool = True,
    workers: int = DEFAULT_WORKERS,
    regrade: bool = False,
    only: list[str] | None = None,
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
        workers: how many submissions to execute at once (sandboxed grading only).
        regrade: grade again submissions already graded (default: only new or changed
            ones, so that a batch stopped half-way resumes where it stopped).
        only: grade only these student ids; everyone else's grades are left as they are
            (and reported from the gradebook).
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
    ws = workspace or Workspace.for_manifest(manifest, repo=root, sandboxed=sandboxed)
    notices: list[str] = []

    _say(progress, f"Preparing {manifest.id} for {len(students)} students in {ws.root}")
    ws.sync(manifest, students)
    ws.generate(manifest)
    if submissions is not None:
        notices += import_submissions(ws, manifest.id, Path(submissions), students)
    if collect and (ws.exchange_root / ws.course_id / "inbound").is_dir():
        _say(progress, "Collecting submissions from the exchange")
        ws.collect(manifest.id)

    backup = backup_gradebook(ws, manifest.id)
    if backup is not None:
        _say(progress, f"Gradebook backed up to {backup}")
    submitted = [s for s in students if ws.submitted_dir(manifest.id, s.id).is_dir()]
    if only is not None:
        unknown = sorted(set(only) - {s.id for s in students})
        if unknown:
            raise CourseError(f"{unknown[0]} is not on the roster: check the id, or add the student to the roster.")
    done = set() if regrade else {s.id for s in submitted if already_graded(ws, manifest, s.id)}
    if only is not None:
        done |= {s.id for s in submitted if s.id not in only and already_graded(ws, manifest, s.id)}
    skipped = set() if only is None else {s.id for s in submitted if s.id not in only and s.id not in done}
    if done:
        _say(progress, f"{len(done)} submissions already graded and unchanged: kept (use regrade to grade them again)")
    todo = [s.id for s in submitted if s.id not in done | skipped and _readable(ws, manifest, s.id)]
    from course.autograde import SandboxedExecute

    replay = ws.root / "replay" / manifest.id
    if replay.exists():
        shutil.rmtree(replay)
    SandboxedExecute.replay_dir = replay
    rows: dict[str, SubmissionResult] = {}

    def grade_one(sid: str, worker_seconds: float = 0.0) -> None:
        row = grade_submission(ws, manifest, sid)
        row.seconds += worker_seconds  # the worker's share, when there was one
        if row.status == FAILED:
            notices.append(f"{sid}: {row.reason.rstrip('.')}; graded as zero, and the batch went on.")
        if row.kept_manual:
            notices.append(
                f"{sid}: re-graded; {row.kept_manual} manual grade(s) or comment(s) already given were kept, not overwritten. "
                "Check them in the formgrader: the submission was re-run."
            )
        rows[sid] = row

    if ws.sandboxed and workers > 1 and len(todo) > 1:
        _say(progress, f"Executing {len(todo)} submissions in sandboxes, {workers} at a time; grades are written as each one finishes")
        # This process alone writes the gradebook, one student at a time, while the workers run the next ones.
        for sid, info in parallel.execute_stream(ws, manifest, todo, replay, workers=workers, progress=progress):
            grade_one(sid, info.get("seconds", 0.0))
    rest = [sid for sid in todo if sid not in rows]  # all of them when serial; a worker's failures otherwise
    for i, sid in enumerate(rest):
        _say(progress, f"[{i + 1}/{len(rest)}] autograding {sid}")
        grade_one(sid)

    results = []
    for s in students:
        if s not in submitted:
            results.append(SubmissionResult(s.id, MISSING, reason="no submission"))
        elif s.id in skipped:
            results.append(SubmissionResult(s.id, SKIPPED, reason="not graded in this run (only some students were)"))
        elif s.id in done:
            scores, late, penalty = read_scores(ws, manifest, s.id)
            results.append(SubmissionResult(s.id, GRADED, scores, late, reason="unchanged since last grading", penalty=penalty))
        else:
            if s.id not in rows:  # unreadable: grade_submission reports why
                grade_one(s.id)
            results.append(rows[s.id])
    return GradeRun(manifest, ws, results, notices, list(students))

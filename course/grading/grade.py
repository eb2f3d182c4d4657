"""Grade a class, start to finish: sync, collect, run submissions in workers, write grades and feedback, resume.

Worker processes run the sandboxed executions, each submission in a private nbgrader course
(its own sqlite copy of the gradebook's rows for the assignment, taken before the batch from
the real gradebook, a sqlite file or a database server alike), and keep the graded notebook.
This process alone writes the real gradebook: it runs nbgrader's autograde for every student in
turn, with the sandboxed Execute step replaying what the worker ran (``Workspace.replay_from``).
A broken submission becomes a row with a reason; the batch never stops for one student.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError, GradingError, NotebookError
from course.grading import capacity, downloads
from course.grading import roster as rosters
from course.grading.autograde import NOT_EQUAL, grade_notebook
from course.grading.workspace import Student, Workspace, last_line, links_in, shared_gradebook_engines, shown_url, sqlite_file
from course.limits import Limits
from course.paths import find_root

DEFAULT_WORKERS = capacity.workers_here().workers  # with the default limits; a batch sizes itself to its own (capacity.choose)

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
    kept: bool = False  # not graded in this run: the row as last recorded (``kept_row``)
    late_known: bool = True  # False: nothing says when it was handed in (an LMS download without times)

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


def import_submissions(ws: Workspace, aid: str, folder: Path, students: list[Student], any_folder: bool = False) -> list[str]:
    """Copy submissions as an LMS gives them (a folder or .zip; ``course.grading.downloads``) into nbgrader's submitted/ folder.

    Returns:
        Notices: folders or files that belong to no student on the roster (skipped), renamed copies taken.
    """
    return downloads.import_download(ws, aid, folder, students, any_folder=any_folder).notices


def link_reason(links: list[str]) -> str:
    """Why a submission holding symbolic links is not graded (what the student is told to do)."""
    shown = ", ".join("the folder itself" if link == "." else link for link in links[:3])
    return (f"the submission holds a symbolic link ({shown}), which the grader never follows: "
            "hand in the notebook file itself, not a link to it")


def read_or_reason(path: Path) -> str:
    """Why a submitted notebook cannot be read (its path left out), or "" if it can."""
    try:
        nbs.read(path)
    except NotebookError as exc:
        return str(exc).replace(str(path.parent) + "/", "")
    return ""


def restore_stripped(ws: Workspace, aid: str, path: Path) -> str:
    """Give a submitted notebook back the nbgrader metadata an editor stripped (``nbs.restore_metadata``); say what was done.

    Returns "" when nothing was missing; otherwise a note naming the cells restored and those
    that could not be matched (they score as nbgrader scores a missing cell).
    """
    release = ws.release_dir(aid) / path.name
    if not release.is_file():
        return ""
    nb = nbs.read(path)
    restored, unmatched = nbs.restore_metadata(nb, nbs.read(release))
    if not restored and not unmatched:
        return ""
    if restored:
        nbs.write(nb, path)
    note = f"{path.stem}: the notebook had lost nbgrader's cell metadata (an editor stripped it)"
    if restored:
        note += f"; restored for {', '.join(restored[:8])}{' …' if len(restored) > 8 else ''}"
    if unmatched:
        note += f"; could not match {', '.join(unmatched)}, graded as missing"
    return note


def grade_submission(ws: Workspace, manifest: manifests.Manifest, student: str, replay: Path | None = None) -> SubmissionResult:
    """Autograde one student's collected submission and write their feedback; never raises for their work.

    Args:
        replay: the folder where grading workers left this batch's runs (see ``Workspace.replay_from``),
            whose feedback is used when its scores agree with the gradebook's.
    """
    started = time.perf_counter()
    folder = ws.submitted_dir(manifest.id, student)
    links = links_in(folder)
    if links:
        return SubmissionResult(student, FAILED, reason=link_reason(links))
    for entry in manifest.graded_notebooks:
        path = folder / entry.file
        if path.exists():
            reason = read_or_reason(path)
            if reason:
                return SubmissionResult(student, FAILED, reason=reason, seconds=time.perf_counter() - started)
    if not any((folder / e.file).exists() for e in manifest.graded_notebooks):
        wanted = ", ".join(e.file for e in manifest.graded_notebooks)
        return SubmissionResult(student, FAILED, reason=f"no graded notebook in the submission (expected {wanted})")
    repaired = []
    for entry in manifest.graded_notebooks:
        if (folder / entry.file).exists():
            nbs.upgrade_in_place(folder / entry.file)  # an nbformat 3 notebook is graded, as nbgrader grades it
            repaired.append(restore_stripped(ws, manifest.id, folder / entry.file))
    kept = ws.manual_count(manifest.id, student)
    result = ws.autograde(manifest.id, student)
    if not result.get("success"):
        return SubmissionResult(student, FAILED, reason=f"autograding failed: {last_line(result)}", seconds=time.perf_counter() - started)
    scores, late, penalty = ws.read_scores(manifest, student)
    try:
        # a worker's feedback is made without the late penalty, so a penalised student's is written by nbgrader here
        if penalty or not _feedback_from_worker(ws, manifest, student, scores, replay):
            ws.feedback(manifest.id, student)
    except CourseError as exc:
        return SubmissionResult(student, FAILED, reason=str(exc), seconds=time.perf_counter() - started)
    notes = [r for r in repaired if r]
    if ws.sandboxed:
        for entry in manifest.graded_notebooks:
            notes += ws.grading_notes(manifest.id, student, entry.stem)
    _record_graded(ws, manifest, student)
    return SubmissionResult(student, GRADED, scores, late, reason="; ".join(notes),
                            seconds=time.perf_counter() - started, kept_manual=kept, penalty=penalty)


def _feedback_from_worker(ws: Workspace, manifest: manifests.Manifest, student: str, scores: dict[str, float],
                          replay: Path | None) -> bool:
    """Use the feedback a grading worker made, if it graded this student to the same scores; True if used."""
    if replay is None:
        return False
    cache = Path(replay) / student
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


GRADED_RECORD = ".course-graded.json"


def _fingerprint(ws: Workspace, manifest: manifests.Manifest, student: str) -> dict[str, str]:
    """SHA-256 of each file the student handed in (what makes a submission the same one)."""
    folder = ws.submitted_dir(manifest.id, student)
    return {p.name: "link" if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_symlink() or p.is_file()}


def _record_graded(ws: Workspace, manifest: manifests.Manifest, student: str) -> None:
    """Written last, after grades and feedback: the proof that this exact submission was fully graded.

    Written whole or not at all (a temporary file, then an atomic rename): a batch killed at
    any instant leaves either no record or a complete one, so a record that exists is true.
    """
    record = ws.autograded_dir(manifest.id, student) / GRADED_RECORD
    partial = record.with_name(f"{GRADED_RECORD}.{os.getpid()}.partial")
    partial.write_text(json.dumps({"files": _fingerprint(ws, manifest, student)}, indent=1))
    os.replace(partial, record)


def already_graded(ws: Workspace, manifest: manifests.Manifest, student: str) -> bool:
    """True if this exact submission (same files, byte for byte) was fully graded before: grades and feedback."""
    record = ws.autograded_dir(manifest.id, student) / GRADED_RECORD
    try:
        files = json.loads(record.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # never graded, or a batch stopped before this student's feedback was written
    return files == _fingerprint(ws, manifest, student)


#: Where each student's last recorded result of an assignment is kept: ``<course>/.course-results/<id>/<student>.json``.
RESULTS_DIR = ".course-results"


def _result_file(ws: Workspace, aid: str, student: str) -> Path:
    name = urllib.parse.quote(student, safe="@+-_.")
    if name.startswith("."):
        name = "%2E" + name[1:]
    return ws.root / RESULTS_DIR / aid / f"{name}.json"


def save_result(ws: Workspace, aid: str, row: SubmissionResult) -> None:
    """Record a student's row as grading left it, with the gradebook's state their feedback was written at.

    Rows of students a run does not grade are read back from it (``last_result``), so a reason
    such as "not a valid notebook" stays in every export until that student is graded again.
    """
    path = _result_file(ws, aid, row.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"status": row.status, "reason": row.reason, "scores": row.scores, "late_seconds": row.late_seconds,
              "penalty": row.penalty,
              "gradebook": ws.gradebook_state(aid, row.student) if row.status == GRADED else ""}
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(record, indent=1, sort_keys=True))
    os.replace(partial, path)  # whole or not at all


def last_result(ws: Workspace, aid: str, student: str) -> dict | None:
    """The record ``save_result`` left for a student, or None if there is none (or it is unreadable)."""
    try:
        record = json.loads(_result_file(ws, aid, student).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("status") in (GRADED, FAILED) else None


def kept_row(ws: Workspace, manifest: manifests.Manifest, student: str) -> tuple[SubmissionResult, bool]:
    """A student's row as it stands, without grading: ``(row, feedback is stale)``.

    Scores and lateness come from the gradebook (so manual grades given since show), the status
    and reason from the student's last recorded result. The feedback is stale when the gradebook
    changed since it was written (a manual grade or comment in the formgrader).
    """
    record = last_result(ws, manifest.id, student)
    if record is None and not already_graded(ws, manifest, student):
        return SubmissionResult(student, SKIPPED, reason="submitted, not graded yet: run course grade without --student",
                                kept=True), False
    if record is not None and record["status"] == FAILED:
        return SubmissionResult(student, FAILED, reason=record.get("reason", ""), kept=True), False
    scores, late, penalty = ws.read_scores(manifest, student)
    row = SubmissionResult(student, GRADED, scores, late, reason=(record or {}).get("reason", ""), penalty=penalty,
                           kept=True)
    stale = record is None or record.get("gradebook") != ws.gradebook_state(manifest.id, student) \
        or not ws.feedback_dir(manifest.id, student).is_dir()
    return row, stale


def refresh_feedback(ws: Workspace, manifest: manifests.Manifest, rows: list[SubmissionResult],
                     progress: Callable[[str], None] | None = print) -> list[str]:
    """Write these graded students' feedback again from the gradebook (nothing is executed) and record it.

    Returns:
        Notices: who was refreshed, and anyone whose feedback nbgrader could not write.
    """
    if not rows:
        return []
    names = [r.student for r in rows]
    _say(progress, f"Writing feedback again from the gradebook (grades or comments changed) for {', '.join(names)}")
    failed = ws.feedback_all(manifest.id, names)
    notices = []
    for row in rows:
        if failed.get(row.student):
            notices.append(f"{row.student}: feedback could not be written again ({failed[row.student]}); "
                           "their feedback folder may be out of date.")
        else:
            save_result(ws, manifest.id, row)
    done = [n for n in names if not failed.get(n)]
    if done:
        notices.append(f"{', '.join(done)}: feedback written again from the gradebook (manual grades or comments changed).")
    return notices


def _readable(ws: Workspace, manifest: manifests.Manifest, student: str) -> bool:
    folder = ws.submitted_dir(manifest.id, student)
    if links_in(folder):
        return False  # grade_submission reports it, reading nothing through the link
    present = [folder / e.file for e in manifest.graded_notebooks if (folder / e.file).exists()]
    return bool(present) and not any(read_or_reason(p) for p in present)


#: Bump when a change to the engine could change how a solution grades (the solution check's cache key).
ENGINE_VERSION = "calls-1"


def check_solution(ws: Workspace, aid: str, progress: Callable[[str], None] | None = print) -> None:
    """Grade the instructor's own notebooks through the sandbox; raise unless every autograded test passes.

    Cached by a fingerprint of the source notebooks, the limits and the engine, in
    ``<course>/.course-cache/``, so a class graded again does not pay for it twice.

    Raises:
        GradingError: one line naming the notebook, the cell and the reason.
    """
    folder = ws.source_dir(aid)
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    digest = hashlib.sha256(f"{ENGINE_VERSION}|{ws.engine.name}|{json.dumps(ws.limits.as_dict(), sort_keys=True)}".encode())
    for path in notebooks:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    stamp = ws.root / ".course-cache" / f"solution-{aid}-{digest.hexdigest()[:20]}.ok"
    if stamp.is_file():
        return
    _say(progress, f"Grading the instructor's solution of {aid} in the sandbox first")
    for path in notebooks:
        source = nbs.read(path)
        if not any(nbs.is_test_cell(c) for c in source.cells):
            continue
        graded, notes = grade_notebook(nbs.copy(source), source, ws.limits, ws.engine,
                                            student_files=folder, test_files=folder)
        for cell in graded.cells:
            if not nbs.is_test_cell(cell):
                continue
            error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            if error is not None:
                why = f"{error.get('ename', 'Error')}: {error.get('evalue', '')}".strip().rstrip(":")
                extra = next((n for n in notes if n.startswith(NOT_EQUAL) and nbs.grade_id(cell) in n), "") or \
                    next(iter(notes), "")
                raise GradingError(
                    f"{path.name}, cell {nbs.grade_id(cell)}: the instructor's solution fails this test in the sandbox "
                    f"({why[:200]}{'; ' + extra[:200] if extra else ''}), so students would not get nbgrader's score. "
                    "Fix the cell (docs/AUTHORING.md says what the sandbox allows), or grade with plain nbgrader.")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("the solution got full marks in the sandbox\n")


# ---------------------------------------------------------------- workers


def _start_worker(engine_name: str) -> None:
    """In a new worker process: make the engine it keeps for its whole life (its zygotes stay loaded across jobs)."""
    from course.grading import engine as engines

    _WORKER["engine"] = engine = engines.make(engine_name)
    engine.close_on_worker_exit()


#: What a worker process keeps between its jobs (only its engine); set once by _start_worker, in that process.
_WORKER: dict[str, object] = {}


def _work(job: dict) -> dict:
    """In a worker process: autograde one student in a private course; save the graded notebook(s) to the cache."""
    started = time.perf_counter()
    student, aid = job["student"], job["assignment"]
    with tempfile.TemporaryDirectory(prefix="course-worker-") as tmp:
        tmp = Path(tmp)
        db = tmp / "gradebook.db"
        shutil.copy(job["snapshot"], db)
        if job.get("course"):  # an nbgrader course of its own: no manifest, its own limits and configuration
            m = None
            ws = Workspace(tmp / "course", course=job["course"], db_url=f"sqlite:///{db}", sandboxed=True,
                           engine=_WORKER["engine"], limits=Limits(**job["limits"]))
        else:
            m = manifests.load(aid, Path(job["repo"]))
            ws = Workspace.for_manifest(m, tmp / "course", repo=job["repo"], db_url=f"sqlite:///{db}", sandboxed=True,
                                        engine=_WORKER["engine"])
        shutil.copytree(job["source"], ws.source_dir(aid))
        shutil.copytree(job["submitted"], ws.submitted_dir(aid, student), symlinks=True)
        result = ws.autograde(aid, student)
        if not result.get("success"):
            return {"student": student, "ok": False, "reason": last_line(result), "seconds": time.perf_counter() - started}
        cache = Path(job["cache"]) / student
        cache.mkdir(parents=True, exist_ok=True)
        for nb in ws.autograded_dir(aid, student).glob("*.ipynb"):
            shutil.copy(nb, cache / nb.name)  # its metadata carries the runs' notes
        if m is None:  # feedback is its own command there (course feedback), as in nbgrader
            return {"student": student, "ok": True, "reason": "", "seconds": time.perf_counter() - started}
        # Feedback from the private gradebook (a copy of the real one, with these grades): the parent
        # uses it only if its own grades for this student come out the same, else makes its own.
        try:
            ws.feedback(aid, student)
            shutil.copytree(ws.feedback_dir(aid, student), cache / "feedback")
            (cache / "feedback-scores.json").write_text(json.dumps(ws.read_scores(m, student)[0], sort_keys=True))
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
    aid: str,
    students: list[str],
    cache: Path,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[str], None] | None = print,
) -> Iterator[tuple[str, dict]]:
    """Run the sandboxed executions of ``students`` in ``workers`` processes; yield each as it finishes.

    Yields ``(student, {"ok": bool, "reason": str, "seconds": float})`` in the order the
    executions finish, so that the caller can write each grade while the others still run.
    The graded notebooks go to ``cache`` for the sandboxed Execute step to replay. A student whose
    worker failed is simply graded by the caller afterwards, without the cache. Workers read a
    private sqlite snapshot of the gradebook (``Workspace.snapshot_gradebook``), so this works
    with a gradebook on a PostgreSQL server too; if the snapshot cannot be made, one progress
    line says so and nothing is yielded (the caller grades everyone itself).
    """
    if not students or workers < 2 or not ws.sandboxed:
        return
    from sqlalchemy.exc import SQLAlchemyError

    cache.mkdir(parents=True, exist_ok=True)
    snapshot = cache / "gradebook-snapshot.db"
    try:  # the workers' private gradebook: they never write the real one, which may be a shared server
        ws.snapshot_gradebook(snapshot, aid, students)
    except (CourseError, SQLAlchemyError, OSError) as exc:
        _say(progress, f"The grading workers cannot start ({type(exc).__name__}: {str(exc)[:200]}): "
                       "grading one submission at a time instead.")
        return
    jobs = [
        {"student": s, "assignment": aid, "repo": str(ws.repo) if ws.repo else "", "snapshot": str(snapshot),
         "course": "" if ws.repo else str(ws.root), "limits": ws.limits.as_dict(),
         "source": str(ws.source_dir(aid)), "submitted": str(ws.submitted_dir(aid, s)), "cache": str(cache)}
        for s in students
    ]
    done = 0
    started = time.perf_counter()
    # fork: workers inherit the loaded packages, so each starts in milliseconds.
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(ws.engine.name,)) as pool:
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


# ---------------------------------------------------------------- the batch


def grade_all(
    assignment_id: str,
    *,
    roster: Path | str | list[Student],
    workspace: Workspace | None = None,
    submissions: Path | str | None = None,
    collect: bool = True,
    sandboxed: bool = True,
    engine: str = "zygote",
    workers: int | None = None,
    regrade: bool = False,
    only: list[str] | None = None,
    root: Path | None = None,
    progress: Callable[[str], None] | None = print,
    roster_encoding: str | None = None,
) -> GradeRun:
    """Grade every submission of an assignment: sync the gradebook, collect, autograde, write feedback.

    Args:
        assignment_id: the assignment, as in ``assignments/<id>.yml``.
        roster: a roster CSV, or the students themselves.
        workspace: the nbgrader course to grade in (default: the one in ``nbgrader_config.py``).
        submissions: submissions to grade instead of, or as well as, what is in the nbgrader
            exchange: a folder or .zip, one folder per student id or as Canvas or Moodle download
            them (``course.grading.downloads``).
        collect: also collect submissions from the nbgrader exchange.
        sandboxed: run every submission in a sandbox; ``False`` grades with nbgrader's own
            Execute step, with the instructor's rights (only for trusted submissions).
        engine: how sandboxed runs start (``course.grading.engine``): ``zygote`` (pre-loaded,
            the default) or ``fresh`` (a new sandbox and kernel per run). Ignored when a
            ``workspace`` is given (it has its own).
        workers: how many submissions to execute at once (sandboxed grading only); default: as many as
            this process's CPU and memory limits hold with the assignment's run limits (``capacity.choose``).
        regrade: grade again submissions already graded (default: only new or changed
            ones, so that a batch stopped half-way resumes where it stopped).
        only: grade (again, even if unchanged) only these student ids; everyone else's row is
            left as last recorded (``kept_row``: scores from the gradebook, reasons as they were).
        progress: called with one line per step (``None`` for silence).
        roster_encoding: the roster file's encoding (default: detected, see ``roster.decode``).

    Every argument is checked before the gradebook is touched; the gradebook is backed up
    only when this run will write grades.

    Returns:
        A GradeRun with one row per student on the roster, graded, failed or missing.

    Raises:
        CourseError: for a problem with the assignment, roster or set-up (not for a student's work);
            an ``only`` id not on the roster is one before anything is synced or backed up.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    manifests.check_notebooks(manifest, root)
    students = roster if isinstance(roster, list) else rosters.load(roster, encoding=roster_encoding, progress=progress)
    if only is not None:
        only = _roster_ids(only, students)
    if submissions is not None:
        submissions = downloads.check_path(submissions)
    ws = workspace or Workspace.for_manifest(manifest, repo=root, sandboxed=sandboxed, engine=engine)
    notices: list[str] = []

    workers, why = capacity.choose(workers, ws.limits)
    if why and ws.sandboxed:
        _say(progress, why)
    _say(progress, f"Preparing {manifest.id} for {len(students)} students in {ws.root}")
    ws.sync(manifest, students)
    ws.generate(manifest)
    if submissions is not None:
        for notice in import_submissions(ws, manifest.id, Path(submissions), students):
            _say(progress, notice)
            notices.append(notice)
    if collect and (ws.exchange_root / ws.course_id / "inbound").is_dir():
        _say(progress, "Collecting submissions from the exchange")
        # a submission holding a link keeps only the link (grading reports it); one that another user
        # put in the exchange in a student's name is set aside
        for notice in ws.collect(manifest.id):
            _say(progress, notice)
            notices.append(notice)

    if ws.sandboxed:
        check_solution(ws, manifest.id, progress)
    submitted = [s for s in students if ws.submitted_dir(manifest.id, s.id).is_dir()]
    if only is not None:  # the students asked for are graded again even if unchanged; the others are left alone
        others = {s.id for s in submitted if s.id not in only}
        done: set[str] = set()
        if others:
            _say(progress, f"Grading only {', '.join(only)}: the other students' rows stay as last recorded")
    else:
        others = set()
        done = set() if regrade else {s.id for s in submitted if already_graded(ws, manifest, s.id)}
    if done:
        _say(progress, f"{len(done)} submissions already graded and unchanged: kept (use regrade to grade them again)")
    todo = [s.id for s in submitted if s.id not in done | others and _readable(ws, manifest, s.id)]
    if any(s.id not in done | others for s in submitted):  # grades will be written: back up first (a no-op run writes none)
        backup = ws.backup_gradebook(manifest.id)
        if backup is not None:
            _say(progress, f"Gradebook backed up to {backup}")
        elif sqlite_file(ws.db_url) is None:
            _say(progress, f"The gradebook is on a database server ({shown_url(ws.db_url)}): it is not backed up here; "
                           "back it up with the server's own tools (pg_dump) before grading")
    replay = ws.root / "replay" / manifest.id
    if replay.exists():
        shutil.rmtree(replay)
    ws.replay_from(replay)
    rows: dict[str, SubmissionResult] = {}

    def grade_one(sid: str, worker_seconds: float = 0.0) -> None:
        row = grade_submission(ws, manifest, sid, replay)
        row.seconds += worker_seconds  # the worker's share, when there was one
        if row.status == FAILED:
            notices.append(f"{sid}: {row.reason.rstrip('.')}; graded as zero, and the batch went on.")
        if row.kept_manual:
            notices.append(
                f"{sid}: re-graded; {row.kept_manual} manual grade(s) or comment(s) already given were kept, not overwritten. "
                "Check them in the formgrader: the submission was re-run."
            )
        rows[sid] = row

    if not ws.sandboxed and workers > 1 and len(todo) > 1:
        _say(progress, "Grading unsandboxed: one submission at a time (parallel workers grade only in sandboxes)")
    # one SQLAlchemy engine per gradebook for the whole batch, not several per submission
    with shared_gradebook_engines():
        if ws.sandboxed and workers > 1 and len(todo) > 1:
            _say(progress, f"Executing {len(todo)} submissions in sandboxes, {workers} at a time; "
                           "grades are written as each one finishes")
            # This process alone writes the gradebook, one student at a time, while the workers run the next ones.
            for sid, info in execute_stream(ws, manifest.id, todo, replay, workers=workers, progress=progress):
                grade_one(sid, info.get("seconds", 0.0))
        rest = [sid for sid in todo if sid not in rows]  # all of them when serial; a worker's failures otherwise
        for i, sid in enumerate(rest):
            _say(progress, f"[{i + 1}/{len(rest)}] autograding {sid}")
            grade_one(sid)

    results = []
    stale = []
    for s in students:
        if s not in submitted:
            results.append(SubmissionResult(s.id, MISSING, reason="no submission"))
        elif s.id in others | done:  # as last recorded, scores from the gradebook as it is now
            row, feedback_stale = kept_row(ws, manifest, s.id)
            if feedback_stale and row.status == GRADED:
                stale.append(row)
            results.append(row)
        else:
            if s.id not in rows:  # unreadable: grade_submission reports why
                grade_one(s.id)
            results.append(rows[s.id])
            save_result(ws, manifest.id, rows[s.id])
    notices += refresh_feedback(ws, manifest, stale, progress)
    notices += _unknown_lateness(ws, manifest, results, progress)
    ws.replay_from(None)
    if workspace is None:
        ws.close()
    return GradeRun(manifest, ws, results, notices, list(students))


def export_all(
    assignment_id: str,
    *,
    roster: Path | str | list[Student],
    workspace: Workspace | None = None,
    root: Path | None = None,
    progress: Callable[[str], None] | None = print,
) -> GradeRun:
    """The class as the gradebook holds it now, with nothing executed: after grading by hand in the formgrader.

    Every student's row is ``kept_row`` (scores from the gradebook, reasons as last recorded);
    feedback is written again for each graded student whose grades or comments changed since
    theirs was written. Nothing is synced, collected, backed up or run. Write the exports with
    ``report.write_report``.

    Raises:
        CourseError: for a problem with the assignment, roster or gradebook.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    students = roster if isinstance(roster, list) else rosters.load(roster)
    ws = workspace or Workspace.for_manifest(manifest, repo=root, sandboxed=False)  # it runs nothing
    results, stale = [], []
    for s in students:
        if not ws.submitted_dir(manifest.id, s.id).is_dir():
            results.append(SubmissionResult(s.id, MISSING, reason="no submission"))
            continue
        row, feedback_stale = kept_row(ws, manifest, s.id)
        if feedback_stale and row.status == GRADED:
            stale.append(row)
        results.append(row)
    notices = refresh_feedback(ws, manifest, stale, progress)
    notices += _unknown_lateness(ws, manifest, results, progress)
    if workspace is None:
        ws.close()
    return GradeRun(manifest, ws, results, notices, list(students))


def _roster_ids(only: list[str], students: list[Student]) -> list[str]:
    """The roster's own ids for ``only`` (compared ignoring case, as the roster does); a one-line error for one not there."""
    by_key = {s.id.casefold(): s.id for s in students}
    for sid in only:
        if sid.casefold() not in by_key:
            raise CourseError(f"{sid} is not on the roster: check the id, or add the student to the roster.")
    return [by_key[sid.casefold()] for sid in only]


def _unknown_lateness(ws: Workspace, manifest: manifests.Manifest, results: list[SubmissionResult],
                      progress: Callable[[str], None] | None) -> list[str]:
    """Mark graded rows whose submission says nothing of when it came in: their lateness is unknown, not 0.

    Returns one notice when there are some and the manifest has a late policy (which cannot apply to them).
    """
    unknown = [r for r in results if r.status == GRADED
               and not downloads.lateness_known(ws.submitted_dir(manifest.id, r.student))]
    for r in unknown:
        r.late_known = False
    if not unknown or not manifest.late_policy:
        return []
    shown = ", ".join(r.student for r in unknown[:5]) + (" …" if len(unknown) > 5 else "")
    notice = (f"{len(unknown)} submission(s) came with no submission time ({shown}): lateness unknown, no late penalty "
              "applied to them. Grade them from the nbgrader exchange, or put nbgrader's timestamp.txt in each folder.")
    _say(progress, notice)
    return [notice]

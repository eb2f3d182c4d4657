"""Grade a class, start to finish: sync, collect, run submissions in workers, write grades and feedback, resume.

Dask workers (``cluster``: a local cluster, or a scheduler's remote machines) run nbgrader's
autograde for each submission in a private nbgrader course (its own sqlite copy of the
gradebook's rows for the assignment, taken before the batch from the real gradebook, a sqlite
file or a database server alike), and send back, as data, the rows it wrote, the graded
notebook and the feedback. This process alone writes the real gradebook, a batch of results per
transaction (``writer``), then their files and resume records. A broken submission becomes a
row with a reason; the batch never stops for one student.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError, GradingError, NotebookError
from course.grading import capacity, cluster, downloads, writer
from course.grading import roster as rosters
from course.grading.autograde import check_solutions
from course.grading.workspace import Student, Workspace, last_line, links_in, shared_gradebook_engines, shown_url, sqlite_file
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
    #: Seconds this process spent per submission graded by workers (preparing it, writing its grades and files).
    parent_seconds: float = 0.0

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


def restore_stripped(ws: Workspace, aid: str, path: Path, nb=None, releases: dict | None = None) -> str:
    """Give a submitted notebook back the nbgrader metadata an editor stripped (``nbs.restore_metadata``); say what was done.

    ``nb``: the submitted notebook, already read from ``path``; ``releases``: released notebooks already
    read, by path (a batch reads each once; ``restore_metadata`` only reads them).

    Returns "" when nothing was missing; otherwise a note naming the cells restored and those
    that could not be matched (they score as nbgrader scores a missing cell).
    """
    release = ws.release_dir(aid) / path.name
    if not release.is_file():
        return ""
    nb = nbs.read(path) if nb is None else nb
    if releases is None:
        released = nbs.read(release)
    else:
        if release not in releases:
            releases[release] = nbs.read(release)
        released = releases[release]
    restored, unmatched = nbs.restore_metadata(nb, released)
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


def grade_submission(ws: Workspace, manifest: manifests.Manifest, student: str) -> SubmissionResult:
    """Autograde one student's collected submission in this process and write their feedback; never raises for their work."""
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


def save_result(ws: Workspace, aid: str, row: SubmissionResult, state: str | None = None) -> None:
    """Record a student's row as grading left it, with the gradebook's state their feedback was written at.

    ``state``: that state (``writer.state_of``), when the caller has it; else it is read from the gradebook.

    Rows of students a run does not grade are read back from it (``last_result``), so a reason
    such as "not a valid notebook" stays in every export until that student is graded again.
    """
    path = _result_file(ws, aid, row.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"status": row.status, "reason": row.reason, "scores": row.scores, "late_seconds": row.late_seconds,
              "penalty": row.penalty,
              "gradebook": (state or ws.gradebook_state(aid, row.student)) if row.status == GRADED else ""}
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


def solution_unchecked(ws: Workspace, aid: str) -> Path | None:
    """Where the verdict of :func:`check_solution` is kept once the solution got full marks; None when it is there already.

    Keyed by a fingerprint of the source notebooks, the limits and the engine, in
    ``<course>/.course-cache/``, so a class graded again does not pay for the check twice.
    """
    digest = hashlib.sha256(f"{ENGINE_VERSION}|{ws.engine.name}|{json.dumps(ws.limits.as_dict(), sort_keys=True)}".encode())
    for path in sorted(p for p in ws.source_dir(aid).glob("*.ipynb") if p.is_file()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    stamp = ws.root / ".course-cache" / f"solution-{aid}-{digest.hexdigest()[:20]}.ok"
    return None if stamp.is_file() else stamp


def solution_checked(stamp: Path) -> None:
    """Keep the verdict that the solution got full marks (:func:`solution_unchecked`)."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("the solution got full marks in the sandbox\n")


def check_solution(ws: Workspace, aid: str, progress: Callable[[str], None] | None = print) -> None:
    """Grade the instructor's own notebooks through the sandbox, in this process; raise unless every autograded test passes.

    Once per set of source notebooks, limits and engine (:func:`solution_unchecked`). A batch on
    Dask workers checks on a worker instead, before it writes any grade (:func:`execute_stream`).

    Raises:
        GradingError: one line naming the notebook, the cell and the reason.
    """
    stamp = solution_unchecked(ws, aid)
    if stamp is None:
        return
    _say(progress, f"Grading the instructor's solution of {aid} in the sandbox first")
    failure = check_solutions(ws.source_dir(aid), ws.limits, ws.engine)
    if failure:
        raise GradingError(failure)
    solution_checked(stamp)


# ---------------------------------------------------------------- workers


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
    scheduler: str | None = None,
    feedback: bool = False,
    gateway: str | None = None,
    check: Path | None = None,
) -> Iterator[list[dict]]:
    """Grade ``students`` on Dask workers (``course.grading.cluster``); yield their results in batches as they finish.

    ``check``: where :func:`solution_unchecked` keeps the solution's verdict; the instructor's
    solution is then graded on a worker first, while the others start on the class, and nothing
    is yielded unless it gets full marks (else :class:`GradingError`, as :func:`check_solution`).
    When the workers cannot start, nothing is checked or yielded: the caller checks and grades.

    Each result is plain data (``cluster.grade_task``): ``ok`` and ``reason``, the gradebook rows
    nbgrader's autograde wrote in the worker's private course, the graded notebook's files and,
    with ``feedback``, the feedback's. The workers read a private sqlite snapshot of the gradebook
    (``Workspace.snapshot_gradebook``, made in ``cache``), so this works with a gradebook on a
    PostgreSQL server too; if the snapshot cannot be made, one progress line says so and nothing
    is yielded (the caller grades everyone itself). With ``scheduler``
    the work goes to that Dask scheduler's workers, with ``gateway`` to a cluster of ``workers`` workers that
    Dask Gateway starts; else to a local cluster of ``workers`` processes.
    """
    where = cluster.remote(scheduler, gateway)
    if not students or not ws.sandboxed or (workers < 2 and where is None):
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
    data, bundle = snapshot.read_bytes(), cluster.course_bundle(ws, aid)
    snapshot.unlink()
    snapshot_id = hashlib.sha256(data).hexdigest()[:20]
    jobs = (grade_job(ws, aid, s, feedback, snapshot_id) for s in students)
    done = 0
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        try:
            c = stack.enter_context(cluster.client(workers if gateway else min(workers, len(students)), scheduler,
                                                   ws.limits.worker_memory_mb, gateway=gateway,
                                                   local_directory=cache / "workers"))
        except CourseError:
            raise  # the scheduler asked for does not answer: say so, grade nothing
        except Exception as exc:  # a local cluster that cannot start: the caller grades everyone itself
            _say(progress, f"The grading workers cannot start ({type(exc).__name__}: {str(exc)[:200]}): "
                           "grading one submission at a time instead.")
            return
        if where is not None:
            _say(progress, f"Grading on {where} ({len(c.scheduler_info()['workers'])} workers now)")
        solution = None
        if check is not None:
            _say(progress, f"Grading the instructor's solution of {aid} in the sandbox first, on a worker; "
                           "no grade is written unless it gets full marks")
            solution = {"student": "", "assignment": aid, "engine": ws.engine.name, "limits": ws.limits.as_dict()}
        for batch in cluster.run(c, jobs, bundle, data, check=solution):
            if check is not None:
                solution_checked(check)
                check = None
            done += len(batch)
            if progress is not None:
                progress(f"{_bar(done, len(students), started)}  ({batch[-1]['student']})")
            yield batch


def grade_job(ws: Workspace, aid: str, student: str, feedback: bool, snapshot_id: str) -> dict:
    """What a worker's ``cluster.grade_task`` is sent for one submission: settings and the submission's files, as data."""
    return {"student": student, "assignment": aid, "mode": "repo" if ws.repo else "course", "engine": ws.engine.name,
            "limits": ws.limits.as_dict(), "feedback": feedback, "snapshot_id": snapshot_id,
            "late_policy": ws.late_policy,  # this workspace's, which may not be the manifest's on disk (course demo)
            "files": cluster.read_files(ws.submitted_dir(aid, student))}


def _prepare(ws: Workspace, manifest: manifests.Manifest, student: str, releases: dict | None = None) -> list[str]:
    """Before a readable submission goes to a worker: nbformat 3 upgraded, stripped metadata restored; what was done.

    Each notebook is read once; ``releases``: the released notebooks read so far in this batch (``restore_stripped``).
    """
    notes = []
    for entry in manifest.graded_notebooks:
        path = ws.submitted_dir(manifest.id, student) / entry.file
        if path.exists():
            nb, _ = nbs.upgraded(path)
            notes.append(restore_stripped(ws, manifest.id, path, nb, releases))
    return [n for n in notes if n]


def write_results(ws: Workspace, manifest: manifests.Manifest, batch: list[dict],
                  repaired: dict[str, list[str]] | None = None, gb=None) -> list[SubmissionResult]:
    """Write a batch of workers' results: grades in one transaction, then graded notebooks, feedback, resume records.

    A student whose feedback the worker made at another gradebook state than the real one (a late
    penalty, a manual grade given meanwhile) gets it written again here by nbgrader.
    """
    started = time.perf_counter()
    aid = manifest.id
    oks = [r for r in batch if r.get("ok")]
    outcomes = writer.write_batch(ws, aid, oks, gb) if oks else {}
    rows: list[SubmissionResult] = []
    again = []
    for r in batch:
        sid = r["student"]
        outcome = outcomes.get(sid, {})
        if not r.get("ok") or outcome.get("error"):
            rows.append(SubmissionResult(sid, FAILED, reason=r.get("reason") or outcome.get("error", ""),
                                         seconds=r.get("seconds", 0.0)))
            continue
        cluster.write_files(r["autograded"], ws.autograded_dir(aid, sid))
        if r.get("feedback") is not None and r.get("state") == outcome["state"]:
            cluster.write_files(r["feedback"], ws.feedback_dir(aid, sid))
        else:
            again.append(sid)
        notes = list((repaired or {}).get(sid, []))
        for entry in manifest.graded_notebooks:
            notes += r.get("notes", {}).get(entry.stem, [])
        scores = {q.id: outcome["scores"].get((Path(q.notebook).stem, q.graded_cell), 0.0) for q in manifest.questions}
        rows.append(SubmissionResult(sid, GRADED, scores, outcome["late"], reason="; ".join(notes),
                                     seconds=r.get("seconds", 0.0), kept_manual=outcome["kept_manual"],
                                     penalty=outcome["penalty"]))
    failed = ws.feedback_all(aid, again) if again else {}
    for row in rows:
        if row.status != GRADED:
            continue
        if failed.get(row.student):
            row.status, row.reason = FAILED, f"feedback for {row.student} failed: {failed[row.student]}"
            continue
        _record_graded(ws, manifest, row.student)
        state = outcomes[row.student]["state"] if row.student not in again else None
        save_result(ws, aid, row, state)
    share = (time.perf_counter() - started) / max(len(batch), 1)
    for row in rows:
        row.seconds += share
    return rows


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
    scheduler: str | None = None,
    gateway: str | None = None,
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
        scheduler: a Dask scheduler (``tcp://HOST:PORT``) whose workers run the submissions (the CLI's
            ``--scheduler``, or ``$COURSE_DASK_SCHEDULER``); default: a local cluster of ``workers`` processes (``course.grading.cluster``).
        gateway: a Dask Gateway (``https://…``, the CLI's ``--gateway`` or ``$COURSE_DASK_GATEWAY``) that starts a
            cluster of ``workers`` workers for this batch (not with ``scheduler``).

    Every argument is checked before the gradebook is touched; the gradebook is backed up
    only when this run will write grades.

    Returns:
        A GradeRun with one row per student on the roster, graded, failed or missing.

    Raises:
        CourseError: for a problem with the assignment, roster or set-up (not for a student's work);
            an ``only`` id not on the roster is one before anything is synced or backed up.
    """
    root = find_root(root)
    where = cluster.remote(scheduler, gateway)
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
    if why and ws.sandboxed and where is None:
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

    unchecked = solution_unchecked(ws, manifest.id) if ws.sandboxed else None
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
    rows: dict[str, SubmissionResult] = {}
    saved: set[str] = set()  # rows whose result record is written already (by write_results)
    parent = 0.0  # seconds this process spent on the students graded by workers

    def note(row: SubmissionResult) -> None:
        sid = row.student
        if row.status == FAILED:
            notices.append(f"{sid}: {row.reason.rstrip('.')}; graded as zero, and the batch went on.")
        if row.kept_manual:
            notices.append(
                f"{sid}: re-graded; {row.kept_manual} manual grade(s) or comment(s) already given were kept, not overwritten. "
                "Check them in the formgrader: the submission was re-run."
            )
        rows[sid] = row

    def grade_one(sid: str) -> None:
        note(grade_submission(ws, manifest, sid))

    on_cluster = ws.sandboxed and todo and (where is not None or (workers > 1 and len(todo) > 1))
    if unchecked is not None and not on_cluster:
        check_solution(ws, manifest.id, progress)
    if not ws.sandboxed and workers > 1 and len(todo) > 1:
        _say(progress, "Grading unsandboxed: one submission at a time (parallel workers grade only in sandboxes)")
    # one SQLAlchemy engine per gradebook for the whole batch, not several per submission
    with shared_gradebook_engines():
        if on_cluster:
            _say(progress, f"Executing {len(todo)} submissions in sandboxes, "
                           f"{'on ' + where if where else f'{workers} at a time on a local Dask cluster'}; "
                           "grades are written in batches as they finish")
            started = time.perf_counter()
            releases: dict = {}
            repaired = {sid: _prepare(ws, manifest, sid, releases) for sid in todo}
            parent += time.perf_counter() - started
            with contextlib.ExitStack() as opened:
                gb = None  # one open gradebook for every batch, opened once the local workers are forked
                for batch in execute_stream(ws, manifest.id, todo, ws.root / ".course-cache" / "cluster", workers=workers,
                                            progress=progress, scheduler=scheduler, feedback=True, gateway=gateway,
                                            check=unchecked):
                    started = time.perf_counter()
                    if gb is None:
                        gb = opened.enter_context(ws.gradebook())
                    for row in write_results(ws, manifest, batch, repaired, gb):
                        note(row)
                        saved.add(row.student)
                    parent += time.perf_counter() - started
        rest = [sid for sid in todo if sid not in rows]  # all of them when serial, or when the cluster could not start
        if rest and on_cluster and unchecked is not None:
            check_solution(ws, manifest.id, progress)  # the cluster could not start: checked here (a no-op if it was there)
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
            if s.id not in saved:
                save_result(ws, manifest.id, rows[s.id])
    notices += refresh_feedback(ws, manifest, stale, progress)
    notices += _unknown_lateness(ws, manifest, results, progress)
    if workspace is None:
        ws.close()
    on_workers = len(saved)
    return GradeRun(manifest, ws, results, notices, list(students),
                    parent_seconds=parent / on_workers if on_workers else 0.0)


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

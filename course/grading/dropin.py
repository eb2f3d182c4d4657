"""Any nbgrader course, graded as ``nbgrader autograde`` grades it, only sandboxed and in parallel: ``course autograde``.

Run in an nbgrader course folder (its ``nbgrader_config.py``, gradebook, ``source/``,
``submitted/<student>/<assignment>/``), with its ids as they are: no manifest, roster or
renaming. nbgrader itself does everything but run the notebooks: its own autograde step
list, with its Execute step swapped for ``steps.SandboxedExecute``, writes the gradebook and
``autograded/`` as it always does. Before any student, the instructor's own solution is
graded through the same engine; if it does not get full marks there, nothing is graded.
``course feedback`` is nbgrader's ``generate_feedback``, with every hidden test removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from course import notebooks as nbs
from course.errors import CourseError
from course.grading import autograde as core
from course.grading import capacity, cluster, downloads, writer
from course.grading import grade as batch
from course.grading.workspace import Student, Workspace, last_line, links_in, shared_gradebook_engines


@dataclass
class Row:
    """One student's outcome in ``course autograde``."""

    student: str
    status: str  # graded, failed, skipped
    score: float = 0.0
    max_score: float = 0.0
    reason: str = ""
    not_equal: list[str] = field(default_factory=list)  # cells the sandbox could not grade as nbgrader would


@dataclass
class AutogradeRun:
    assignment: str
    rows: list[Row]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """False if any submission failed or any cell was not graded as nbgrader would (the command exits 1)."""
        return not any(r.status == batch.FAILED or r.not_equal for r in self.rows)


def _say(progress, message: str) -> None:
    if progress is not None:
        progress(message)


def _students(ws: Workspace, aid: str, only: list[str] | None) -> list[str]:
    submitted = ws.step_dir("submitted")
    found = sorted(p.name for p in submitted.iterdir() if (p / aid).exists() or (p / aid).is_symlink()) \
        if submitted.is_dir() else []
    if only:
        unknown = sorted(set(only) - set(found))
        if unknown:
            raise CourseError(f"no submission of {aid} from {unknown[0]} in {submitted}: check the student id.")
        return [s for s in found if s in only]
    return found


def _broken(ws: Workspace, aid: str, student: str, notes: list[str]) -> str:
    """Why a submission cannot be graded at all ("" if it can): links, unreadable notebooks, none at all.

    Notebooks in nbformat 3 are upgraded and stripped nbgrader metadata is restored in place
    (what was done is added to ``notes``).
    """
    folder = ws.submitted_dir(aid, student)
    links = links_in(folder)
    if links:
        return batch.link_reason(links)
    present = [p for p in sorted(folder.glob("*.ipynb")) if p.is_file()]
    if not present:
        return "no notebook in the submission"
    for path in present:
        reason = batch.read_or_reason(path)
        if reason:
            return reason
        nbs.upgrade_in_place(path)  # an nbformat 3 notebook is graded, as nbgrader grades it
        note = batch.restore_stripped(ws, aid, path)
        if note:
            notes.append(note)
    return ""


def _score(ws: Workspace, aid: str, student: str) -> tuple[float, float]:
    with ws.gradebook() as gb:
        sub = gb.find_submission(aid, student)
        return float(sub.score or 0.0), float(sub.max_score or 0.0)


def _write(ws: Workspace, aid: str, results: list[dict], repaired: dict[str, list[str]], rows: dict[str, Row]) -> None:
    """Write a batch of workers' results as nbgrader's autograde would have: gradebook rows (one transaction), autograded/."""
    outcomes = writer.write_batch(ws, aid, [r for r in results if r.get("ok")])
    for r in results:
        student = r["student"]
        outcome = outcomes.get(student, {})
        if not r.get("ok") or outcome.get("error"):
            rows[student] = Row(student, batch.FAILED, reason=r.get("reason") or outcome.get("error", ""))
            continue
        cluster.write_files(r["autograded"], ws.autograded_dir(aid, student))
        notes = list(repaired.get(student, []))
        for stem, found in sorted(r.get("notes", {}).items()):
            notes += [f"{stem}: {n}" for n in found]
        rows[student] = Row(student, batch.GRADED, outcome["score"], outcome["max_score"], "; ".join(notes),
                            [n for n in notes if core.NOT_EQUAL in n])


def autograde(
    assignment: str,
    *,
    course: Path | str = ".",
    students: list[str] | None = None,
    submissions: Path | str | None = None,
    workers: int | None = None,
    force: bool = False,
    engine: str = "zygote",
    progress: Callable[[str], None] | None = print,
    scheduler: str | None = None,
    gateway: str | None = None,
) -> AutogradeRun:
    """``nbgrader autograde ASSIGNMENT`` in the course folder ``course``, every submission sandboxed.

    Args:
        students: only these student ids (``--student``).
        submissions: a folder or .zip laid out as an LMS gives it (``course.grading.downloads``):
            ``<folder>/<student id>/<files>`` (or ``<folder>/<student id>/<assignment>/<files>``), or
            Canvas's or Moodle's download (students found by the gradebook's lms_user_id or name), copied into ``submitted/`` first;
            symbolic links are copied as links, never followed, and graded as that student's problem.
        workers: submissions executed at once; default: as many as this process's CPU and memory limits
            hold with the course's run limits (``capacity.choose``).
        force: grade again submissions that already have an ``autograded/`` folder (nbgrader's ``--force``).
        scheduler: a Dask scheduler (``tcp://HOST:PORT``) whose workers run the submissions (the CLI's
            ``--scheduler``, or ``$COURSE_DASK_SCHEDULER``); default: a local cluster of ``workers`` processes (``course.grading.cluster``).
        gateway: a Dask Gateway (``https://…``, ``--gateway``, ``$COURSE_DASK_GATEWAY``) that starts a cluster of
            ``workers`` workers for this run (not with ``scheduler``).

    Raises:
        CourseError: the course, assignment or a student id is not there.
        GradingError: the instructor's solution does not get full marks in the sandbox.
    """
    started = time.perf_counter()
    where = cluster.remote(scheduler, gateway)  # before anything is touched
    if submissions is not None:
        submissions = downloads.check_path(submissions)  # before anything is touched
    ws = Workspace(course=course, sandboxed=True, engine=engine)
    try:
        if not ws.source_dir(assignment).is_dir():
            raise CourseError(f"no folder {ws.source_dir(assignment)}: run this in your nbgrader course folder "
                              "(or pass --course), with the assignment's id as nbgrader knows it.")
        with ws.gradebook() as gb:
            from nbgrader.api import MissingEntry

            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise CourseError(f"{assignment} is not in the gradebook: run nbgrader generate_assignment {assignment} "
                                  "first, as nbgrader autograde needs too.") from None
        workers, why = capacity.choose(workers, ws.limits)
        if why and where is None:
            _say(progress, why)
        if submissions is not None:
            with ws.gradebook() as gb:  # Canvas and Moodle downloads name the student by the gradebook's lms_user_id or name
                known = [Student(s.id, s.first_name or "", s.last_name or "", s.email or "", getattr(s, "lms_user_id", "") or "")
                         for s in gb.students]
            for notice in batch.import_submissions(ws, assignment, Path(submissions), known, any_folder=True):
                _say(progress, notice)
        unchecked = batch.solution_unchecked(ws, assignment)
        rows: dict[str, Row] = {}
        repaired: dict[str, list[str]] = {}
        todo = []
        for student in _students(ws, assignment, students):
            if ws.autograded_dir(assignment, student).exists() and not force:
                rows[student] = Row(student, batch.SKIPPED, reason="already autograded (use --force to grade again)")
                continue
            repaired[student] = []
            reason = _broken(ws, assignment, student, repaired[student])
            if reason:
                rows[student] = Row(student, batch.FAILED, reason=reason)
                continue
            todo.append(student)
        backup = ws.backup_gradebook(assignment)
        if backup is not None:
            _say(progress, f"Gradebook backed up to {backup}")

        def one(student: str) -> None:
            result = ws.autograde(assignment, student)
            if not result.get("success"):
                rows[student] = Row(student, batch.FAILED, reason=f"autograding failed: {last_line(result)}")
                return
            notes = list(repaired.get(student, []))
            for nb in sorted(ws.autograded_dir(assignment, student).glob("*.ipynb")):
                notes += [f"{nb.stem}: {n}" for n in ws.grading_notes(assignment, student, nb.stem)]
            score, max_score = _score(ws, assignment, student)
            rows[student] = Row(student, batch.GRADED, score, max_score, "; ".join(notes),
                                [n for n in notes if core.NOT_EQUAL in n])

        on_cluster = bool(todo) and (where is not None or (workers > 1 and len(todo) > 1))
        if not on_cluster:
            batch.check_solution(ws, assignment, progress)
        with shared_gradebook_engines():
            if on_cluster:
                _say(progress, f"Autograding {len(todo)} submissions of {assignment} in sandboxes on Dask workers")
                cache = ws.root / ".course-cache" / "cluster"
                for results in batch.execute_stream(ws, assignment, todo, cache, workers=workers, progress=progress,
                                                    scheduler=scheduler, gateway=gateway, check=unchecked):
                    _write(ws, assignment, results, repaired, rows)
            if unchecked is not None and any(s not in rows for s in todo):
                batch.check_solution(ws, assignment, progress)  # the workers could not start: checked here (once)
            for student in [s for s in todo if s not in rows]:
                _say(progress, f"Autograding {student}")
                one(student)
        return AutogradeRun(assignment, [rows[s] for s in sorted(rows)], time.perf_counter() - started)
    finally:
        ws.close()


def feedback(assignment: str, *, course: Path | str = ".", students: list[str] | None = None,
             progress: Callable[[str], None] | None = print) -> list[tuple[str, str]]:
    """``nbgrader generate_feedback``, every hidden test removed; returns ``(student, "" or why it failed)``."""
    ws = Workspace(course=course, sandboxed=False)
    graded = ws.step_dir("autograded")
    found = sorted(p.name for p in graded.iterdir() if (p / assignment).is_dir()) if graded.is_dir() else []
    if students:
        found = [s for s in found if s in students]
    _say(progress, f"Writing feedback for {len(found)} students")
    out = []
    for student, why in ws.feedback_all(assignment, found).items():
        out.append((student, why))
        _say(progress, f"Feedback for {student}: {'failed: ' + why if why else 'written'}")
    return out

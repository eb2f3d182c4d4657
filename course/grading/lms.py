"""Grade files for an LMS (Canvas, Moodle): one writer for each, fed by a grading run or by the gradebook.

``course grade`` writes them at the end of a batch (``report.write_report``), and nbgrader's
own export command writes them from the gradebook at any time, after hand grading in the
formgrader too::

    nbgrader export --exporter=course.grading.lms.CanvasExportPlugin --to canvas.csv
    nbgrader export --exporter=course.grading.lms.MoodleExportPlugin --to moodle.csv

A student's total is their score (manual grades included) less the late penalty, never below 0.
A question graded by hand that has no grade yet is *pending*, not zero: its grade cell is left
blank in both files (Canvas reads a blank cell as "no grade", Moodle leaves the grade unset) and
the Moodle feedback says how many points are still to be graded by hand. With ``final`` set
(``--CanvasExportPlugin.final=True``) the export refuses while any hand grade is missing.

The feedback column is the student's own summary (score per question, the hand-grader's
comments, the late penalty); the tool's bookkeeping never goes there.
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins.export import ExportPlugin
from traitlets import Bool

from course import manifest as manifests
from course.errors import CourseError
from course.grading.roster import Student
from course.paths import find_root

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class Item:
    """One assignment: a grade column in the LMS."""

    id: str
    title: str
    points: float


@dataclass(frozen=True)
class Mark:
    """One student's result on one assignment.

    ``total`` is the score so far; ``pending`` the points of questions graded by hand that have
    no grade yet (``pending_questions`` names them). ``feedback`` is for the student to read.
    """

    total: float
    feedback: str = ""
    pending: float = 0.0
    pending_questions: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        """True when nothing is left to grade by hand."""
        return not self.pending_questions


def grade_cell(mark: Mark) -> str:
    """The LMS grade cell: the total, or blank while points are still to be graded by hand."""
    return f"{mark.total:g}" if mark.final else ""


def pending_text(points: float) -> str:
    """What a student reads about hand grading still to come ("" when there is none)."""
    if not points:
        return ""
    return f"{points:g} point{'' if points == 1 else 's'} still to be graded by hand"


def canvas_header(item: Item) -> str:
    return f"{item.title} ({item.id})" if item.title and item.title != item.id else item.id


def write_canvas(path: Path, people: list[Student], items: list[Item], marks: dict[tuple[str, str], Mark]) -> Path:
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment.

    ``marks`` maps ``(student id, assignment id)`` to the mark; a student without one gets 0.
    A mark with hand grading pending gets a blank cell: Canvas imports that as "no grade".
    """
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(canvas_header(i) for i in items)])
        w.writerow(["Points Possible", "", "", "", "", *(f"{i.points:g}" for i in items)])
        for p in people:
            name = f"{p.last_name}, {p.first_name}" if p.first_name or p.last_name else p.id
            totals = [grade_cell(marks.get((p.id, i.id), Mark(0.0))) for i in items]
            w.writerow([name, p.lms_user_id, p.id, p.email or p.id, "", *totals])
    return Path(path)


def write_moodle(path: Path, people: list[Student], items: list[Item], marks: dict[tuple[str, str], Mark]) -> Path:
    """Moodle "Import grades from CSV": ID number, Email address, then each assignment's grade and feedback.

    Users are mapped by ID number (or e-mail). A "User ID" column (the LMS's own user ID) is
    added at the end when the roster gives any. A mark with hand grading pending has a blank
    grade (Moodle leaves it unset) and its feedback says how many points are still to come.
    """
    with_lms = any(p.lms_user_id for p in people)
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        columns = []
        for i in items:
            columns += [i.title or i.id, "Feedback" if len(items) == 1 else f"Feedback: {i.title or i.id}"]
        w.writerow(["ID number", "Email address", *columns, *(["User ID"] if with_lms else [])])
        for p in people:
            cells = []
            for i in items:
                mark = marks.get((p.id, i.id), Mark(0.0, NO_SUBMISSION))
                cells += [grade_cell(mark), mark.feedback]
            w.writerow([p.id, p.email, *cells, *([p.lms_user_id] if with_lms else [])])
    return Path(path)


# ---------------------------------------------------------------- from the gradebook


def _title(aid: str) -> str:
    """The assignment's title from its manifest, when the course repository is at hand; else ""."""
    try:
        return manifests.load(aid, find_root()).title
    except CourseError:
        return ""


def _question_names(aid: str) -> dict[tuple[str, str], str]:
    """``{(notebook, grade cell id): question id}`` from the assignment's manifest, when at hand; else {}."""
    try:
        m = manifests.load(aid, find_root())
    except CourseError:
        return {}
    return {(Path(q.notebook).stem, q.graded_cell): q.id for q in m.questions}


def is_pending(grade) -> bool:
    """True for an nbgrader grade waiting for the hand-grader: flagged for a manual grade, with no score at all."""
    return bool(grade.needs_manual_grade) and grade.manual_score is None and grade.auto_score is None


def mark_of(submission, names: dict[tuple[str, str], str] | None = None) -> Mark:
    """A student's mark from their nbgrader submission: total so far, pending hand grading, their summary.

    A grade is pending when nbgrader flags it for a manual grade and none was given
    (``is_pending``: ``needs_manual_grade``, no ``manual_score``, no ``auto_score``; an answer
    left as released gets 0 from nbgrader itself, a real grade). The feedback lists each question's
    score (or "to be graded by hand"), each comment the grader wrote and the late penalty.
    """
    names = names or {}
    order = {key: i for i, key in enumerate(names)}  # the manifest's order of questions, where given

    def in_order(nb, cell):  # the manifest's order, else q2 before q10
        return (order.get((nb.name, cell.name), len(order)),
                [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", cell.name)])

    penalty = float(submission.late_submission_penalty or 0.0)
    total = max(0.0, float(submission.score or 0.0) - penalty)
    pending, pending_questions, parts, comments = 0.0, [], [], []
    for nb in sorted(submission.notebooks, key=lambda n: n.name):
        for g in sorted(nb.grades, key=lambda g: in_order(nb, g)):
            name = names.get((nb.name, g.name), g.name)
            if is_pending(g):
                pending += float(g.max_score or 0.0)
                pending_questions.append(name)
                parts.append(f"{name}: to be graded by hand ({float(g.max_score or 0):g} points)")
            else:
                parts.append(f"{name}: {float(g.score or 0):g}/{float(g.max_score or 0):g}")
        for c in sorted(nb.comments, key=lambda c: in_order(nb, c)):
            if c.manual_comment and c.manual_comment.strip():
                name = names.get((nb.name, c.name), c.name)
                comments.append(f"{name}: {' '.join(c.manual_comment.split())}")
    graded_max = float(submission.max_score or 0.0) - pending
    lines = [f"Score: {total:g}/{float(submission.max_score or 0):g}"
             + (f" so far ({total:g} of the {graded_max:g} points graded so far; {pending_text(pending)})" if pending else "")]
    lines.append("; ".join(parts))
    if penalty:
        lines.append(f"Late penalty: -{penalty:g}")
    if comments:
        lines.append("Comments: " + " | ".join(comments))
    return Mark(total, "\n".join(line for line in lines if line), pending, tuple(pending_questions))


def from_gradebook(gradebook, assignments: list[str] = (), students: list[str] = ()) -> tuple[list[Student], list[Item], dict]:
    """People, assignments and marks as an nbgrader gradebook has them now (manual grades included).

    Args:
        assignments, students: only these (all of them when empty), as ``nbgrader export`` filters.

    Raises:
        CourseError: an assignment or student asked for is not in the gradebook.
    """
    known_items = {a.name: a for a in gradebook.assignments}
    known_people = {s.id: s for s in gradebook.students}
    for wanted, known, what in ((assignments, known_items, "assignment"), (students, known_people, "student")):
        missing = sorted(set(wanted) - set(known))
        if missing:
            raise CourseError(f"no {what} {missing[0]!r} in the gradebook: check the name "
                              f"(nbgrader db {what} list shows them).")
    items = [Item(a.name, _title(a.name), float(a.max_score or 0.0)) for a in known_items.values()
             if not assignments or a.name in assignments]
    people = [Student(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
              for s in known_people.values() if not students or s.id in students]
    marks = {}
    for item in items:
        names = _question_names(item.id)
        for person in people:
            try:
                sub = gradebook.find_submission(item.id, person.id)
            except MissingEntry:
                continue
            marks[(person.id, item.id)] = mark_of(sub, names)
    return people, items, marks


def missing_hand_grades(people: list[Student], items: list[Item], marks: dict) -> list[str]:
    """One line for each student and assignment still waiting for a hand grade, naming the questions."""
    return [f"{p.id}, {i.id}: no hand grade yet for {', '.join(m.pending_questions)} ({m.pending:g} points)"
            for i in items for p in people
            if (m := marks.get((p.id, i.id))) is not None and not m.final]


def refuse_unless_final(people: list[Student], items: list[Item], marks: dict) -> None:
    """Raise a CourseError listing, one line each, every hand grade still missing (nothing when there is none)."""
    missing = missing_hand_grades(people, items, marks)
    if missing:
        raise CourseError(f"not final: {len(missing)} submission(s) still need grading by hand in the formgrader "
                          "(grade them, or export without final for a file with blank grades):\n"
                          + "\n".join(missing))


class _LmsExport(ExportPlugin):
    """Write an LMS file from the gradebook (``nbgrader export --exporter=...``)."""

    default_to = ""
    writer = None
    final = Bool(False, help="Refuse (exit 1) while any question graded by hand has no grade yet, "
                             "naming each student and question; by default such grades are left blank.").tag(config=True)

    def export(self, gradebook) -> None:
        dest = self.to or self.default_to
        try:
            people, items, marks = from_gradebook(gradebook, [str(a) for a in self.assignment],
                                                  [str(s) for s in self.student])
            if self.final:
                refuse_unless_final(people, items, marks)
        except CourseError as exc:  # one line each, as nbgrader reports its own errors
            for line in str(exc).splitlines():
                self.log.error("%s", line)
            sys.exit(1)
        self.writer(dest, people, items, marks)
        self.log.info("Wrote %s: %d students, %d assignments", dest, len(people), len(items))


class CanvasExportPlugin(_LmsExport):
    """Canvas's gradebook import file (``write_canvas``), from the gradebook."""

    default_to = "canvas.csv"
    writer = staticmethod(write_canvas)


class MoodleExportPlugin(_LmsExport):
    """Moodle's grade import file (``write_moodle``), from the gradebook."""

    default_to = "moodle.csv"
    writer = staticmethod(write_moodle)

"""Grade files for an LMS (Canvas, Moodle): one writer for each, fed by a grading run or by the gradebook.

``course grade`` writes them at the end of a batch (``report.write_report``), and nbgrader's
own export command writes them from the gradebook at any time, after hand grading in the
formgrader too::

    nbgrader export --exporter=course.grading.lms.CanvasExportPlugin --to canvas.csv
    nbgrader export --exporter=course.grading.lms.MoodleExportPlugin --to moodle.csv

A student's total is their score (manual grades included) less the late penalty, never below 0.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins.export import ExportPlugin

from course import manifest as manifests
from course.errors import CourseError
from course.paths import find_root

NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class Person:
    """A student as the LMS files name them."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""  # the LMS's own user ID (Canvas's "ID"), when the roster gives one


@dataclass(frozen=True)
class Item:
    """One assignment: a grade column in the LMS."""

    id: str
    title: str
    points: float


@dataclass(frozen=True)
class Mark:
    """One student's result on one assignment."""

    total: float
    feedback: str = ""


def canvas_header(item: Item) -> str:
    return f"{item.title} ({item.id})" if item.title and item.title != item.id else item.id


def write_canvas(path: Path, people: list[Person], items: list[Item], marks: dict[tuple[str, str], Mark]) -> Path:
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment.

    ``marks`` maps ``(student id, assignment id)`` to the mark; a student without one gets 0.
    """
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(canvas_header(i) for i in items)])
        w.writerow(["Points Possible", "", "", "", "", *(f"{i.points:g}" for i in items)])
        for p in people:
            name = f"{p.last_name}, {p.first_name}" if p.first_name or p.last_name else p.id
            totals = [f"{marks.get((p.id, i.id), Mark(0.0)).total:g}" for i in items]
            w.writerow([name, p.lms_user_id, p.id, p.email or p.id, "", *totals])
    return Path(path)


def write_moodle(path: Path, people: list[Person], items: list[Item], marks: dict[tuple[str, str], Mark]) -> Path:
    """Moodle "Import grades from CSV": ID number, Email address, then each assignment's grade and feedback.

    Users are mapped by ID number (or e-mail). A "User ID" column (the LMS's own user ID) is
    added at the end when the roster gives any.
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
                cells += [f"{mark.total:g}", mark.feedback]
            w.writerow([p.id, p.email, *cells, *([p.lms_user_id] if with_lms else [])])
    return Path(path)


# ---------------------------------------------------------------- from the gradebook


def _title(aid: str) -> str:
    """The assignment's title from its manifest, when the course repository is at hand; else ""."""
    try:
        return manifests.load(aid, find_root()).title
    except CourseError:
        return ""


def from_gradebook(gradebook, assignments: list[str] = (), students: list[str] = ()) -> tuple[list[Person], list[Item], dict]:
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
    people = [Person(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
              for s in known_people.values() if not students or s.id in students]
    marks = {}
    for item in items:
        for person in people:
            try:
                sub = gradebook.find_submission(item.id, person.id)
            except MissingEntry:
                continue
            total = max(0.0, float(sub.score or 0.0) - float(sub.late_submission_penalty or 0.0))
            marks[(person.id, item.id)] = Mark(total)
    return people, items, marks


class _LmsExport(ExportPlugin):
    """Write an LMS file from the gradebook (``nbgrader export --exporter=...``)."""

    default_to = ""
    writer = None

    def export(self, gradebook) -> None:
        dest = self.to or self.default_to
        try:
            people, items, marks = from_gradebook(gradebook, [str(a) for a in self.assignment],
                                                  [str(s) for s in self.student])
        except CourseError as exc:  # one line, as nbgrader reports its own errors
            self.log.error("%s", exc)
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

"""Plausible student submissions built from an assignment's own solutions, and the bundled sample class."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import notebooks as nbs
from course.errors import ManifestError, NotebookError
from course.manifest import Manifest
from course.grading.workspace import Student

CODE_STUB = "# YOUR CODE HERE"
TEXT_STUB = "YOUR ANSWER HERE"
_RUBRIC = re.compile(r"\n\s*(\*\*|#+ *)?Rubric", re.IGNORECASE)

#: What an answer can be filled with.
SOLUTION, WRONG, ALTERNATIVE, BLANK = "solution", "wrong", "alternative", "blank"


def solution_text(source_cell: nbformat.NotebookNode) -> str:
    """The instructor's answer inside a cell's solution block (for a written answer: the model answer, without the rubric)."""
    if nbs.BEGIN_SOLUTION not in source_cell.source:
        raise NotebookError(f'cell "{nbs.grade_id(source_cell)}" has no solution block.')
    text = nbs.solution_text(source_cell.source).rstrip("\n")
    if source_cell.cell_type == "markdown":
        text = _RUBRIC.split(text, maxsplit=1)[0].strip()
    return text


def fill(release_cell: nbformat.NotebookNode, text: str) -> None:
    """Put ``text`` where the released cell says YOUR CODE HERE / YOUR ANSWER HERE, as a student would."""
    stub = CODE_STUB if release_cell.cell_type == "code" else TEXT_STUB
    if stub not in release_cell.source:
        raise NotebookError(f'released cell "{nbs.grade_id(release_cell)}" has no "{stub}" to replace.')
    release_cell.source = release_cell.source.replace(stub, text, 1)


def build_submission(
    manifest: Manifest,
    source_dir: Path,
    release_dir: Path,
    dest: Path,
    answers: dict[str, str] | str = SOLUTION,
) -> Path:
    """Write a student's submission folder: the released notebooks with chosen answers filled in.

    Args:
        answers: for every question id, one of ``solution``, ``wrong``, ``alternative`` or
            ``blank`` (a single string applies to every question). Questions not named are blank.
            ``wrong`` and ``alternative`` come from the manifest; a question without one falls back
            to ``solution`` for ``alternative`` and to ``blank`` for ``wrong``.

    Returns:
        ``dest``, holding one notebook per graded notebook of the assignment.
    """
    if isinstance(answers, str):
        answers = {q.id: answers for q in manifest.questions}
    dest.mkdir(parents=True, exist_ok=True)
    for entry in manifest.graded_notebooks:
        source = nbs.read(source_dir / entry.file)
        student = nbs.read(release_dir / entry.file)
        for q in manifest.questions:
            if q.notebook != entry.file or q.kind == "task":  # a task has no answer cell: it is done around it
                continue
            choice = answers.get(q.id, BLANK)
            text = _answer_text(q, choice, source)
            if text is not None:
                fill(nbs.find_cell(student, q.answer_cell), text)
        nbs.write(student, dest / entry.file)
    return dest


def _answer_text(q, choice: str, source: nbformat.NotebookNode) -> str | None:
    if choice == BLANK:
        return None
    if choice == WRONG:
        return q.wrong.rstrip("\n") if q.wrong else None
    if choice == ALTERNATIVE and q.alternative:
        return q.alternative.rstrip("\n")
    if choice in (SOLUTION, ALTERNATIVE):
        return solution_text(nbs.find_cell(source, q.answer_cell))
    raise ManifestError(f"{q.id}: unknown answer choice {choice!r}; use solution, wrong, alternative or blank.")


@dataclass(frozen=True)
class SampleStudent:
    """A member of the bundled sample class and the work they hand in."""

    student: Student
    answers: str  # solution, partial, blank or corrupt
    hours_after_due: float  # negative: on time
    story: str


SAMPLE_CLASS = (
    SampleStudent(Student("aiko", "Aiko", "Tanaka", "aiko@example.edu"), "solution", -20, "complete and correct"),
    SampleStudent(Student("kenji", "Kenji", "Sato", "kenji@example.edu"), "partial", -3, "plausible mistakes on half the questions"),
    SampleStudent(Student("mei", "Mei", "Suzuki", "mei@example.edu"), "blank", -1, "opened the notebook and submitted it blank"),
    SampleStudent(Student("haruto", "Haruto", "Ito", "haruto@example.edu"), "solution", 26, "complete, handed in 26 hours late"),
    SampleStudent(Student("yuna", "Yuna", "Kobayashi", "yuna@example.edu"), "corrupt", -2, "notebook file corrupted in transfer"),
)


def partial_answers(manifest: Manifest) -> dict[str, str]:
    """Every other autograded question wrong (or blank without a declared mistake), one written answer blank."""
    answers: dict[str, str] = {}
    autos = [q for q in manifest.questions if q.kind == "auto"]
    for i, q in enumerate(autos):
        answers[q.id] = WRONG if i % 2 else SOLUTION
    manual = [q for q in manifest.questions if q.kind == "manual"]
    for i, q in enumerate(manual):
        answers[q.id] = SOLUTION if i == 0 else BLANK
    return answers


def corrupt(folder: Path) -> None:
    """Damage every notebook in ``folder`` the way an interrupted upload does: cut it in half."""
    for path in folder.glob("*.ipynb"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


def build_sample_class(manifest: Manifest, source_dir: Path, release_dir: Path, dest: Path) -> dict[str, tuple[Path, dt.datetime]]:
    """Write the sample class's submissions under ``dest/<student id>/<assignment id>/``.

    Returns:
        ``{student id: (submission folder, hand-in time)}``.
    """
    out = {}
    for member in SAMPLE_CLASS:
        folder = dest / member.student.id / manifest.id
        answers = {"solution": SOLUTION, "blank": BLANK, "corrupt": SOLUTION}.get(member.answers)
        build_submission(manifest, source_dir, release_dir, folder, answers if answers else partial_answers(manifest))
        if member.answers == "corrupt":
            corrupt(folder)
        out[member.student.id] = (folder, manifest.due + dt.timedelta(hours=member.hours_after_due))
    return out


def sample_roster() -> list[Student]:
    return [m.student for m in SAMPLE_CLASS]


#: The late policy the demo grades with: module 1's manifest sets none, so without it the
#: sample class's late hand-in would show its lateness but never a penalty.
DEMO_LATE_POLICY = {"per_day": 10, "max_days": 5}


@dataclass(frozen=True)
class SampleHandGrade:
    """A written answer the demo grades by hand, as an instructor does in the formgrader."""

    student: str
    points_off: float  # from the question's full points
    comment: str


#: kenji answers the first written question (``partial_answers``); the demo grades it by hand.
HAND_GRADE = SampleHandGrade(
    "kenji", 1,
    "Clear stakeholders and a measurable metric. Give the target a date and say which guardrail stops gaming it.",
)

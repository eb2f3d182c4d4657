"""``course autograde`` is a drop-in for ``nbgrader autograde`` on conventional nbgrader courses.

Two courses, each graded twice from the same copy: once by plain ``nbgrader autograde`` and
once by ``python -m course autograde``, and every graded cell must get the same auto score in
both gradebooks.

* nbgrader's own documentation course (``ps1``, students ``bitdiddle`` and ``hacker``), read
  from the installed nbgrader package; nbgrader's docs record the totals 1.5 and 3.0.
* ``tests/fixtures/nbgrader-course`` (``calc``, written by its ``make_course.py``): functions,
  a class, expected exceptions, a student-defined exception, printed output, a written file,
  seeded randomness, values of many types, a data file and a helper module, a manually graded
  answer and a task; four honest students (complete, partial, mistakes, blank).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, needs_sandbox

pytestmark = [pytest.mark.slow, needs_sandbox]

FIXTURE = REPO / "tests" / "fixtures" / "nbgrader-course"
CALC_STUDENTS = ["blank", "complete", "mistakes", "partial"]


def _env() -> dict[str, str]:
    """This Python's scripts first on PATH (nbgrader runs ``alembic``), and the repository importable."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    pythonpath = os.pathsep.join(p for p in [str(REPO), os.environ.get("PYTHONPATH", "")] if p)
    return {**os.environ, "PATH": path, "PYTHONPATH": pythonpath}


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def docs_course() -> Path:
    import nbgrader

    return Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"


def copy_docs_course(dest: Path) -> Path:
    docs = docs_course()
    (dest / "source").mkdir(parents=True)
    shutil.copytree(docs / "source" / "ps1", dest / "source" / "ps1")
    shutil.copy(docs / "source" / "header.ipynb", dest / "source" / "header.ipynb")
    for student in ("bitdiddle", "hacker"):
        shutil.copytree(docs / "submitted" / student, dest / "submitted" / student)
    return dest


def copy_calc_course(dest: Path) -> Path:
    shutil.copytree(FIXTURE / "source", dest / "source")
    shutil.copytree(FIXTURE / "submitted", dest / "submitted")
    return dest


def cell_scores(course: Path, assignment: str) -> dict[tuple[str, str, str], float | None]:
    """``(student, notebook, grade cell) -> auto_score`` from the course's gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    out[(sub.student.id, nb.name, grade.name)] = grade.auto_score
    return out


def totals(course: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        return {sub.student.id: sub.score for sub in gb.assignment_submissions(assignment)}


def error_of(course: Path, assignment: str, student: str, notebook: str, grade_id: str) -> str:
    """The error a graded cell shows in ``autograded/`` ("" if none), for the assertion message."""
    import nbformat

    path = course / "autograded" / student / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return f"(no {path.relative_to(course)})"
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            return "; ".join(errors)
    return "(no such cell)"


def assert_same_scores(plain: Path, ours: Path, assignment: str, course_output: str) -> dict:
    want, got = cell_scores(plain, assignment), cell_scores(ours, assignment)
    assert want, "plain nbgrader graded nothing"
    assert set(got) == set(want), f"different cells graded: {sorted(set(got) ^ set(want))}\n{course_output}"
    differ = {key: (want[key], got[key]) for key in want if want[key] != got[key]}
    details = "\n".join(f"{s} / {nb} / {gid}: plain nbgrader {w}, course autograde {g}; course shows "
                        f"{error_of(ours, assignment, s, nb, gid)!r}; plain shows {error_of(plain, assignment, s, nb, gid)!r}"
                        for (s, nb, gid), (w, g) in sorted(differ.items()))
    assert not differ, f"course autograde disagrees with nbgrader autograde:\n{details}\n\n{course_output}"
    return want


def grade_both(tmp_path: Path, copy, assignment: str, generate: list[str]) -> tuple[Path, Path, subprocess.CompletedProcess]:
    plain, ours = copy(tmp_path / "plain"), copy(tmp_path / "course")
    for course in (plain, ours):
        run(["nbgrader", "generate_assignment", assignment, *generate, "--force"], cwd=course)
    run(["nbgrader", "autograde", assignment, "--force"], cwd=plain)
    done = run(["course", "autograde", assignment, "--course", str(ours), "--workers", "2", "--force"], cwd=ours,
               check=False)
    return plain, ours, done


def test_nbgraders_documentation_course_grades_as_nbgrader_does(tmp_path):
    plain, ours, done = grade_both(tmp_path, copy_docs_course, "ps1", ["--IncludeHeaderFooter.header=source/header.ipynb"])
    output = f"course autograde exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert_same_scores(plain, ours, "ps1", output)
    # nbgrader's docs record these totals (user_guide/grades.csv).
    assert totals(plain, "ps1") == {"bitdiddle": 1.5, "hacker": 3.0}
    assert totals(ours, "ps1") == {"bitdiddle": 1.5, "hacker": 3.0}
    assert done.returncode == 0, output

    run(["course", "feedback", "ps1", "--course", str(ours)], cwd=ours)
    for student in ("bitdiddle", "hacker"):
        assert (ours / "feedback" / student / "ps1" / "problem1.html").is_file(), student

    # nbgrader writes every student's feedback in one run; one it cannot do is named, the others are written.
    (ours / "autograded" / "hacker" / "ps1" / "problem1.ipynb").write_text("{ not a notebook")
    (ours / "feedback" / "bitdiddle" / "ps1" / "problem1.html").unlink()
    again = run(["course", "feedback", "ps1", "--course", str(ours)], cwd=ours, check=False)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "hacker: feedback failed" in again.stderr, again.stderr
    assert "bitdiddle: feedback failed" not in again.stderr, again.stderr
    assert (ours / "feedback" / "bitdiddle" / "ps1" / "problem1.html").is_file()


def test_a_conventional_nbgrader_course_grades_as_nbgrader_does(tmp_path):
    plain, ours, done = grade_both(tmp_path, copy_calc_course, "calc", [])
    output = f"course autograde exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    want = assert_same_scores(plain, ours, "calc", output)
    assert {s for s, _, _ in want} == set(CALC_STUDENTS)

    autograded = {gid for (_, _, gid), score in want.items() if gid.startswith("test_")}
    assert len(autograded) == 22
    scores = cell_scores(ours, "calc")
    for gid in autograded:
        assert scores[("complete", "calc", gid)] == 1.0, (gid, error_of(ours, "calc", "complete", "calc", gid))
        assert scores[("blank", "calc", gid)] == 0.0, gid
    # The manually graded answer and the task get what nbgrader gives them: nothing until graded by hand.
    assert scores[("complete", "calc", "manual_quadratic")] is None
    assert scores[("complete", "calc", "task_plot")] is None
    assert scores[("blank", "calc", "manual_quadratic")] == 0.0
    # The partial and the mistaken students are in between.
    assert 0 < totals(ours, "calc")["mistakes"] < totals(ours, "calc")["complete"]
    assert 0 < totals(ours, "calc")["partial"] < totals(ours, "calc")["complete"]
    assert done.returncode == 0, output

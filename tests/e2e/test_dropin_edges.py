"""``course autograde`` where a submission or an assignment is not what nbgrader's docs show.

- an assignment whose instructor solution the sandbox cannot grade as nbgrader would is
  refused before any student, with one line naming the cell;
- a notebook whose nbgrader metadata an editor stripped is matched back to the assignment and
  graded as the intact notebook is, with a note;
- a submission that links to the instructor's source is that student's reported problem, the
  batch goes on, and the command exits 1.
"""

from __future__ import annotations

import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.conftest import needs_sandbox
from tests.e2e.test_nbgrader_course import copy_docs_course, run, totals

pytestmark = [pytest.mark.slow, needs_sandbox]


def _meta(cell, grade_id, solution, grade, points=None):
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
                                 "schema_version": 3, **({"points": points} if points is not None else {})}
    return cell


def test_a_solution_the_sandbox_cannot_grade_equally_is_refused_before_any_student(tmp_path, monkeypatch):
    course = tmp_path / "course"
    (course / "source" / "lam").mkdir(parents=True)
    # The course's own run limit sizes the batch: two 3000 MB runs per worker in 6.5 GiB leave room for one.
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.SandboxedExecute.memory_mb = 3000\n")
    monkeypatch.setenv("MEM_LIMIT", str((512 + 2 * 3000 + 100) * 2**20))
    answer = _meta(new_code_cell("def apply(f, x):\n    ### BEGIN SOLUTION\n    return f(x)\n    ### END SOLUTION"),
                   "apply", True, False)
    test = _meta(new_code_cell("assert apply(lambda v: v + 1, 1) == 2"), "test_apply", False, True, 1)
    nbformat.write(new_notebook(cells=[answer, test]), course / "source" / "lam" / "lam.ipynb")
    run(["nbgrader", "generate_assignment", "lam", "--force"], cwd=course)
    (course / "submitted" / "s1" / "lam").mkdir(parents=True)
    nbformat.write(nbformat.read(course / "source" / "lam" / "lam.ipynb", as_version=4),
                   course / "submitted" / "s1" / "lam" / "lam.ipynb")
    done = run(["course", "autograde", "lam"], cwd=course, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    said = done.stderr.splitlines()[0]
    assert said.startswith("  … 1 worker") and "each worker needs 5.9 GiB" in said and "--workers N" in said, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "lam.ipynb, cell test_apply" in lines[0] and "cannot be passed" in lines[0], done.stderr
    assert not (course / "autograded").exists()  # nobody was graded


def test_stripped_metadata_is_restored_and_a_link_is_that_students_problem(tmp_path):
    """One class: hacker's notebook lost its nbgrader metadata (graded as the intact one, with a note);
    bitdiddle's is a link to the instructor's source (reported, nothing read through it, the batch goes on)."""
    course = copy_docs_course(tmp_path / "course")
    path = course / "submitted" / "hacker" / "ps1" / "problem1.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("nbgrader", None)
    path.write_text(json.dumps(nb))
    run(["nbgrader", "generate_assignment", "ps1", "--IncludeHeaderFooter.header=source/header.ipynb", "--force"], cwd=course)
    target = course / "submitted" / "bitdiddle" / "ps1" / "problem1.ipynb"
    target.unlink()
    os.symlink(course / "source" / "ps1" / "problem1.ipynb", target)
    done = run(["course", "autograde", "ps1", "--workers", "2"], cwd=course, check=False)
    assert done.returncode == 1  # a submission could not be graded
    hacker = next(line for line in done.stdout.splitlines() if line.startswith("hacker"))
    assert "graded" in hacker and "lost nbgrader's cell metadata" in hacker and "correct_squares" in hacker, hacker
    bitdiddle = next(line for line in done.stdout.splitlines() if line.startswith("bitdiddle"))
    assert "failed" in bitdiddle and "symbolic link" in bitdiddle, bitdiddle
    assert totals(course, "ps1") == {"hacker": 3.0}  # as if intact; nothing of bitdiddle's was graded
    assert not (course / "autograded" / "bitdiddle").exists()


def _edge_course(course, name: str, nose: bool):
    """nbgrader's own preprocessor test notebook ``name`` (from the installed package) as assignment ``edge``.

    Its tests import ``nose.tools``, which is not installed here (nose does not run on this
    Python); unless ``nose``, they import the same two functions from ``numpy.testing``.
    """
    from pathlib import Path

    import nbgrader

    text = (Path(nbgrader.__file__).parent / "tests" / "preprocessors" / "files" / name).read_text()
    (course / "source" / "edge").mkdir(parents=True)
    (course / "source" / "edge" / "edge.ipynb").write_text(text if nose else text.replace("nose.tools", "numpy.testing"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_test_cell_that_fails_for_the_solution_too_is_named_and_nothing_is_graded(tmp_path, workers):
    """In this process (one worker), or on a Dask worker while the other starts on the class: no grade is written."""
    course = tmp_path / "course"
    _edge_course(course, "test.ipynb", nose=True)
    run(["nbgrader", "generate_assignment", "edge", "--force"], cwd=course)
    for student in ("s1", "s2", "s3"):
        (course / "submitted" / student / "edge").mkdir(parents=True)
        (course / "submitted" / student / "edge" / "edge.ipynb").write_text(
            (course / "release" / "edge" / "edge.ipynb").read_text())
    done = run(["course", "autograde", "edge", "--workers", str(workers)], cwd=course, check=False)
    assert done.returncode == 1
    assert "edge.ipynb, cell correct_squares" in done.stderr and "No module named 'nose'" in done.stderr, done.stderr
    assert ("on a worker" in done.stdout + done.stderr) == (workers > 1)
    assert not (course / "autograded").exists()
    assert not list((course / ".course-cache").glob("solution-*.ok"))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.assignment_submissions("edge") == []  # no student was graded


@pytest.mark.parametrize("name", ["test_taskcell.ipynb"])  # test.ipynb is the same notebook without its task cell
def test_nbgraders_own_test_notebooks_grade_as_nbgrader_does(tmp_path, name):
    """nbgrader's own preprocessor test notebooks as an assignment, graded for its solution and a blank."""
    import shutil

    from tests.e2e.test_nbgrader_course import assert_same_scores

    done = {}
    for which in ("plain", "course"):
        course = tmp_path / which
        _edge_course(course, name, nose=False)
        run(["nbgrader", "generate_assignment", "edge", "--force"], cwd=course)
        for student, src in (("solution", course / "source" / "edge"), ("blank", course / "release" / "edge")):
            (course / "submitted" / student / "edge").mkdir(parents=True)
            shutil.copy(src / "edge.ipynb", course / "submitted" / student / "edge" / "edge.ipynb")
        command = ["nbgrader", "autograde", "edge"] if which == "plain" else ["course", "autograde", "edge", "--workers", "2"]
        done[which] = run(command, cwd=course, check=False)
    output = done["course"].stdout + done["course"].stderr
    assert_same_scores(tmp_path / "plain", tmp_path / "course", "edge", output)
    assert totals(tmp_path / "course", "edge")["solution"] > 0
    assert done["course"].returncode == 0, output


def test_lms_folders_are_graded_as_nbgraders_own_layout(tmp_path):
    import shutil

    course = copy_docs_course(tmp_path / "course")
    lms = tmp_path / "lms"
    for student in ("bitdiddle", "hacker"):  # flat, as an LMS download gives them
        shutil.copytree(course / "submitted" / student / "ps1", lms / student)
    shutil.rmtree(course / "submitted")
    run(["nbgrader", "generate_assignment", "ps1", "--IncludeHeaderFooter.header=source/header.ipynb", "--force"], cwd=course)
    run(["course", "autograde", "ps1", "--submissions", str(lms), "--workers", "2"], cwd=course)
    assert totals(course, "ps1") == {"bitdiddle": 1.5, "hacker": 3.0}

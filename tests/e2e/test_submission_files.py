"""What a submission is made of: symbolic links are never followed (on any path in), and an nbformat 3 notebook is graded.

A link to the instructor's source notebook must not earn full marks or put the solutions in
feedback; a dangling link must not stop the batch. Both are that student's reported problem.
"""

import os

import nbformat
import pytest

from course import manifest
from course.authoring.sample import build_submission
from course.grading import grade
from course.grading.grade import FAILED, GRADED
from course.grading.workspace import Student, Workspace
from tests.conftest import needs_sandbox


pytestmark = [pytest.mark.slow, needs_sandbox]

LAB = "00-toy-lab.ipynb"


@pytest.fixture
def course(toy_root, tmp_path):
    m = manifest.load("00-toy", toy_root)
    ws = Workspace.for_manifest(m, tmp_path / "course", repo=toy_root, sandboxed=True)
    ws.sync(m)
    release = ws.generate(m)
    yield m, ws, release
    ws.close()


def _grade(m, ws, root, students, **kwargs):
    return grade.grade_all(m.id, roster=[Student(s) for s in students], workspace=ws, root=root, progress=None, **kwargs)


def _no_solution_anywhere(ws, sid):
    for folder in (ws.feedback_dir("00-toy", sid), ws.autograded_dir("00-toy", sid)):
        for path in folder.rglob("*") if folder.is_dir() else []:
            if path.is_file():
                text = path.read_text(errors="replace")
                assert "BEGIN SOLUTION" not in text and "A test that cannot fail proves nothing" not in text, path


def test_links_in_lms_folders_are_never_followed_and_the_batch_goes_on(course, toy_root, tmp_path):
    m, ws, release = course
    source_lab = toy_root / "source" / "00-toy" / LAB
    subs = tmp_path / "lms"
    build_submission(m, ws.source_dir("00-toy"), release, subs / "honest", "solution")
    (subs / "linker").mkdir(parents=True)
    os.symlink(source_lab, subs / "linker" / LAB)  # the instructor's notebook, solutions and all
    (subs / "dangler").mkdir()
    os.symlink(tmp_path / "nowhere.ipynb", subs / "dangler" / LAB)
    os.symlink(source_lab.parent, subs / "folderlink")  # the whole student folder is a link
    run = _grade(m, ws, toy_root, ["honest", "linker", "dangler", "folderlink"], submissions=subs, collect=False, workers=2)
    assert run.result("honest").status == GRADED and run.result("honest").total == 3
    for sid in ("linker", "dangler", "folderlink"):
        r = run.result(sid)
        assert r.status == FAILED and r.total == 0, r
        assert "symbolic link" in r.reason and "never follows" in r.reason, r.reason
        _no_solution_anywhere(ws, sid)
    assert any("linker" in n and "symbolic link" in n for n in run.notices)


def test_a_link_handed_in_through_the_exchange_is_not_followed_at_collect(course, toy_root, tmp_path):
    m, ws, release = course
    ws.release_to_exchange(m.id)
    build_submission(m, ws.source_dir("00-toy"), release, tmp_path / "honest" / m.id, "solution")
    ws.submit(m.id, "honest", tmp_path / "honest" / m.id)
    ws.submit(m.id, "linker", tmp_path / "honest" / m.id)  # a normal submission, then its notebook swapped for a link
    inbound = ws.exchange_root / ws.course_id / "inbound"
    (entry,) = [p for p in inbound.iterdir() if p.name.startswith("linker+")]
    (entry / LAB).unlink()
    os.symlink(toy_root / "source" / "00-toy" / LAB, entry / LAB)
    run = _grade(m, ws, toy_root, ["honest", "linker"], collect=True, workers=1)
    assert run.result("honest").total == 3
    assert run.result("linker").status == FAILED and "symbolic link" in run.result("linker").reason
    assert (ws.submitted_dir(m.id, "linker") / LAB).is_symlink()  # kept as the link it was, its target never copied
    _no_solution_anywhere(ws, "linker")


def test_an_nbformat_3_notebook_is_upgraded_and_graded_as_nbgrader_grades_it(course, toy_root, tmp_path):
    m, ws, release = course
    subs = tmp_path / "lms"
    build_submission(m, ws.source_dir("00-toy"), release, subs / "old", "solution")
    nb = nbformat.read(subs / "old" / LAB, as_version=4)
    (subs / "old" / LAB).write_text(nbformat.writes(nbformat.convert(nb, 3)))
    assert '"worksheets"' in (subs / "old" / LAB).read_text()
    run = _grade(m, ws, toy_root, ["old"], submissions=subs, collect=False, workers=1)
    assert run.result("old").status == GRADED and run.result("old").scores == {"q1": 2, "q2": 1, "q3": 0}

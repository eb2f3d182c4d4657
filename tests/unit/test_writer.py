"""The batch writer: workers' gradebook rows written into a real nbgrader gradebook (sqlite), one transaction per batch."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import event

from course.grading import writer
from course.grading.workspace import open_gradebook

AID = "a1"


class _Course:
    """What write_batch uses of a Workspace: its gradebook."""

    def __init__(self, url: str):
        self.url = url

    def gradebook(self):
        return open_gradebook(self.url, "default_course")  # this environment's alembic, as the grader opens it


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The gradebook, made once (nbgrader runs alembic for a new one); each test gets a copy."""
    path = tmp_path_factory.mktemp("writer") / "gradebook.db"
    url = f"sqlite:///{path}"
    with open_gradebook(url, "default_course") as gb:
        gb.add_assignment(AID)
        gb.add_notebook("lab", AID)
        gb.add_grade_cell("q1", "lab", AID, max_score=2, cell_type="code")
        gb.add_grade_cell("q2", "lab", AID, max_score=1, cell_type="code")
        gb.add_solution_cell("a2", "lab", AID)
        for sid in ("ana", "ben", "carl"):
            gb.add_student(sid)
        # ben was graded before, and the instructor gave q2 a manual grade and a comment since
        gb.add_submission(AID, "ben")
        gb.find_grade("q2", "lab", AID, "ben").manual_score = 1
        gb.find_comment("a2", "lab", AID, "ben").manual_comment = "good reasoning"
        gb.db.commit()
    return path


@pytest.fixture
def course(template, tmp_path):
    shutil.copy(template, tmp_path / "gradebook.db")
    return _Course(f"sqlite:///{tmp_path / 'gradebook.db'}")


def _rows(q1, q2, comment=None, manual_then=None, stamp="2027-01-10T01:00:00"):
    return {"timestamp": stamp, "notebooks": {"lab": {
        "penalty": 0.0, "grades": {"q1": [q1, False, None], "q2": [q2, False, manual_then]},
        "comments": {"a2": comment}}}}


def test_a_batch_is_written_in_one_transaction_as_nbgrader_would_and_keeps_manual_grades(course):
    results = [{"student": "ana", "rows": _rows(2.0, 0.0, "No response.")},
               {"student": "ben", "rows": _rows(0.0, 0.0)}]
    out = writer.write_batch(course, AID, results)

    assert out["ana"]["error"] == "" and out["ana"]["scores"] == {("lab", "q1"): 2.0, ("lab", "q2"): 0.0}
    # ben's manual grade and comment stay; the grade is marked for review, as nbgrader marks it
    assert out["ben"]["scores"] == {("lab", "q1"): 0.0, ("lab", "q2"): 1.0} and out["ben"]["kept_manual"] == 2
    with course.gradebook() as gb:
        ben = gb.find_grade("q2", "lab", AID, "ben")
        assert (ben.auto_score, ben.manual_score, ben.needs_manual_grade) == (0.0, 1.0, True)
        assert gb.find_comment("a2", "lab", AID, "ben").manual_comment == "good reasoning"
        assert gb.find_comment("a2", "lab", AID, "ana").auto_comment == "No response."
        assert gb.find_grade("q1", "lab", AID, "ana").needs_manual_grade is False
        assert str(gb.find_submission(AID, "ana").timestamp) == "2027-01-10 01:00:00"
        assert out["ana"]["state"] == writer.state_of(gb.find_submission(AID, "ana"))
        assert len(gb.find_student("ana").submissions) == 1


def test_one_commit_per_batch(course, monkeypatch):
    opened = []
    real = course.gradebook

    def counting():
        gb = real()
        event.listen(gb.engine, "commit", lambda conn: opened.append(1))
        return gb

    monkeypatch.setattr(course, "gradebook", counting)
    writer.write_batch(course, AID, [{"student": s, "rows": _rows(2.0, 1.0)} for s in ("ana", "carl")])
    assert len(opened) == 1


def test_a_row_the_gradebook_refuses_fails_alone(course):
    results = [{"student": "ana", "rows": _rows(2.0, 1.0)},
               {"student": "carl", "rows": {"timestamp": None, "notebooks": {"lab": {"grades": None}}}},
               {"student": "ben", "rows": _rows(2.0, 0.0)}]
    out = writer.write_batch(course, AID, results)
    assert out["ana"]["error"] == "" and out["ben"]["error"] == ""
    assert "the gradebook refused this student's grades" in out["carl"]["error"]
    with course.gradebook() as gb:
        assert gb.find_grade("q1", "lab", AID, "ana").auto_score == 2.0
        assert gb.find_grade("q1", "lab", AID, "ben").auto_score == 2.0
        assert gb.find_student("carl").submissions == []


def test_a_manual_grade_given_after_the_workers_snapshot_is_marked_for_review(course):
    # the worker saw no manual grade on ben's q2 (manual_then None) and said no review was needed
    out = writer.write_batch(course, AID, [{"student": "ben", "rows": _rows(2.0, 1.0, manual_then=None)}])
    assert out["ben"]["error"] == ""
    with course.gradebook() as gb:
        assert gb.find_grade("q2", "lab", AID, "ben").needs_manual_grade is True
        assert gb.find_grade("q1", "lab", AID, "ben").needs_manual_grade is False


def test_a_submission_graded_again_reports_its_new_scores(course):
    writer.write_batch(course, AID, [{"student": "ana", "rows": _rows(0.0, 0.0)}])
    out = writer.write_batch(course, AID, [{"student": "ana", "rows": _rows(2.0, 1.0)}])
    assert out["ana"]["scores"] == {("lab", "q1"): 2.0, ("lab", "q2"): 1.0}
    assert out["ana"]["score"] == 3.0
    with course.gradebook() as gb:
        assert len(gb.find_student("ana").submissions) == 1

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

    with course.gradebook() as gb:
        writer.ensure_indexes(gb)  # once per gradebook and process, its own commit
    monkeypatch.setattr(course, "gradebook", counting)
    writer.write_batch(course, AID, [{"student": s, "rows": _rows(2.0, 1.0)} for s in ("ana", "carl")])
    assert len(opened) == 1


def test_the_gradebook_gets_the_indexes_a_large_class_needs_and_uses_them(course):
    """nbgrader's schema has no index on grade.notebook_id (its unique index starts with cell_id): each batch's lookups,
    and nbgrader's own score sums, scanned every student's grades, and the grading process's share grew with the class."""
    from sqlalchemy import create_engine, text

    writer.write_batch(course, AID, [{"student": "ana", "rows": _rows(2.0, 1.0)}])
    engine = create_engine(course.url)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert {name for name, _, _ in writer.INDEXES} <= names
        plan = " ".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN SELECT id FROM grade WHERE notebook_id IN ('x')")))
        assert "course_ix_grade_notebook" in plan, plan
    engine.dispose()


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


# ---------------------------------------------------------------- the same gradebook as nbgrader's own ORM writes


def _nbgrader_orm(gb, aid: str, student: str, rows: dict) -> dict:
    """What the writer did before it wrote with SQL statements per batch: nbgrader's ORM, one student at a time.

    nbgrader's own calls (``add_student``, ``update_or_create_submission``) and attribute writes, as its
    autograde makes them: the reference the batch writer's gradebook and outcomes are compared with.
    """
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
    except MissingEntry:
        gb.add_student(student)
    kwargs = {"timestamp": rows["timestamp"]} if rows.get("timestamp") else {}
    sub = gb.update_or_create_submission(aid, student, **kwargs)
    kept = 0
    for nb in sub.notebooks:
        data = rows["notebooks"].get(nb.name)
        if data is None:
            continue
        for g in nb.grades:
            if g.name not in data["grades"]:
                continue
            auto, needs, manual_then = data["grades"][g.name]
            g.auto_score = auto
            g.needs_manual_grade = needs if g.manual_score == manual_then else True
        for c in nb.comments:
            if c.name in data["comments"]:
                c.auto_comment = data["comments"][c.name]
        nb.late_submission_penalty = data["penalty"]
        kept += sum(1 for g in nb.grades if g.manual_score is not None or g.extra_credit)
        kept += sum(1 for c in nb.comments if c.manual_comment)
    gb.db.flush()
    for nb in sub.notebooks:
        for g in nb.grades:
            gb.db.expire(g, ["score"])
    scores = {(nb.name, g.name): float(g.score or 0.0) for nb in sub.notebooks for g in nb.grades}
    return {"scores": scores, "late": float(sub.total_seconds_late or 0.0),
            "penalty": float(sub.late_submission_penalty or 0.0), "state": writer.state_of(sub), "kept_manual": kept,
            "score": float(sub.score or 0.0), "max_score": float(sub.max_score or 0.0), "error": ""}


def _contents(url: str) -> dict:
    """Every row of the gradebook by its natural key (nbgrader's row ids are random): what two gradebooks must share."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    queries = {
        "student": "SELECT id, first_name, last_name, email, lms_user_id FROM student",
        "submission": "SELECT a.name, s.student_id, s.timestamp, s.extension FROM submitted_assignment s "
                      "JOIN assignment a ON a.id = s.assignment_id",
        "notebook": "SELECT s.student_id, n.name, sn.flagged, sn.late_submission_penalty FROM submitted_notebook sn "
                    "JOIN submitted_assignment s ON s.id = sn.assignment_id JOIN notebook n ON n.id = sn.notebook_id",
        "grade": "SELECT s.student_id, n.name, c.name, c.type, g.auto_score, g.manual_score, g.extra_credit, "
                 "g.needs_manual_grade FROM grade g JOIN base_cell c ON c.id = g.cell_id "
                 "JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN submitted_assignment s ON s.id = sn.assignment_id "
                 "JOIN notebook n ON n.id = sn.notebook_id",
        "comment": "SELECT s.student_id, n.name, c.name, c.type, m.auto_comment, m.manual_comment FROM comment m "
                   "JOIN base_cell c ON c.id = m.cell_id JOIN submitted_notebook sn ON sn.id = m.notebook_id "
                   "JOIN submitted_assignment s ON s.id = sn.assignment_id JOIN notebook n ON n.id = sn.notebook_id",
    }
    with engine.connect() as conn:
        out = {name: sorted((tuple(row) for row in conn.execute(text(q))), key=repr) for name, q in queries.items()}
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))]
        out["counts"] = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in sorted(tables)}
    engine.dispose()
    return out


def test_the_batch_writer_leaves_the_gradebook_nbgraders_orm_leaves(template, tmp_path):
    """Batches of new, re-graded, late, unknown and hand-graded students: the same rows and outcomes both ways."""
    import datetime as dt

    from course.grading.workspace import open_gradebook

    urls = {}
    for way in ("orm", "batch"):
        shutil.copy(template, tmp_path / f"{way}.db")
        urls[way] = f"sqlite:///{tmp_path / f'{way}.db'}"
        with open_gradebook(urls[way], "default_course") as gb:
            a = gb.find_assignment(AID)
            a.duedate = dt.datetime(2027, 1, 9, 12)
            gb.add_task_cell("t1", "lab", AID, max_score=3, cell_type="markdown")  # a grade and a comment each
            gb.add_notebook("extra", AID)  # a notebook the worker's rows say nothing of
            gb.db.commit()
            gb.add_submission(AID, "carl", timestamp="2027-01-08T10:00:00")
            gb.grant_extension(AID, "carl", hours=48)
            gb.find_grade("q1", "lab", AID, "carl").extra_credit = 0.5
            gb.db.commit()
    task = {"t1": [None, True, None]}
    batches = [
        [{"student": "ana", "rows": _rows(2.0, 0.5, "No response.", stamp="2027-01-10T01:00:00")},
         {"student": "ben", "rows": _rows(0.0, 1.0, manual_then=None)},  # a manual grade given since the snapshot
         {"student": "dora", "rows": _rows(1.0, 1.0, stamp=None)}],  # not on the gradebook's roster yet
        [{"student": "carl", "rows": {**_rows(1.0, 0.0, "late", stamp="2027-01-12T12:30:00+09:00")}},
         {"student": "ana", "rows": _rows(0.0, 1.0)}],  # graded again
    ]
    batches[1][0]["rows"]["notebooks"]["lab"]["grades"].update(task)
    batches[1][0]["rows"]["notebooks"]["lab"]["penalty"] = 0.25
    outcomes = {"orm": [], "batch": []}
    for batch in batches:
        with open_gradebook(urls["orm"], "default_course") as gb:
            outcomes["orm"].append({r["student"]: _nbgrader_orm(gb, AID, r["student"], r["rows"]) for r in batch})
            gb.db.commit()
        outcomes["batch"].append(writer.write_batch(_Course(urls["batch"]), AID, batch))
    assert outcomes["batch"] == outcomes["orm"]
    assert outcomes["batch"][1]["carl"]["late"] > 0 and outcomes["batch"][1]["carl"]["kept_manual"] == 1
    assert _contents(urls["batch"]) == _contents(urls["orm"])

"""course.grading.lms and the gradebook's snapshot, on real nbgrader gradebooks made through nbgrader's own API.

The exports through the real ``nbgrader export`` command, on a gradebook a real grading run
made, are tested in tests/e2e/test_lms_export.py; with a PostgreSQL server in tests/e2e/test_postgres.py.
"""

import csv
import datetime as dt
import shutil

import pytest
from nbgrader.api import Gradebook

from course.errors import CourseError
from tests.conftest import needs_sandbox
from course.grading import lms
from course.grading.workspace import open_gradebook, snapshot_gradebook

COURSE = "social-design-lab"
DUE = dt.datetime(2026, 5, 1, 12, 0)


def _gradebook(url: str) -> None:
    """Two assignments; four students: graded, hand-graded and late, one who handed in nothing, one not asked for."""
    with open_gradebook(url, COURSE) as gb:  # a new gradebook: nbgrader runs this environment's alembic
        for aid in ("01-framing", "02-ml"):
            gb.add_assignment(aid, duedate=DUE)
            gb.add_notebook("lab", aid)
            gb.add_grade_cell("q1", "lab", aid, max_score=2, cell_type="code")
            gb.add_grade_cell("q2", "lab", aid, max_score=3, cell_type="markdown")
        gb.add_student("aiko.tanaka@uni.example.ac.jp", first_name="Aiko", last_name="Tanaka", lms_user_id="4711")
        gb.add_student("kenji", first_name="Kenji", last_name="Sato", email="kenji@uni.example.ac.jp")
        gb.add_student("mei")
        gb.add_student("other")
        for sid, aid in (("aiko.tanaka@uni.example.ac.jp", "01-framing"), ("kenji", "01-framing"),
                         ("aiko.tanaka@uni.example.ac.jp", "02-ml"), ("other", "01-framing")):
            gb.add_submission(aid, sid, timestamp=DUE)
        grades = {("aiko.tanaka@uni.example.ac.jp", "01-framing"): (2, 2.5), ("kenji", "01-framing"): (2, None),
                  ("aiko.tanaka@uni.example.ac.jp", "02-ml"): (0, 1), ("other", "01-framing"): (1, 1)}
        for (sid, aid), (auto, manual) in grades.items():
            gb.find_grade("q1", "lab", aid, sid).auto_score = auto
            gb.find_grade("q2", "lab", aid, sid).manual_score = manual  # hand grading in the formgrader
        gb.find_submission_notebook("lab", "01-framing", "kenji").late_submission_penalty = 0.5
        gb.db.commit()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    db = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    _gradebook(f"sqlite:///{db}")  # once: a new gradebook costs nbgrader an alembic run
    return db


@pytest.fixture
def url(made, tmp_path):
    shutil.copy(made, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def test_canvas_from_the_gradebook_counts_manual_grades_and_penalties_and_carries_the_lms_user_id(url, tmp_path):
    with Gradebook(url, COURSE) as gb:
        lms.CanvasExportPlugin(to=str(tmp_path / "c.csv"), assignment=["01-framing"], student=[]).export(gb)
    rows = list(csv.reader((tmp_path / "c.csv").open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01-framing"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5"]
    by_id = {r[2]: r for r in rows[2:]}
    assert by_id["aiko.tanaka@uni.example.ac.jp"] == ["Tanaka, Aiko", "4711", "aiko.tanaka@uni.example.ac.jp",
                                                      "aiko.tanaka@uni.example.ac.jp", "", "4.5"]
    assert by_id["kenji"] == ["Sato, Kenji", "", "kenji", "kenji@uni.example.ac.jp", "", "1.5"]  # 2 - 0.5 late
    assert by_id["mei"][5] == "0"
    assert set(by_id) == {"aiko.tanaka@uni.example.ac.jp", "kenji", "mei", "other"}


def test_moodle_from_the_gradebook_has_a_column_pair_per_assignment_and_the_user_id(url, tmp_path):
    with Gradebook(url, COURSE) as gb:
        lms.MoodleExportPlugin(to=str(tmp_path / "m.csv"), assignment=[], student=["aiko.tanaka@uni.example.ac.jp", "mei"]).export(gb)
    rows = list(csv.DictReader((tmp_path / "m.csv").open()))
    assert list(rows[0]) == ["ID number", "Email address", "01-framing", "Feedback: 01-framing", "02-ml",
                             "Feedback: 02-ml", "User ID"]
    aiko, mei = sorted(rows, key=lambda r: r["ID number"])
    assert (aiko["ID number"], aiko["01-framing"], aiko["02-ml"], aiko["User ID"]) == (
        "aiko.tanaka@uni.example.ac.jp", "4.5", "1", "4711")
    assert (mei["01-framing"], mei["Feedback: 01-framing"], mei["User ID"]) == ("0", "no submission", "")


def test_an_unknown_assignment_is_one_line_naming_it(url):
    with Gradebook(url, COURSE) as gb, pytest.raises(CourseError, match=r"^no assignment '03-x' in the gradebook: check"):
        lms.from_gradebook(gb, ["03-x"])


def test_the_snapshot_holds_the_assignment_and_the_students_asked_for_and_nothing_else(url, tmp_path):
    dest = tmp_path / "snap.db"
    snapshot_gradebook(url, COURSE, dest, "01-framing", ["aiko.tanaka@uni.example.ac.jp", "kenji"])
    with Gradebook(f"sqlite:///{dest}", COURSE) as snap, Gradebook(url, COURSE) as real:
        assert [a.name for a in snap.assignments] == ["01-framing"]
        assert sorted(s.id for s in snap.students) == ["aiko.tanaka@uni.example.ac.jp", "kenji"]
        assert snap.find_student("aiko.tanaka@uni.example.ac.jp").lms_user_id == "4711"
        for sid in ("aiko.tanaka@uni.example.ac.jp", "kenji"):
            copy, orig = snap.find_submission("01-framing", sid), real.find_submission("01-framing", sid)
            assert (copy.score, copy.late_submission_penalty, copy.timestamp) == (orig.score, orig.late_submission_penalty, orig.timestamp)
        assert snap.find_grade("q2", "lab", "01-framing", "aiko.tanaka@uni.example.ac.jp").manual_score == 2.5
        assert snap.find_assignment("01-framing").duedate == DUE
        assert len(snap.find_notebook("lab", "01-framing").grade_cells) == 2
        # nbgrader can write to it as a worker does
        snap.update_or_create_student("new@x.jp")


def test_a_gradebook_that_cannot_be_opened_is_one_line_without_the_password():
    with pytest.raises(CourseError) as err:
        open_gradebook("postgresql://teacher:s3cret@127.0.0.1:1/gradebook", COURSE)
    text = str(err.value)
    assert text.startswith("cannot open the gradebook postgresql://teacher:***@127.0.0.1:1/gradebook (")
    assert "s3cret" not in text and "\n" not in text and "check COURSE_DB_URL" in text
    with pytest.raises(CourseError, match="cannot open the gradebook nosuch://x"):
        open_gradebook("nosuch://x", COURSE)


@needs_sandbox
def test_workers_that_cannot_get_a_snapshot_say_so_in_one_line_and_leave_the_grading_to_the_caller(toy_root, tmp_path, monkeypatch):
    from course.grading import grade
    from course.grading.workspace import Workspace

    ws = Workspace(tmp_path / "course", repo=toy_root, sandboxed=True)

    def no_snapshot(*args):
        raise CourseError("cannot open the gradebook postgresql://course:***@db/gradebook (connection refused)")

    monkeypatch.setattr(ws, "snapshot_gradebook", no_snapshot)
    lines = []
    assert list(grade.execute_stream(ws, "00-toy", ["ana", "ben"], tmp_path / "cache", workers=2, progress=lines.append)) == []
    assert lines == ["The grading workers cannot start (CourseError: cannot open the gradebook postgresql://course:***@db/"
                     "gradebook (connection refused)): grading one submission at a time instead."]

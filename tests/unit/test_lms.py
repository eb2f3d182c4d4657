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
    # q2 not graded by hand yet: blank, not 1.5 (2 - 0.5 late) as if final
    assert by_id["kenji"] == ["Sato, Kenji", "", "kenji", "kenji@uni.example.ac.jp", "", ""]
    with Gradebook(url, COURSE) as gb:
        kenji = lms.from_gradebook(gb, ["01-framing"], ["kenji"])[2][("kenji", "01-framing")]
    assert (kenji.total, kenji.pending, kenji.pending_questions) == (1.5, 3.0, ("q2",))
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


# ---------------------------------------------------------------- pending hand grading

#: Words of the tool's bookkeeping that must never reach a column the student sees.
BOOKKEEPING = ("unchanged", "not graded in this run", "skipped", "only some students", "last grading", "re-graded",
               "batch", "worker", "cache", "sandbox", "error", "sqlalchemy", "traceback")


def _pending_gradebook(url: str) -> None:
    """One assignment: q1 autograded (2 points), q2 a written answer (3 points) flagged for hand grading, none given."""
    with open_gradebook(url, COURSE) as gb:
        gb.add_assignment("01-framing", duedate=DUE)
        gb.add_notebook("lab", "01-framing")
        gb.add_grade_cell("q1", "lab", "01-framing", max_score=2, cell_type="code")
        gb.add_grade_cell("q2", "lab", "01-framing", max_score=3, cell_type="markdown")
        gb.add_solution_cell("q2", "lab", "01-framing")
        gb.add_student("aiko", first_name="Aiko", last_name="Tanaka", lms_user_id="4711")
        gb.add_student("kenji", first_name="Kenji", last_name="Sato")
        for sid in ("aiko", "kenji"):
            gb.add_submission("01-framing", sid, timestamp=DUE)
            gb.find_grade("q1", "lab", "01-framing", sid).auto_score = 2
            gb.find_grade("q2", "lab", "01-framing", sid).needs_manual_grade = True  # as autograde leaves a written answer
        gb.db.commit()


@pytest.fixture(scope="module")
def pending_made(tmp_path_factory):
    db = tmp_path_factory.mktemp("pending") / "gradebook.db"
    _pending_gradebook(f"sqlite:///{db}")
    return db


@pytest.fixture
def pending_url(pending_made, tmp_path):
    shutil.copy(pending_made, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def _export(url, kind, dest, **traits):
    with Gradebook(url, COURSE) as gb:
        getattr(lms, f"{kind}ExportPlugin")(to=str(dest), assignment=[], student=[], **traits).export(gb)
    return list(csv.reader(dest.open(newline="")))


def test_a_missing_hand_grade_is_a_blank_grade_not_a_zero_and_the_feedback_says_what_is_to_come(pending_url, tmp_path):
    canvas = _export(pending_url, "Canvas", tmp_path / "c.csv")
    assert {r[2]: r[5] for r in canvas[2:]} == {"aiko": "", "kenji": ""}  # Canvas: blank is "no grade"
    moodle = {r[0]: r for r in _export(pending_url, "Moodle", tmp_path / "m.csv")[1:]}
    assert moodle["aiko"][2] == ""  # Moodle leaves the grade unset
    feedback = moodle["aiko"][3]
    assert "3 points still to be graded by hand" in feedback
    assert "2 of the 2 points graded so far" in feedback and "q1: 2/2" in feedback
    assert "q2: to be graded by hand (3 points)" in feedback


def test_final_refuses_while_hand_grades_are_missing_naming_each_student_and_question(pending_url, tmp_path, caplog):
    for kind in ("Canvas", "Moodle"):
        caplog.clear()
        with pytest.raises(SystemExit) as stop:
            _export(pending_url, kind, tmp_path / f"{kind}.csv", final=True)
        assert stop.value.code == 1
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert "aiko, 01-framing: no hand grade yet for q2 (3 points)" in errors
        assert "kenji, 01-framing: no hand grade yet for q2 (3 points)" in errors
        assert not (tmp_path / f"{kind}.csv").exists()


def test_a_hand_grade_and_comment_entered_as_the_formgrader_does_reach_both_files(pending_url, tmp_path):
    with Gradebook(pending_url, COURSE) as gb:  # what the formgrader saves
        gb.find_grade("q2", "lab", "01-framing", "aiko").manual_score = 2.5
        gb.find_comment("q2", "lab", "01-framing", "aiko").manual_comment = "Clear argument;\nname a source."
        gb.db.commit()
    canvas = _export(pending_url, "Canvas", tmp_path / "c.csv")
    assert {r[2]: r[5] for r in canvas[2:]} == {"aiko": "4.5", "kenji": ""}
    moodle = {r[0]: r for r in _export(pending_url, "Moodle", tmp_path / "m.csv")[1:]}
    assert moodle["aiko"][2] == "4.5"
    assert moodle["aiko"][3] == "Score: 4.5/5\nq1: 2/2; q2: 2.5/3\nComments: q2: Clear argument; name a source."
    with pytest.raises(SystemExit):  # kenji still waits
        _export(pending_url, "Canvas", tmp_path / "final.csv", final=True)
    with Gradebook(pending_url, COURSE) as gb:
        lms.CanvasExportPlugin(to=str(tmp_path / "final.csv"), assignment=[], student=["aiko"], final=True).export(gb)
    assert list(csv.reader((tmp_path / "final.csv").open()))[2][5] == "4.5"


def test_the_student_facing_feedback_column_has_no_bookkeeping(toy_root, tmp_path):
    from course import manifest
    from course.grading.grade import FAILED, GRADED, MISSING, SKIPPED, GradeRun, SubmissionResult
    from course.grading.report import write_csv, write_moodle_csv

    m = manifest.load("00-toy", toy_root)
    results = [SubmissionResult("ana", GRADED, {"q1": 2, "q2": 1}, reason="unchanged since last grading"),
               SubmissionResult("ben", SKIPPED, reason="not graded in this run (only some students were)"),
               SubmissionResult("cai", GRADED, {"q1": 2}, reason="sandbox: a worker re-graded it from the cache"),
               SubmissionResult("dan", FAILED, reason="not a valid notebook: hand in the .ipynb file"),
               SubmissionResult("eve", MISSING, reason="no submission"),
               SubmissionResult("fay", FAILED, reason="feedback for fay failed: There was an error (sqlalchemy.orm...)")]
    run = GradeRun(m, None, results, [], [])
    rows = list(csv.DictReader(write_moodle_csv(run, tmp_path / "m.csv").open()))
    shown = [r["Feedback"] for r in rows]
    assert shown[3] == "not a valid notebook: hand in the .ipynb file" and shown[4] == "no submission"
    assert "sqlalchemy" not in shown[5] and "could not be graded automatically" in shown[5]
    for text in shown:
        assert not [w for w in BOOKKEEPING if w in text.lower()], text
    notes = [r["note"] for r in csv.DictReader(write_csv(run, tmp_path / "g.csv").open())]
    assert notes[0] == "unchanged since last grading"  # bookkeeping stays in the instructor's table


def test_the_student_summary_lists_questions_in_the_manifests_order_and_q2_before_q10():
    from types import SimpleNamespace as NS

    def grade(name, score):
        return NS(name=name, score=score, max_score=3, auto_score=score, manual_score=None, needs_manual_grade=False)

    nb = NS(name="lab", grades=[grade("q10", 1), grade("q2", 2), grade("q1", 3)], comments=[])
    sub = NS(notebooks=[nb], late_submission_penalty=0, score=6, max_score=9)
    assert lms.mark_of(sub).feedback.splitlines()[1] == "q1: 3/3; q2: 2/3; q10: 1/3"
    ordered = {("lab", "q10"): "first", ("lab", "q1"): "second", ("lab", "q2"): "third"}
    assert lms.mark_of(sub, ordered).feedback.splitlines()[1] == "first: 1/3; second: 3/3; third: 2/3"

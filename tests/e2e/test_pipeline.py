"""The instructor cycle end to end on the two-question toy course: validate, release, grade, demo."""

import csv
import json

import pytest

from course.authoring import release as releasing
from course.authoring import validate
from course.grading import grade
from course.authoring.demo import run_demo
from course.errors import ReleaseError, ValidationError
from course.grading.grade import FAILED, GRADED, MISSING

pytestmark = pytest.mark.slow


def _edit_cell(root, grade_id, new_source):
    path = root / "source" / "00-toy" / "00-toy-lab.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = new_source
    path.write_text(json.dumps(nb))


def test_validate_proves_the_toy_tests_real(toy_root):
    result = validate.validate("00-toy", root=toy_root, progress=None)
    assert {r.parameters for r in result.runs} == {"default", "other-seed"}
    assert all(r.ok for r in result.runs)
    assert result.scores[("solution", "other-seed")] == {"q1": 2, "q2": 1}
    assert result.scores[("blank", "default")] == {"q1": 0, "q2": 0}


def test_validate_names_a_test_cell_that_gives_free_points(toy_root):
    _edit_cell(toy_root, "q2-tests", "# no test at all\npass")
    with pytest.raises(ValidationError, match=r"q2 \(cell q2-tests of 00-toy-lab.ipynb\): gives free points"):
        validate.validate("00-toy", root=toy_root, progress=None)


def test_validate_names_a_solution_that_fails_its_hidden_test(toy_root):
    _edit_cell(toy_root, "q1-tests", "### BEGIN HIDDEN TESTS\nassert total == 56\n### END HIDDEN TESTS")
    with pytest.raises(ValidationError, match=r"q1 .*the solution scores 0/2"):
        validate.validate("00-toy", root=toy_root, round_trip=True, progress=None)


def test_release_writes_what_nbgrader_generates_and_nothing_secret(toy_root):
    releasing.release("00-toy", toy_root)
    released = (toy_root / "release" / "00-toy" / "00-toy-lab.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "HIDDEN" not in released
    assert "sum(range(1, 11))" not in released and "total == 55" not in released
    assert "# YOUR CODE HERE" in released
    releasing.check_release("00-toy", toy_root)  # up to date: no error
    path = toy_root / "release" / "00-toy" / "00-toy-lab.ipynb"
    path.write_text(released.replace("Set `total`", "Set `totals`"))
    with pytest.raises(ReleaseError, match="Run: course release 00-toy"):
        releasing.check_release("00-toy", toy_root)


def test_leak_check_catches_a_solution_left_in_a_student_notebook(tmp_path, toy_root):
    (tmp_path / "lab.ipynb").write_text((toy_root / "source" / "00-toy" / "00-toy-lab.ipynb").read_text())
    with pytest.raises(ReleaseError, match="still contains '### BEGIN SOLUTION'"):
        releasing.check_no_leaks(tmp_path)


@pytest.fixture
def toy_demo(toy_root, tmp_path):
    run, report = run_demo("00-toy", output=tmp_path / "out", root=toy_root, progress=None)
    return toy_root, run, report


def test_demo_grades_the_sample_class_and_reports_the_corrupt_file(toy_demo):
    _, run, report = toy_demo
    by = {r.student: r for r in run.results}
    assert by["aiko"].status == GRADED and by["aiko"].scores == {"q1": 2, "q2": 1, "q3": 0}
    assert by["mei"].status == GRADED and by["mei"].total == 0
    assert by["kenji"].status == GRADED and by["kenji"].scores["q3"] == 1  # the demo grades his written answer by hand
    assert 0 < by["kenji"].total - by["kenji"].scores["q3"] < 3  # q2 wrong on purpose
    assert by["haruto"].late_seconds == pytest.approx(26 * 3600, abs=1)
    assert by["aiko"].late_seconds == 0
    assert by["yuna"].status == FAILED and "not a valid notebook" in by["yuna"].reason
    assert any(n.startswith("yuna:") and "batch went on" in n for n in run.notices)

    with report.csv.open() as fh:
        table = list(csv.DictReader(fh))
    assert [r["student_id"] for r in table] == ["aiko", "kenji", "mei", "haruto", "yuna"]
    assert table[0]["total"] == "3.0" and table[0]["max"] == "5"
    assert report.figure.stat().st_size > 1000
    assert "yuna" in report.html.read_text()
    for sid in ("aiko", "kenji", "mei", "haruto"):
        assert (report.feedback / sid / "00-toy-lab.html").is_file()
    assert not (report.feedback / "yuna").exists()


def test_regrading_keeps_manual_grades_and_says_so(toy_demo):
    root, run, _ = toy_demo
    ws = run.workspace
    with ws.gradebook() as gb:
        g = gb.find_grade("q3-answer", "00-toy-lab", "00-toy", "aiko")
        g.manual_score = 2
        c = gb.find_comment("q3-answer", "00-toy-lab", "00-toy", "aiko")
        c.manual_comment = "Clear and correct."
        gb.db.commit()
    again = grade.grade_all("00-toy", roster=_students(), workspace=ws, root=root, regrade=True, progress=None)
    aiko = again.result("aiko")
    assert aiko.scores["q3"] == 2 and aiko.total == 5
    assert aiko.kept_manual == 2
    assert any(n.startswith("aiko: re-graded; 2 manual") for n in again.notices)
    with ws.gradebook() as gb:
        assert gb.find_comment("q3-answer", "00-toy-lab", "00-toy", "aiko").manual_comment == "Clear and correct."


def _students():
    from course.authoring.sample import sample_roster

    return sample_roster()


def test_grade_imports_a_submissions_folder_and_skips_unknown_students(toy_root, tmp_path):
    from course.authoring.sample import build_submission
    from course.grading.workspace import Student, Workspace
    from course import manifest

    m = manifest.load("00-toy", toy_root)
    ws = Workspace(tmp_path / "course", repo=toy_root)
    ws.sync(m)
    release = ws.generate(m)
    subs = tmp_path / "lms"
    build_submission(m, ws.source_dir("00-toy"), release, subs / "ana", "solution")
    build_submission(m, ws.source_dir("00-toy"), release, subs / "stranger", "solution")
    run = grade.grade_all("00-toy", roster=[Student("ana"), Student("ben")], workspace=ws, submissions=subs,
                          collect=False, root=toy_root, progress=None)
    assert run.result("ana").status == GRADED and run.result("ana").total == 3
    assert run.result("ben").status == MISSING
    assert any(n.startswith("stranger:") and "not on the roster" in n for n in run.notices)


def test_release_to_exchange_puts_the_student_version_where_students_fetch_it(toy_root, tmp_path):
    from course.grading.workspace import Workspace

    ws = Workspace(tmp_path / "course", repo=toy_root)
    outbound = releasing.publish("00-toy", toy_root, workspace=ws)
    text = (outbound / "00-toy-lab.ipynb").read_text()
    assert "# YOUR CODE HERE" in text and "BEGIN SOLUTION" not in text
    with ws.gradebook() as gb:
        assert gb.find_assignment("00-toy").duedate is not None


def test_release_to_exchange_generates_once_and_leaves_release_exactly_as_course_release_makes_it(toy_root, tmp_path):
    from course.grading.workspace import Workspace

    releasing.release("00-toy", toy_root)
    target = toy_root / "release" / "00-toy" / "00-toy-lab.ipynb"
    target.write_text(target.read_text().replace("Set `total`", "Set `totals`"))  # stale release/
    ws = Workspace(tmp_path / "course", repo=toy_root)
    released, outbound = releasing.release_and_publish("00-toy", toy_root, workspace=ws)
    assert target in released.changed
    releasing.check_release("00-toy", toy_root)  # release/ now equals a fresh generate_assignment
    assert (outbound / "00-toy-lab.ipynb").read_bytes() == target.read_bytes()


def test_grading_again_resumes_keeps_unchanged_work_and_backs_up_the_gradebook(toy_demo):
    root, run, _ = toy_demo
    ws = run.workspace
    again = grade.grade_all("00-toy", roster=_students(), workspace=ws, root=root, progress=None)
    for first, second in zip(run.results, again.results):
        assert first.scores == second.scores and first.status == second.status
    assert again.result("aiko").kept and again.result("aiko").reason == run.result("aiko").reason
    assert again.result("yuna").status == FAILED  # a broken file is reported again, not skipped
    assert len(list((ws.root / "backups").glob("gradebook-00-toy-*.db"))) == 2  # one per batch


def test_late_policy_from_the_manifest_is_applied_and_shown(toy_root, tmp_path):
    import yaml

    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["late_policy"] = {"per_day": 10, "max_days": 5}
    path.write_text(yaml.safe_dump(data))
    run, report = run_demo("00-toy", output=tmp_path / "out", root=toy_root, progress=None)
    haruto = run.result("haruto")  # 26 hours late: two started days, 20% of 3 points
    assert haruto.penalty == pytest.approx(0.6) and haruto.total == pytest.approx(2.4)
    assert run.result("aiko").penalty == 0 and run.result("aiko").total == 3
    with report.csv.open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["student_id"] == "haruto")
    assert row["late_penalty"] == "0.6" and row["total"] == "2.4"
    with report.canvas.open() as fh:
        # haruto's written answer (q3) waits for the hand-grader: blank in Canvas, not 2.4 as if final
        assert any(r[2] == "haruto" and r[5] == "" for r in csv.reader(fh))
    assert row["pending_points"] == "2.0" and row["graded_max"] == "3.0"
    feedback = (report.feedback / "haruto" / "00-toy-lab.html").read_text()
    assert "Late submission penalty" in feedback and "-0.6" in feedback


@pytest.mark.skipif(not __import__("course.grading.sandbox").grading.sandbox.bwrap_path(), reason="no bubblewrap on this machine")
def test_per_student_seeds_make_copied_numbers_fail(toy_root, tmp_path):
    import yaml

    from course import manifest
    from course.authoring.sample import build_submission
    from course.seeds import student_seed
    from course.grading.workspace import Student, Workspace
    from course import notebooks as nbs

    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["per_student_seed"] = True
    path.write_text(yaml.safe_dump(data))
    m = manifest.load("00-toy", toy_root)
    ws = Workspace.for_manifest(m, tmp_path / "course", repo=toy_root, sandboxed=True)
    ws.sync(m)
    release = ws.generate(m)
    subs = tmp_path / "lms"
    answers = {"ana": "doubled = 2 * SEED",  # works with whatever seed the student has
               "ben": f"doubled = {2 * student_seed('00-toy', 'ana')}",  # copied ana's number
               "cai": "doubled = 2"}  # the number a self-learner sees (SEED = 1 in the notebook)
    for sid, code in answers.items():
        build_submission(m, ws.source_dir("00-toy"), release, subs / sid, {"q1": "solution", "q2": "solution"})
        nb = nbs.read(subs / sid / "00-toy-lab.ipynb")
        nbs.find_cell(nb, "q2-answer").source = "doubled = ...\n" + code
        nbs.write(nb, subs / sid / "00-toy-lab.ipynb")
    run = grade.grade_all("00-toy", roster=[Student(s) for s in answers], workspace=ws, submissions=subs,
                          collect=False, root=toy_root, progress=None)
    assert run.result("ana").scores["q2"] == 1
    assert run.result("ben").scores["q2"] == 0
    assert run.result("cai").scores["q2"] == 0
    assert all(run.result(s).scores["q1"] == 2 for s in answers)


def test_regrading_one_student_leaves_the_others_untouched(toy_demo):
    root, run, _ = toy_demo
    ws = run.workspace
    aiko = ws.autograded_dir("00-toy", "aiko") / "00-toy-lab.ipynb"
    before = (aiko.stat().st_mtime_ns, aiko.read_bytes())
    again = grade.grade_all("00-toy", roster=_students(), workspace=ws, root=root, regrade=True, only=["kenji"],
                            progress=None)
    assert not again.result("kenji").kept
    assert again.result("aiko").kept and again.result("aiko").reason == run.result("aiko").reason
    assert again.result("aiko").scores == run.result("aiko").scores
    assert (aiko.stat().st_mtime_ns, aiko.read_bytes()) == before


@pytest.mark.skipif(not __import__("course.grading.sandbox").grading.sandbox.bwrap_path(), reason="no bubblewrap on this machine")
def test_feedback_for_a_test_cell_with_two_hidden_blocks_shows_neither(toy_root, tmp_path):
    from course import manifest
    from course.authoring.sample import build_submission
    from course.grading.workspace import Student, Workspace

    _edit_cell(toy_root, "q1-tests", (
        "assert total is not ..., 'total is still ...: replace ... with your answer.'\n"
        "### BEGIN HIDDEN TESTS\nassert total == 55, 'FIRST-HIDDEN-BLOCK'\n### END HIDDEN TESTS\n"
        "assert isinstance(total, int), 'total should be a whole number.'\n"
        "### BEGIN HIDDEN TESTS\nassert total % 11 == 0, 'SECOND-HIDDEN-BLOCK'\n### END HIDDEN TESTS\n"))
    m = manifest.load("00-toy", toy_root)
    ws = Workspace.for_manifest(m, tmp_path / "course", repo=toy_root, sandboxed=True)
    ws.sync(m)
    release = ws.generate(m)
    subs = tmp_path / "lms"
    build_submission(m, ws.source_dir("00-toy"), release, subs / "right", "solution")
    build_submission(m, ws.source_dir("00-toy"), release, subs / "wrong", {"q1": "wrong", "q2": "solution"})
    try:
        run = grade.grade_all("00-toy", roster=[Student("right"), Student("wrong")], workspace=ws, submissions=subs,
                              collect=False, root=toy_root, workers=2, progress=None)
    finally:
        ws.close()
    assert run.result("right").scores["q1"] == 2 and run.result("wrong").scores["q1"] == 0
    for sid in ("right", "wrong"):
        html = (ws.feedback_dir("00-toy", sid) / "00-toy-lab.html").read_text()
        assert "total == 55" not in html and "total % 11" not in html and "HIDDEN TESTS" not in html
        assert html.count("hidden tests ran here") == 3  # two in q1, one in q2


def test_a_submission_put_in_another_students_name_is_set_aside_not_collected(toy_root, tmp_path):
    """The inbound folder is writable by all: the owner of a submission, not its name, says who handed it in."""
    import os
    import pwd
    import shutil

    from course.grading.workspace import Workspace

    if os.geteuid() != 0:
        pytest.skip("needs root, to hand in a submission as another system user")
    nobody = pwd.getpwnam("nobody")
    ws = Workspace(tmp_path / "course", repo=toy_root)
    releasing.publish("00-toy", toy_root, workspace=ws)
    honest = tmp_path / "work" / "00-toy"
    shutil.copytree(ws.release_dir("00-toy"), honest)
    for student in ("ana", "ben", "nobody"):
        ws.submit("00-toy", student, honest)
    inbound = ws.exchange_root / ws.course_id / "inbound"
    (forged,) = inbound.glob("ben+00-toy+*")  # "nobody" hands in a blank in ben's name
    (mine,) = inbound.glob("nobody+00-toy+*")  # and one of their own
    for entry in (forged, mine):
        for path in [entry, *entry.rglob("*")]:
            os.lchown(path, nobody.pw_uid, nobody.pw_gid)
    (stray,) = inbound.glob("ana+00-toy+*")
    os.lchown(stray, 123457, 100)  # a uid with no name here, as a student pod's uid is on Kubernetes

    notices = ws.collect("00-toy")

    submitted = ws.step_dir("submitted")
    assert sorted(p.name for p in submitted.iterdir()) == ["ana", "nobody"]
    assert not forged.exists()
    assert [p.name for p in inbound.glob("set-aside--ben--00-toy--*--put-there-by--nobody")]
    assert any(n.startswith("ben: a submission in their name was put in the exchange by nobody") for n in notices), notices
    assert any(n.startswith("ana: ") and "uid 123457" in n and "could not be checked" in n for n in notices), notices
    assert len(notices) == 2

"""`course demo` on module 1: the sample class graded as the README says."""

import csv
import subprocess
import sys

import pytest

from course import manifest
from course.authoring.demo import DEFAULT_ASSIGNMENT
from course.authoring.sample import DEMO_LATE_POLICY, HAND_GRADE
from course.grading.grade import FAILED, GRADED
from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_course_demo_runs_the_whole_cycle_from_the_command_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "course", "demo", "--output", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    m = manifest.load(DEFAULT_ASSIGNMENT, REPO)
    out = done.stdout
    auto = m.auto_points
    lines = {line.split()[0]: line for line in out.splitlines() if line and line.split()[0] in
             ("aiko", "kenji", "mei", "haruto", "yuna")}
    assert f"{auto:g}/{m.points:g}" in lines["aiko"] and GRADED in lines["aiko"]
    assert f" 0/{m.points:g}" in lines["mei"]
    # the demo's late policy: 26 h late is two started days, 10% off each
    penalty = auto * 2 * DEMO_LATE_POLICY["per_day"] / 100
    assert "26.0 h late" in lines["haruto"] and f", -{penalty:g}" in lines["haruto"]
    assert f"{auto - penalty:g}/{m.points:g}" in lines["haruto"]
    said = done.stderr  # the progress lines
    assert "a demo policy" in said and "manifest sets none" in said
    assert FAILED in lines["yuna"] and "not a valid notebook" in lines["yuna"]
    # kenji's first written answer, graded by hand through the gradebook, counts in his total
    written = next(q for q in m.questions if q.kind == "manual")
    hand = written.points - HAND_GRADE.points_off
    assert f"Hand-graded kenji's written answer {written.id}" in said
    kenji_total = float(lines["kenji"].split(f"/{m.points:g}")[0].split()[-1])
    assert hand < kenji_total < auto + hand
    assert "batch went on" in out
    folder = tmp_path / "out"
    for name in (f"{m.id}-grades.csv", f"{m.id}-report.html", f"{m.id}-scores.png", f"{m.id}-totals.png",
                 f"{m.id}-canvas.csv", f"{m.id}-moodle.csv"):
        assert (folder / name).is_file(), name
    assert str(folder) in out

    # the exports carry the penalty and the hand grade
    grades = {r["student_id"]: r for r in csv.DictReader((folder / f"{m.id}-grades.csv").open(encoding="utf-8"))}
    assert float(grades["haruto"]["late_penalty"]) == pytest.approx(penalty)
    assert float(grades["haruto"]["total"]) == pytest.approx(auto - penalty)
    assert float(grades["kenji"][written.id]) == hand
    canvas = list(csv.reader((folder / f"{m.id}-canvas.csv").open(encoding="utf-8")))
    haruto_row = next(r for r in canvas if "haruto" in r)
    # haruto's written answers are not graded by hand yet: no Canvas grade (pending, not a final-looking total)
    assert haruto_row[-1] == "" and float(grades["haruto"]["pending_points"]) == m.points - auto

    # kenji's refreshed feedback shows the hand grade's comment; haruto's the penalty
    kenji_feedback = "".join(p.read_text(encoding="utf-8") for p in (folder / "feedback" / "kenji").glob("*.html"))
    assert HAND_GRADE.comment in kenji_feedback
    haruto_feedback = "".join(p.read_text(encoding="utf-8") for p in (folder / "feedback" / "haruto").glob("*.html"))
    assert "Late submission penalty" in haruto_feedback and f"-{penalty:g}" in haruto_feedback

    # the report: a small-class warning on the item statistics, the corrupt file's reason once
    page = (folder / f"{m.id}-report.html").read_text(encoding="utf-8")
    assert 'class="warning"' in page and "4 graded submissions" in page
    outside_table = page.split("<h2>Grade table</h2>")[0] + page.split("<h2>Notices</h2>")[1]
    assert outside_table.count("not a valid notebook") == 1
    assert page.count('alt="') >= 2


@pytest.mark.skipif(not __import__("course.grading.sandbox").grading.sandbox.bwrap_path(), reason="no bubblewrap on this machine")
def test_sandboxed_grades_equal_unsandboxed_grades_on_the_sample_class(tmp_path):
    from course.authoring.demo import run_demo

    sandboxed, _ = run_demo(output=tmp_path / "a", root=REPO, sandboxed=True, progress=None)
    plain, _ = run_demo(output=tmp_path / "b", root=REPO, sandboxed=False, progress=None)
    assert sandboxed.workspace.sandboxed and not plain.workspace.sandboxed
    for a, b in zip(sandboxed.results, plain.results):
        assert a.student == b.student and a.status == b.status
        assert a.scores == b.scores, a.student
    assert any(r.total > 0 for r in plain.results)

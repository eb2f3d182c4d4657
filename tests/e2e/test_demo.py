"""`course demo` on module 1: the sample class graded as the README says."""

import subprocess
import sys

import pytest

from course import manifest
from course.authoring.demo import DEFAULT_ASSIGNMENT
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
    assert "h late" in lines["haruto"] and f"{auto:g}/{m.points:g}" in lines["haruto"]
    assert FAILED in lines["yuna"] and "not a valid notebook" in lines["yuna"]
    kenji_total = float(lines["kenji"].split(f"/{m.points:g}")[0].split()[-1])
    assert 0 < kenji_total < auto
    assert "batch went on" in out
    for name in (f"{m.id}-grades.csv", f"{m.id}-report.html", f"{m.id}-scores.png"):
        assert (tmp_path / "out" / name).is_file(), name
    assert str(tmp_path / "out") in out


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

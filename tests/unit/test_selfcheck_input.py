"""`course check` on bad input: one line that says what to do, before anything runs (no nbgrader, no sandbox)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from course.cli import main
from tests.conftest import REPO


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def _file(name: str, text: str | None):
    def make(folder: Path) -> Path:
        path = folder / name
        if text is not None:
            path.write_text(text)
        return path

    return make


@pytest.mark.parametrize(
    "make, needle",
    [
        (_file("00-toy-lab.ipynb", '{"cells": [}'), "not a valid notebook (broken JSON"),
        (_file("nothing-here.ipynb", None), "no notebook at"),
        (lambda folder: folder, "is a folder"),
        (_file("notes.txt", "hi"), "is not a notebook"),
        (_file("other-lab.ipynb", "{}"), "is not a notebook of any assignment"),
    ],
    ids=["broken-json", "missing", "folder", "not-ipynb", "unknown-notebook"],
)
def test_bad_input_is_one_line_that_says_what_to_do(toy_root, tmp_path, capsys, make, needle):
    code, _, err = run(capsys, "--root", str(toy_root), "check", str(make(tmp_path)))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert needle in err


def test_a_notebook_of_another_kind_is_refused(toy_root, tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "00-toy" / "00-toy-lab.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    code, _, err = run(capsys, "--root", str(toy_root), "check", str(path))
    assert code == 1 and "has none of the question cells of 00-toy" in err


def test_a_teaching_notebook_is_refused_with_the_lab_to_check_instead(capsys):
    path = REPO / "release" / "01-problem-framing" / "01-problem-framing-teaching.ipynb"
    code, _, err = run(capsys, "--root", str(REPO), "check", str(path))
    assert code == 1 and "is a teaching notebook" in err and "01-problem-framing-lab.ipynb" in err


def test_the_assignment_is_found_by_the_notebooks_folder_before_its_file_name(toy_root, tmp_path):
    import shutil

    import yaml

    from course import manifest
    from course.errors import AssignmentNotFound

    data = yaml.safe_load((toy_root / "assignments" / "00-toy.yml").read_text())
    data["id"] = "00-toy2"
    (toy_root / "assignments" / "00-toy2.yml").write_text(yaml.safe_dump(data))
    shutil.copytree(toy_root / "source" / "00-toy", toy_root / "source" / "00-toy2")
    mine = tmp_path / "my-work" / "00-toy2" / "00-toy-lab.ipynb"  # same file name as in 00-toy
    assert manifest.assignment_of_notebook(mine, toy_root)[0].id == "00-toy2"
    assert manifest.assignment_of_notebook(tmp_path / "00-toy" / "00-toy-lab.ipynb", toy_root)[0].id == "00-toy"
    with pytest.raises(AssignmentNotFound, match=r"belongs to several assignments \(00-toy, 00-toy2\)"):
        manifest.assignment_of_notebook(tmp_path / "downloads" / "00-toy-lab.ipynb", toy_root)


def test_hidden_tests_come_only_from_a_source_folder_the_user_owns(toy_root):
    """The three cases of `course check`: one's own clone, a student's install (no source/), another user's source/."""
    import os
    import shutil

    from course import manifest
    from course.grading.selfcheck import instructor_copy

    m = manifest.load("00-toy", toy_root)
    path, why = instructor_copy(m, "00-toy-lab.ipynb", toy_root)
    assert path == toy_root / "source" / "00-toy" / "00-toy-lab.ipynb" and why == ""

    if os.geteuid() == 0:  # a real change of owner (CI runs as root)
        os.chown(toy_root / "source" / "00-toy" / "00-toy-lab.ipynb", 54321, 54321)
        path, why = instructor_copy(m, "00-toy-lab.ipynb", toy_root)
        assert path is None and "belongs to another user, so it is not used" in why and "\n" not in why

    shutil.rmtree(toy_root / "source")
    path, why = instructor_copy(m, "00-toy-lab.ipynb", toy_root)
    assert path is None and why.startswith("hidden tests are not run here") and "\n" not in why


def test_the_self_check_reads_the_limits_as_grading_does():
    """selfcheck reads nbgrader_config.py without importing nbgrader; it must find the same limits as the workspace."""
    from course.grading import selfcheck, workspace

    root = Path(__file__).resolve().parents[2]
    assert selfcheck._limits_config(root) == workspace.configured_limits(workspace.load_config(root))


def test_course_check_starts_without_the_instructor_tools():
    """`course check` (course.launch) must not load nbgrader or course.cli: that is seconds on a 1-CPU pod."""
    import subprocess
    import sys

    code = ("import sys; from course import launch; launch._light_imports(); from course.grading import selfcheck; "
            "print(sorted(m for m in ('nbgrader', 'course.cli', 'sqlalchemy', 'rfc3987_syntax') if sys.modules.get(m)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_course_check_errors_are_one_line_from_the_fast_entry_point(tmp_path, capsys):
    from course import launch

    with pytest.raises(SystemExit) as exit_:
        launch.main(["check", str(tmp_path / "missing-lab.ipynb")])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CourseError: no notebook at") and err.count("\n") == 1


def test_the_checker_server_is_never_reached_through_a_folder_others_can_open(tmp_path, monkeypatch):
    from course.grading import checkserver

    import tempfile

    runtime = Path(tempfile.mkdtemp(prefix="cc-"))  # short: a socket's path must fit in 108 bytes (pytest's do not)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    path = checkserver.socket_path()
    assert path is not None and path.parent.stat().st_mode & 0o777 == 0o700
    path.parent.chmod(0o755)  # someone opened it up: no server through it, the check runs in-process
    assert checkserver.socket_path() is None
    assert checkserver.check(tmp_path / "x.ipynb", tmp_path) is None
    shutil.rmtree(runtime)


def test_the_self_check_reads_the_manifests_again_only_when_one_changes(toy_root, monkeypatch):
    """The checker server checks again and again: it keeps the manifests it read (seven manifests' YAML is
    seconds on one CPU), but an edited manifest is read afresh."""
    from course import manifest
    from course.grading import selfcheck

    reads = []
    real = manifest.assignment_of_notebook
    monkeypatch.setattr(selfcheck.manifests, "assignment_of_notebook", lambda *args: reads.append(args) or real(*args))
    lab = toy_root / "my-work" / "00-toy" / "00-toy-lab.ipynb"
    first, notebook = selfcheck._assignment_of(lab, toy_root)
    assert notebook == "00-toy-lab.ipynb" and first.timeout == 30
    assert selfcheck._assignment_of(lab, toy_root)[0] is first and len(reads) == 1

    yml = toy_root / "assignments" / "00-toy.yml"
    yml.write_text(yml.read_text().replace("timeout: 30", "timeout: 45"))
    again, _ = selfcheck._assignment_of(lab, toy_root)
    assert len(reads) == 2 and again.timeout == 45


def test_the_checker_server_is_the_same_whichever_name_of_python_starts_it():
    """Jupyter's scripts and `course` may name the same Python differently (python, python3, python3.11):
    the server that Jupyter pre-loads must be the one `course check` then finds."""
    import subprocess
    import sys

    here = Path(sys.executable)
    names = [p for p in (here.parent / n for n in ("python", "python3", f"python3.{sys.version_info.minor}")) if p.exists()]
    if len({str(p) for p in names}) < 2:
        pytest.skip(f"{here.parent} has one name for its Python")
    code = "from course.grading import checkserver; print(checkserver._fingerprint())"
    found = {subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout for python in names}
    assert len(found) == 1


def test_the_checker_server_outlives_its_idle_time_only_while_the_jupyter_server_that_warmed_it_runs(monkeypatch):
    """A learner may answer for half an hour after opening a lab: the pre-loaded sandboxes must still be
    there at the first check. The server here is real (socket, protocol, idle end); only the warm-up
    itself, which needs a sandbox, is left out (tests/e2e/test_checkwarm.py runs it for real)."""
    import subprocess
    import tempfile
    import threading
    import time

    from course.grading import checkserver

    monkeypatch.setattr(checkserver, "IDLE_SECONDS", 0.3)
    folder = Path(tempfile.mkdtemp(prefix="ka-"))  # short: a socket's path must fit in 108 bytes
    jupyter = subprocess.Popen(["sleep", "60"])  # stands for the learner's Jupyter server
    warmed = []
    try:
        def serve(name):
            server = threading.Thread(target=checkserver.serve, daemon=True,
                                      args=(folder / name, None, lambda notebook, root, kept: warmed.append(notebook)))
            server.start()
            return server

        alone, kept = serve("alone.sock"), serve("kept.sock")
        reply = checkserver._ask(checkserver._connect(folder / "kept.sock", wait=10),
                                 {"notebook": "lab.ipynb", "root": str(folder), "warm": True, "keep_alive_pid": jupyter.pid})
        assert reply == {"warmed": False} and warmed == ["lab.ipynb"]
        time.sleep(1.5)  # five idle periods
        assert not alone.is_alive() and kept.is_alive()
        jupyter.kill()
        jupyter.wait()
        kept.join(timeout=10)
        assert not kept.is_alive()
    finally:
        jupyter.kill()
        shutil.rmtree(folder, ignore_errors=True)

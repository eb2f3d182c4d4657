"""course.sandbox: what a sandboxed process can and cannot see, and how runs end."""

import sys

import pytest

from course.grading import sandbox
from course.grading.inside.contract import INSIDE
from course.limits import Limits
from tests.conftest import REPO

try:
    sandbox.check_available()
    HAVE = True
except sandbox.SandboxUnavailable:
    HAVE = False

pytestmark = pytest.mark.skipif(not HAVE, reason="no bubblewrap sandbox on this machine")


def _run(tmp_path, code, **limits):
    return sandbox.run([sys.executable, "-c", code], tmp_path, Limits(**limits) if limits else Limits())


def test_python_and_the_course_package_work_inside_and_the_repository_is_invisible(tmp_path):
    from tests.conftest import REPO

    code = ("import os, course, pandas; "
            f"open('{INSIDE}/seen.txt', 'w').write(repr((os.path.exists({str(REPO / 'source')!r}), "
            f"os.path.exists({str(REPO / '.git')!r}), os.path.exists(os.path.expanduser('~/.ssh')))))")
    outcome = _run(tmp_path, code)
    assert outcome.returncode == 0, outcome.stderr
    assert (tmp_path / "seen.txt").read_text() == "(False, False, False)"


def test_no_network(tmp_path):
    code = ("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n    r = 'connected'\n"
            f"except OSError as e:\n    r = type(e).__name__\nopen('{INSIDE}/net.txt', 'w').write(r)")
    assert _run(tmp_path, code).returncode == 0
    assert (tmp_path / "net.txt").read_text() != "connected"


def test_wall_time_limit_kills_the_run(tmp_path):
    outcome = _run(tmp_path, "while True: pass", wall_seconds=2)
    assert outcome.timed_out and "time limit" in outcome.killed


def test_memory_limit(tmp_path):
    outcome = _run(tmp_path, "x = bytearray(3 * 1024**3)", memory_mb=512)
    assert outcome.returncode != 0 and "MemoryError" in outcome.stderr


def test_unknown_limit_in_a_manifest_is_refused():
    with pytest.raises(sandbox.CourseError, match="unknown sandbox limit 'ram'"):
        Limits().merged({"ram": 2})


def test_the_course_package_imports_where_resource_does_not_exist():
    """Windows has no `resource` module: learners there must still get the CLI, the learner tools and the manifests."""
    import subprocess

    code = ("import sys; sys.modules['resource'] = None\n"
            "import course.cli, course.learn, course.manifest, course.grading.sandbox, course.authoring.execute, course.grading.engine\n"
            "course.manifest.load('01-problem-framing')\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(REPO))
    assert done.stdout.strip() == "ok", done.stderr[-1500:]

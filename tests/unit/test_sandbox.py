"""course.sandbox: what a sandboxed process can and cannot see, and how runs end."""

import sys


from course.grading import sandbox
from course.grading.inside.contract import INSIDE
from course.limits import Limits
from tests.conftest import REPO, needs_sandbox


pytestmark = needs_sandbox


def _run(tmp_path, code, **limits):
    return sandbox.run([sys.executable, "-c", code], tmp_path, Limits(**limits) if limits else Limits())


def test_python_and_the_course_package_work_inside_and_the_repository_is_invisible(tmp_path):
    
    code = ("import os, course, pandas; "
            f"open('{INSIDE}/seen.txt', 'w').write(repr((os.path.exists({str(REPO / 'source')!r}), "
            f"os.path.exists({str(REPO / '.git')!r}), os.path.exists(os.path.expanduser('~/.ssh')))))")
    outcome = _run(tmp_path, code)
    assert outcome.returncode == 0, outcome.stderr
    assert (tmp_path / "seen.txt").read_text() == "(False, False, False)"


def _listener():
    """A TCP server on this machine's loopback that a process with network access reaches."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    return server


def _connect_code(port: int, out: str) -> str:
    return ("import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    r = 'connected'\n"
            f"except OSError as e:\n    r = type(e).__name__\nopen({out!r}, 'w').write(r)")


def test_no_network(tmp_path):
    with _listener() as server:
        port = server.getsockname()[1]
        # The same code outside the sandbox connects: so the check below can fail.
        exec(_connect_code(port, str(tmp_path / "outside.txt")), {})
        assert (tmp_path / "outside.txt").read_text() == "connected"
        assert _run(tmp_path, _connect_code(port, f"{INSIDE}/net.txt")).returncode == 0
    assert (tmp_path / "net.txt").read_text() == "ConnectionRefusedError"  # its own empty loopback


def test_wall_time_limit_kills_the_run(tmp_path):
    outcome = _run(tmp_path, "while True: pass", wall_seconds=2)
    assert outcome.timed_out and "time limit" in outcome.killed


def test_memory_limit(tmp_path):
    outcome = _run(tmp_path, "x = bytearray(3 * 1024**3)", memory_mb=512)
    assert outcome.returncode != 0 and "MemoryError" in outcome.stderr

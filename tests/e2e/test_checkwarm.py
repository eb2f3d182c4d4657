"""`course check`'s warm path: sandboxes pre-loaded before the first check are the ones it uses, one pair at most."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from course.grading import checkserver, selfcheck
from tests.conftest import needs_sandbox

pytestmark = [pytest.mark.slow, needs_sandbox]

REPO = Path(__file__).resolve().parents[2]
LAB = Path("source") / "00-toy" / "00-toy-lab.ipynb"


def answered(root: Path, answers: dict[str, str], extra_import: str = "") -> Path:
    """The instructor's toy lab with the learner's answers ({grade_id: code}: give every answer cell).

    ``extra_import`` goes into the instructor's copy too: a lab with other imports needs other sandboxes.
    """
    if extra_import:
        source = nbformat.read(root / LAB, as_version=4)
        source.cells[1].source = f"{extra_import}\n{source.cells[1].source}"
        nbformat.write(source, root / LAB)
    nb = nbformat.read(root / LAB, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    path = root / "my-work" / "00-toy" / "00-toy-lab.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def long_lived(process: psutil.Process) -> set[int]:
    """The pids of ``process``'s descendants now (a check's own runs are forked and gone by the time it returns)."""
    return {p.pid for p in process.children(recursive=True)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _checker(runtime: Path) -> psutil.Process | None:
    """The learner's checker server listening in ``runtime`` (found by its socket path on its command line)."""
    for p in psutil.process_iter(["cmdline"]):
        if any(str(runtime) in arg for arg in p.info["cmdline"] or []) and "--serve" in (p.info["cmdline"] or []):
            return p
    return None


def test_opening_a_lab_in_jupyter_starts_its_sandboxes_the_first_check_uses_them_and_another_labs_replace_them(toy_root, tmp_path, monkeypatch):
    """A real Jupyter Server with the self-learner configuration: opening the lab (a new session, as
    JupyterLab does) starts the learner's checker server and its sandboxes; `course check` then uses
    them; a lab with other imports gets its own pair, and the first pair is closed (one pair at most)."""
    lab = answered(toy_root, {"q1-answer": "total = 54", "q2-answer": "doubled = ..."})
    runtime = Path(tempfile.mkdtemp(prefix="cw-"))  # short: a socket's path must fit in 108 bytes
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "COURSE_ROOT": str(toy_root),
           "PATH": f"{bin_dir}:{os.environ['PATH']}", "JUPYTER_RUNTIME_DIR": str(runtime / "jupyter"),
           "JUPYTER_CONFIG_PATH": str(REPO / "deploy" / "jupyter" / "self-learner"), "JUPYTER_DATA_DIR": str(runtime / "data")}
    env.pop(checkserver.ENV, None)
    port, token = _free_port(), "t0ken"
    log = runtime / "jupyter.log"
    with open(log, "wb") as out:
        jupyter = subprocess.Popen([sys.executable, "-m", "jupyter_server", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
                                    f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={toy_root}", "--no-browser",
                                    "--allow-root"], env=env, cwd=toy_root, stdout=out, stderr=out, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api/sessions"
        body = json.dumps({"path": "my-work/00-toy/00-toy-lab.ipynb", "type": "notebook", "name": "",
                           "kernel": {"name": "python3"}}).encode()
        request = urllib.request.Request(url, body, {"Authorization": f"token {token}", "Content-Type": "application/json"})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    assert reply.status == 201
                break
            except OSError:
                assert jupyter.poll() is None and time.monotonic() < deadline, "Jupyter Server did not start"
                time.sleep(0.3)
        deadline = time.monotonic() + 120
        while "course check: sandboxes pre-loaded for" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "opening the lab pre-loaded no sandboxes:\n" + log.read_text(errors="replace")[-2000:]
            time.sleep(0.3)
        checker = _checker(runtime)
        assert checker is not None
        warmed = long_lived(checker)
        assert len(warmed) >= 2

        done = subprocess.run([sys.executable, "-m", "course", "check", str(lab)], env=env, cwd=toy_root,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "starting the checker's pre-loaded processes" not in done.stderr  # the server was found
        assert long_lived(checker) == warmed  # and its sandboxes were used, not new ones
        # the verdicts of tests/e2e/test_selfcheck.py's in-process checks: q1 fails a hidden test only, q2 is blank
        assert "00-toy-lab.ipynb (00-toy): 0 of 3 autograded points" in done.stdout
        assert f"q1    0/2   {selfcheck.HIDDEN_MESSAGE}" in done.stdout
        assert "doubled is still ..." in done.stdout

        other_root = tmp_path / "other"
        shutil.copytree(toy_root, other_root, ignore=shutil.ignore_patterns("my-work"))
        other = answered(other_root, {"q1-answer": "total = 55"}, extra_import="import statistics")
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # this process now talks to the same checker server
        monkeypatch.delenv(checkserver.ENV, raising=False)
        assert checkserver.warm(other, other_root)
        now = long_lived(checker)
        assert now and not now & warmed  # the first lab's pair was closed before the second one started
    finally:
        os.killpg(jupyter.pid, 15)
        try:
            jupyter.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(jupyter.pid, 9)
        sock = next((runtime / f"course-check-{os.getuid()}").glob("*.sock"), None)  # the checker server outlives Jupyter
        if sock is not None:
            checkserver.stop(sock)
        shutil.rmtree(runtime, ignore_errors=True)

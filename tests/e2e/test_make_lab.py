"""`make lab`: JupyterLab as a self-learner sees it (no nbgrader tools), `course` in its terminals, and as root with a note.

Starts the real `make lab` (JupyterLab on 127.0.0.1, a copy of release/ in a temporary folder)
and asks the running server what a learner's browser would get.
"""

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # about 15 s: JupyterLab starts once for the module

VENV = Path(sys.prefix)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    token = secrets.token_hex(16)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_"))}
    env.update({"HOME": str(tmp / "home"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "SHELL": "/bin/sh",
                # a PATH without the venv, as in a fresh shell: make lab must put it first itself
                "PATH": os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != VENV / "bin")})
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token}"
    log = (tmp / "lab.log").open("w+")
    # -o: the environment is already installed (the suite runs in it); make must not reinstall it
    proc = subprocess.Popen(["make", "-s", "-o", f"{VENV}/.installed-stamp", "lab", f"VENV={VENV}",
                             f"LAB_DIR={tmp / 'my-work'}", f"LAB_ARGS={args}"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, Path(log.name).read_text()
            try:
                if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        else:
            pytest.fail(f"make lab did not answer in 90 s:\n{Path(log.name).read_text()}")
        yield {"url": url, "token": token, "dir": tmp / "my-work", "log": Path(log.name)}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def get(lab, path):
    return requests.get(f"{lab['url']}{path}", params={"token": lab["token"]}, timeout=10)


def test_the_learner_gets_their_own_copy_of_the_released_notebooks(lab):
    assert (lab["dir"] / "01-problem-framing" / "01-problem-framing-lab.ipynb").is_file()
    first = lab["log"].read_text().splitlines()[0]
    if os.geteuid() == 0:
        assert first.startswith("note: running as root (as in a container): JupyterLab starts with --allow-root")


def test_no_nbgrader_tool_is_served(lab):
    # nbgrader's own config (in the environment) turns all four on; the self-learner configuration turns them off
    for path in ("/formgrader", "/assignments", "/courses", "/formgraders", "/assignments/validate"):
        assert get(lab, path).status_code == 404, path
    page = get(lab, "/lab")
    assert page.status_code == 200
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  page.text, re.DOTALL).group(1))
    # JupyterLab does not start any plugin of a disabled extension: no Assignments tab, no
    # Create Assignment toolbar, no Validate button, no formgrader or course list in its menus
    assert "@jupyter/nbgrader" in config["disabledExtensions"]


def test_course_runs_in_the_labs_terminal(lab):
    from tornado.websocket import websocket_connect

    made = requests.post(f"{lab['url']}/api/terminals", params={"token": lab["token"]}, timeout=10)
    assert made.status_code == 200
    name = made.json()["name"]

    async def ask():
        ws = await websocket_connect(f"ws://{lab['url'][7:]}/terminals/websocket/{name}?token={lab['token']}")
        ws.write_message(json.dumps(["stdin", "command -v course; echo DONE-$((6*7))\r"]))
        seen, deadline = "", time.monotonic() + 30
        while "DONE-42" not in seen and time.monotonic() < deadline:
            msg = await asyncio.wait_for(ws.read_message(), timeout=30)
            if msg is None:
                break
            kind, *data = json.loads(msg)
            if kind == "stdout":
                seen += data[0]
        ws.close()
        return seen

    seen = asyncio.run(ask())
    assert f"{VENV}/bin/course" in seen, seen

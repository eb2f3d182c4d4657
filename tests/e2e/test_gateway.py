"""Grading through a real Dask Gateway: ``dask-gateway-server`` started as its own process on loopback.

No Kubernetes runs here, so the gateway uses its local backend (``UnsafeLocalBackend``: the
scheduler and workers it starts are processes of this user, not pods), with its own TLS proxy
between the client and the scheduler, as on a Zero to JupyterHub cluster. ``course grade`` with
``gateway=`` asks it for a cluster of two workers, grades the class on it and shuts it down.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from course import manifest
from course.authoring.sample import build_submission
from course.errors import CourseError
from course.grading import cluster, grade
from course.grading.grade import GRADED
from course.grading.workspace import Student, Workspace
from tests.conftest import needs_sandbox

pytest.importorskip("dask_gateway_server", reason="dask-gateway-server is pip's [test] extra: make install")

KINDS = {"right-1": "solution", "blank-1": "blank", "right-2": "solution"}
EXPECTED = {"solution": 3.0, "blank": 0.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gateway(tmp_path):
    """``dask-gateway-server`` on 127.0.0.1 (local backend, any user name, no password); yields its public URL."""
    port, proxy = _free_port(), _free_port()
    short = Path(tempfile.mkdtemp(prefix="gw-", dir="/tmp"))  # a sandbox's socket path must fit in 108 bytes
    python = sys.executable
    config = tmp_path / "dask_gateway_config.py"
    config.write_text(f"""
c.DaskGateway.address = "127.0.0.1:{port}"
c.Proxy.address = "127.0.0.1:{proxy}"
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
c.LocalBackend.clusters_directory = {str(short / "clusters")!r}
c.ClusterConfig.scheduler_cmd = [{python!r}, "-m", "distributed.cli.dask_scheduler"]
c.ClusterConfig.worker_cmd = [{python!r}, "-m", "distributed.cli.dask_worker"]
c.ClusterConfig.worker_threads = 1
c.ClusterConfig.worker_memory = "4 G"
c.ClusterConfig.environment = {{"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1", "TMPDIR": {str(short)!r},
                               "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
                               "PATH": {str(Path(python).parent) + os.pathsep + os.environ.get("PATH", "")!r}}}
""")
    log = (tmp_path / "gateway.log").open("w")
    proc = subprocess.Popen([str(Path(python).parent / "dask-gateway-server"), "-f", str(config)], cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{proxy}"  # the gateway's public face: its proxy, for the API and the schedulers alike
    try:
        deadline = time.time() + 60
        while True:  # until its API answers
            assert proc.poll() is None, (tmp_path / "gateway.log").read_text()
            try:
                urllib.request.urlopen(f"{url}/api/health", timeout=2)
                break
            except OSError:
                assert time.time() < deadline, (tmp_path / "gateway.log").read_text()
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(short, ignore_errors=True)


@pytest.mark.slow
@needs_sandbox
def test_a_class_grades_on_a_cluster_the_dask_gateway_starts(toy_root, gateway, monkeypatch):
    monkeypatch.setenv("DASK_GATEWAY__AUTH__TYPE", "basic")  # the SimpleAuthenticator takes any user name
    m = manifest.load("00-toy", toy_root)
    builder = Workspace.for_manifest(m, toy_root / ".work" / "builder", repo=toy_root, sandboxed=False)
    builder.sync(m)
    release = builder.generate(m)
    subs = toy_root / "lms"
    for sid, kind in KINDS.items():
        build_submission(m, builder.source_dir("00-toy"), release, subs / sid, kind)
    students = [Student(sid) for sid in KINDS]
    ws = Workspace.for_manifest(m, toy_root / ".work" / "course", repo=toy_root, sandboxed=True)
    said: list[str] = []
    try:
        run = grade.grade_all("00-toy", roster=students, workspace=ws, submissions=subs, collect=False, root=toy_root,
                              progress=said.append, workers=2, gateway=gateway)
    finally:
        ws.close()
    assert any(f"Grading on a cluster of the Dask Gateway at {gateway}" in line for line in said), said
    for sid, kind in KINDS.items():
        r = run.result(sid)
        assert r.status == GRADED and r.total == EXPECTED[kind], r
        assert (ws.feedback_dir("00-toy", sid) / "00-toy-lab.html").is_file()
    assert run.parent_seconds > 0
    # the batch's cluster is shut down at the end: the gateway lists no running cluster
    from dask_gateway import Gateway

    with Gateway(gateway) as gw:
        assert gw.list_clusters() == []


def test_gateway_options_are_checked_before_anything_is_touched(toy_root):
    with pytest.raises(CourseError, match="both a Dask scheduler .* and a Dask Gateway"):
        grade.grade_all("00-toy", roster=[Student("a")], root=toy_root, progress=None,
                        scheduler="tcp://127.0.0.1:8786", gateway="http://127.0.0.1:8000")
    with pytest.raises(CourseError, match="not a Dask Gateway address: give it as http"):
        cluster.remote(None, "proxy-public:80")


def test_an_unreachable_gateway_is_one_line_that_says_what_to_do():
    with pytest.raises(CourseError, match=r"the Dask Gateway at http://127.0.0.1:\d+ did not start a cluster .*"
                                          r"unset --gateway/COURSE_DASK_GATEWAY"):
        with cluster.client(2, gateway=f"http://127.0.0.1:{_free_port()}"):
            pass

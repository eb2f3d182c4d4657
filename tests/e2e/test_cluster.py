"""Grading on a real Dask cluster: a scheduler and two workers started as their own processes on loopback.

The class is graded with ``course grade``'s library call and ``scheduler=tcp://…``, as on a hub's
cluster. While it runs, the test kills (SIGKILL) the worker process grading one slow student,
and twice the workers grading another: the first is graded anyway (Dask runs it again once),
the second is reported as failed with its reason, and every other student is graded exactly once,
with the right totals. Hostile submissions are contained on these workers as on the grader's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from course import manifest
from course import notebooks as nbs
from course.authoring.sample import build_submission
from course.grading import grade
from course.grading.grade import FAILED, GRADED
from course.grading.workspace import Student, Workspace
from tests.conftest import needs_sandbox
from tests.e2e.test_hostile import _process_limit_enforced, hostile_answers

pytestmark = [pytest.mark.slow, needs_sandbox]

DASK = Path(sys.executable).parent / "dask"
HONEST = {"right-1": "solution", "blank-1": "blank", "right-2": "solution"}
SLOW = ("slow-once", "slow-twice")  # right answers, behind a cell that sleeps: long enough to be killed while running
ATTACKS = ("reads-source", "network", "forkbomb")
EXPECTED = {"solution": 3.0, "blank": 0.0}  # q1 (2 points) and q2 (1 point) are autograded; q3 is graded by hand
DEADLINE = 900  # bounded, and generous: on a shared 2-core machine at load 15 the batch alone took 5 minutes


def _dask_env(tmp: Path) -> dict:
    # The scheduler's rules for lost workers, as docs/DEPLOY.md tells an operator to start it: a task whose
    # worker died is run again once (allowed-failures 1), and each worker holds only the one it runs
    # (saturation 1), so a worker's death loses only its current submission.
    return {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
            "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "TMPDIR": str(tmp)}


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes (each under its nanny, which restarts a killed worker)."""
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    # a killed worker cannot delete the course's files it unpacked: they go to a folder this fixture removes
    # (short: a sandbox's socket path must fit in 108 bytes)
    short = Path(tempfile.mkdtemp(prefix="cw-", dir="/tmp"))
    procs = []

    def start(name, *args):
        out = (logs / f"{name}.log").open("w")
        procs.append(subprocess.Popen([str(DASK), *args], stdout=out, stderr=subprocess.STDOUT, env=_dask_env(short),
                                      cwd=tmp_path, start_new_session=True))

    start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--scheduler-file", str(scheduler_file))
    try:
        deadline = time.time() + 60
        while not scheduler_file.is_file() and time.time() < deadline:
            assert procs[0].poll() is None, (logs / "scheduler.log").read_text()
            time.sleep(0.1)
        for i in range(2):
            start(f"worker-{i}", "worker", "--scheduler-file", str(scheduler_file), "--nworkers", "1", "--nthreads", "1",
                  "--memory-limit", "0", "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}")
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=300)
            yield address, client
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        shutil.rmtree(short, ignore_errors=True)


@pytest.fixture
def listener():
    """A TCP server on the grader's loopback: a sandboxed submission must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


def _class(root: Path, port: int):
    data = yaml.safe_load((root / "assignments" / "00-toy.yml").read_text())
    data["timeout"] = 20
    data["limits"] = {"wall_seconds": 120, "memory_mb": 1536, "processes": 64}
    (root / "assignments" / "00-toy.yml").write_text(yaml.safe_dump(data))
    m = manifest.load("00-toy", root)
    builder = Workspace.for_manifest(m, root / ".work" / "builder", repo=root, sandboxed=False)
    builder.sync(m)
    release = builder.generate(m)
    subs = root / "lms"
    for sid, kind in HONEST.items():
        build_submission(m, builder.source_dir("00-toy"), release, subs / sid, kind)
    attacks = hostile_answers(root, port, subs / "right-1" / "00-toy-lab.ipynb")
    for sid in (*SLOW, *ATTACKS):
        build_submission(m, builder.source_dir("00-toy"), release, subs / sid, "solution")
        path = subs / sid / "00-toy-lab.ipynb"
        nb = nbs.read(path)
        cell = nbs.find_cell(nb, "q1-answer")
        cell.source = ("import time\ntime.sleep(8)\n" + cell.source) if sid in SLOW else ("total = ...\n" + attacks[sid])
        nbs.write(nb, path)
    return m, subs, [Student(p.name) for p in sorted(subs.iterdir())]


def _kill_workers(client, plan: dict[str, int], running: threading.Thread) -> dict[str, int]:
    """SIGKILL the worker process running each student of ``plan`` while it runs, ``plan[student]`` times in all.

    A worker is killed only while the student's submission is the only one it holds: each death then
    costs that submission alone, one of its allowed failures.
    """
    kills = dict.fromkeys(plan, 0)
    deadline = time.time() + DEADLINE

    def holding(address):
        return [k for k in client.processing().get(address, ())]

    while running.is_alive() and time.time() < deadline and kills != plan:
        for address, keys in client.processing().items():
            targets = [s for s in plan if kills[s] < plan[s] and any(f"-{s}-" in str(k) for k in keys)]
            if not targets or len(keys) != 1:
                continue
            time.sleep(1)  # inside its sleeping cell
            if [str(k) for k in holding(address)] != [str(k) for k in keys]:
                continue  # it finished, or another submission joined it, meanwhile
            try:
                pid = client.run(os.getpid, workers=[address])[address]
            except (OSError, TimeoutError, KeyError, ValueError):
                continue  # the worker left meanwhile: look again
            os.kill(pid, signal.SIGKILL)
            kills[targets[0]] += 1
            gone = time.time() + 120  # until the scheduler has seen the death (never kill a dead worker twice)
            while address in client.nthreads() and time.time() < gone:
                time.sleep(0.05)
            break
        time.sleep(0.05)
    return kills


def test_a_class_on_remote_workers_survives_a_killed_worker(toy_root, dask_cluster, listener):
    address, client = dask_cluster
    m, subs, students = _class(toy_root, listener)
    ws = Workspace.for_manifest(m, toy_root / ".work" / "course", repo=toy_root, sandboxed=True)
    out: dict = {}

    def batch():
        try:
            out["run"] = grade.grade_all("00-toy", roster=students, workspace=ws, submissions=subs, collect=False,
                                         root=toy_root, progress=None, scheduler=address)
        except BaseException as exc:  # shown by the assertion below
            out["error"] = exc

    thread = threading.Thread(target=batch)
    thread.start()
    try:
        kills = _kill_workers(client, {"slow-once": 1, "slow-twice": 2}, thread)
    finally:
        thread.join(DEADLINE)
        ws.close()
    assert not thread.is_alive(), f"the batch did not end in {DEADLINE} s"
    assert "error" not in out, out.get("error")
    run = out["run"]
    assert kills == {"slow-once": 1, "slow-twice": 2}, (kills, [(r.student, r.status, r.reason) for r in run.results if r.student in SLOW])

    # Every student has one row; the killed-once student is graded, the killed-twice one reported, the rest right.
    assert sorted(r.student for r in run.results) == sorted(s.id for s in students)
    for sid, kind in HONEST.items():
        r = run.result(sid)
        assert r.status == GRADED and r.total == EXPECTED[kind], r
    assert run.result("slow-once").status == GRADED and run.result("slow-once").total == 3.0, run.result("slow-once")
    twice = run.result("slow-twice")
    assert twice.status == FAILED and "died 2 times" in twice.reason and "--student" in twice.reason, twice

    # Hostile submissions are contained on remote workers as on the grader's own machine.
    for sid in ATTACKS:
        if sid == "forkbomb" and not _process_limit_enforced():
            continue
        assert run.result(sid).status == GRADED and run.result(sid).scores["q1"] == 0, run.result(sid)

    # The gradebook: one submission per graded student, none for the failed one, totals as reported.
    db = sqlite3.connect(ws.db_url.removeprefix("sqlite:///"))
    rows = db.execute("SELECT student.id, COUNT(DISTINCT submitted_assignment.id), SUM(COALESCE(grade.manual_score, "
                      "grade.auto_score, 0)) FROM submitted_assignment JOIN student ON student.id = "
                      "submitted_assignment.student_id JOIN submitted_notebook ON submitted_notebook.assignment_id = "
                      "submitted_assignment.id JOIN grade ON grade.notebook_id = submitted_notebook.id "
                      "GROUP BY student.id").fetchall()
    db.close()
    graded = {r.student: r.total for r in run.results if r.status == GRADED}
    assert {sid: (count, total) for sid, count, total in rows} == {sid: (1, total) for sid, total in graded.items()}
    for sid in graded:
        assert (ws.autograded_dir("00-toy", sid) / grade.GRADED_RECORD).is_file()
        assert (ws.feedback_dir("00-toy", sid) / "00-toy-lab.html").is_file()
    assert run.parent_seconds > 0
    assert grade.solution_unchecked(ws, "00-toy") is None  # the instructor's solution was checked, on a worker


def test_an_unreachable_scheduler_is_one_line_that_says_what_to_do(toy_root):
    from course.errors import CourseError
    from course.grading import cluster

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CourseError, match="cannot reach the Dask scheduler at tcp://127.0.0.1"):
        with cluster.client(2, f"tcp://127.0.0.1:{port}", connect_seconds=2):
            pass
    with pytest.raises(CourseError, match="not a Dask scheduler address: give it as tcp://HOST:PORT"):
        cluster.scheduler_address("127.0.0.1:8786")


def test_the_local_cluster_admits_no_one_without_its_key():
    """On a one-machine hub every student can reach 127.0.0.1: the local cluster's scheduler takes only TLS
    connections made with the key this process made for it (a scheduler runs whatever it is sent)."""
    from distributed import Client
    from distributed.security import Security

    from course.grading import cluster

    with cluster.client(1) as c:
        address = c.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert c.submit(sum, [1, 2], pure=False).result(timeout=60) == 3  # the grader's own client gets through
        port = address.rsplit(":", 1)[1]
        # a student's client: plain TCP, or TLS with a key and certificate of their own making
        for attempt, security in ((f"tcp://127.0.0.1:{port}", None), (address, Security.temporary())):
            with pytest.raises(Exception) as refused:
                Client(attempt, timeout=3, security=security)
            assert not isinstance(refused.value, AssertionError)


def _distributed_log_levels() -> dict:
    import logging

    return {name: logging.getLogger(name).getEffectiveLevel() for name in ("distributed", "distributed.worker",
                                                                         "distributed.nanny", "distributed.scheduler")}


def test_dask_logs_nothing_below_error_while_the_local_cluster_lives_in_the_grader_or_its_workers():
    """Workers are forked beside Dask's event-loop thread: a log line written at that moment can leave the
    new worker waiting forever on the stream's lock. While the cluster lives nothing below ERROR is written,
    in the grading process or in a worker; afterwards the "distributed" logger has its level back."""
    import logging

    from course.grading import cluster

    import distributed  # noqa: F401  (importing it sets its loggers' levels: read the level after that)

    before = logging.getLogger("distributed").level
    with cluster.client(2) as c:
        assert set(_distributed_log_levels().values()) == {logging.ERROR}
        in_workers = c.run(_distributed_log_levels)
        assert len(in_workers) == 2 and all(set(v.values()) == {logging.ERROR} for v in in_workers.values()), in_workers
    # the level the grader set is put back (Dask itself may leave its child loggers' levels changed after a cluster)
    assert logging.getLogger("distributed").level == before


def test_the_local_cluster_shows_no_one_its_tasks_over_http():
    """Dask's scheduler serves HTTP pages without the TLS key (workers, tasks named by student, logs, a proxy):
    the grader's cluster answers only the health check."""
    import urllib.error
    import urllib.request

    from course.grading import cluster

    with cluster.client(1) as c:
        assert c.submit(sum, [1, 2], key="grade-s00042", pure=False).result(timeout=60) == 3
        ports = {"scheduler": c.scheduler_info()["services"]["dashboard"],
                 **{w: info["services"]["dashboard"] for w, info in c.scheduler_info()["workers"].items()}}
        for who, port in ports.items():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
                assert answer.read() == b"ok", who
            for page in ("info/main/workers.html", "info/main/logs.html", "json/identity.json", "metrics",
                         "statics/css/base.css", f"proxy/{port}/127.0.0.1/health"):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}", timeout=10)
                assert refused.value.code == 404, (who, page)


def _dies_once(job: dict, bundle: bytes, snapshot: bytes) -> dict:
    """A task that kills its own worker process the first time it runs for ``first``."""
    marker = Path(job["marker"])
    if job["student"] == "first" and not marker.exists():
        marker.write_text("died here once")
        os.kill(os.getpid(), signal.SIGKILL)
    return {"student": job["student"], "ok": True, "sizes": [len(bundle), len(snapshot)]}


def test_the_batch_goes_on_when_every_worker_holding_its_course_files_dies(tmp_path):
    """A local cluster of one worker, killed while it runs the first submission: the course bundle and the
    gradebook snapshot it held are made again on the worker that replaces it, and every submission is graded."""
    from course.grading import cluster

    jobs = [{"student": sid, "assignment": "a", "marker": str(tmp_path / "marker")} for sid in ("first", "second", "third")]
    with cluster.client(1) as c:
        out = [r for batch in cluster.run(c, iter(jobs), b"b" * 10, b"s" * 20, task=_dies_once) for r in batch]
    assert (tmp_path / "marker").is_file()  # the worker did die
    assert sorted(r["student"] for r in out) == ["first", "second", "third"]
    assert all(r["ok"] and r["sizes"] == [10, 20] for r in out), out

"""A class of hostile and broken submissions, graded in one sandboxed batch with an honest student among them.

Each hostile notebook is the toy solution with question 1's answer cell replaced. Every one is
graded with a clear outcome (zero, or its honest score), and the honest students are graded right.
"""

import json
import os
import socket
import threading

import pytest
import yaml

from course import manifest
from course.grading import grade
from course import notebooks as nbs
from course.grading.grade import FAILED, GRADED
from course.authoring.sample import build_submission
from course.grading.workspace import Student, Workspace
from tests.conftest import needs_sandbox

pytestmark = pytest.mark.slow


def _process_limit_enforced() -> bool:
    """RLIMIT_NPROC limits a user other than root; root only by a pids cgroup (v1 or v2), where one can be made."""
    if os.geteuid() != 0:
        return True
    from course.grading.cgroups import RunCgroup
    from course.limits import Limits

    probe = RunCgroup(Limits())
    try:
        return any((d / "pids.max").exists() for d in probe.dirs)
    finally:
        probe.close()


@pytest.fixture(scope="module")
def listener():
    """A TCP server on the grader's loopback: a sandboxed submission must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.close()


def hostile_answers(root, port, other_student_nb):
    source = root / "source" / "00-toy" / "00-toy-lab.ipynb"
    gradebook = root / ".work" / "hostile" / "gradebook.db"
    return {
        # q1 honest points would be 2: each of these must score 0 on q1 unless noted.
        "loop": "while True:\n    pass",
        "membomb": "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 * 1024))",
        "forkbomb": ("import os, time\nfor _ in range(1000):\n    if os.fork() == 0:\n        time.sleep(20)\n        os._exit(0)\n"
                     "total = 55"),
        "reads-source": f"import os\ntotal = 55 if os.path.exists({str(source)!r}) else 0",
        "reads-gradebook": f"import os\ntotal = 55 if os.path.exists({str(gradebook)!r}) else 0",
        "writes-other": f"open({str(other_student_nb)!r}, 'w').write('{{}}')\ntotal = 55",
        "network": (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    total = 55\n"
                    "except OSError:\n    total = 0"),
        "monkeypatch": "import builtins\nbuiltins.isinstance = lambda *a: True\ntotal = 'fifty-five'",
        "always-equal": "class Yes(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\ntotal = Yes(1)",
        "fake-passed": "print('All tests passed! q1: 2/2 points')\ntotal = 54",
        "exits": "import os\nos._exit(0)",
        "segfault": "import ctypes\nctypes.string_at(0)",
        "big-output": "print('x' * 100_000_000)\ntotal = sum(range(1, 11))",
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory, listener):
    from tests.conftest import toy_copy

    root = toy_copy(tmp_path_factory.mktemp("hostile") / "toy")
    data = yaml.safe_load((root / "assignments" / "00-toy.yml").read_text())
    data["timeout"] = 5
    data["limits"] = {"wall_seconds": 90, "memory_mb": 1536, "processes": 64}
    (root / "assignments" / "00-toy.yml").write_text(yaml.safe_dump(data))

    m = manifest.load("00-toy", root)
    ws = Workspace.for_manifest(m, root / ".work" / "hostile", repo=root, sandboxed=True)
    ws.sync(m)
    release = ws.generate(m)
    subs = root / "lms"
    for honest in ("honest-a", "honest-b"):
        build_submission(m, ws.source_dir("00-toy"), release, subs / honest, "solution")
    other_nb = ws.submitted_dir("00-toy", "honest-b") / "00-toy-lab.ipynb"
    attacks = hostile_answers(root, listener, other_nb)
    for sid, code in attacks.items():
        folder = subs / sid
        build_submission(m, ws.source_dir("00-toy"), release, folder, "solution")
        path = folder / "00-toy-lab.ipynb"
        nb = nbs.read(path)
        nbs.find_cell(nb, "q1-answer").source = "total = ...\n" + code
        nbs.write(nb, path)
    # Broken files and edited test cells.
    (subs / "empty").mkdir()
    (subs / "empty" / "00-toy-lab.ipynb").write_bytes(b"")
    build_submission(m, ws.source_dir("00-toy"), release, subs / "deletes-tests", {"q1": "wrong", "q2": "solution"})
    nb = json.loads((subs / "deletes-tests" / "00-toy-lab.ipynb").read_text())
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "q1-tests"]
    (subs / "deletes-tests" / "00-toy-lab.ipynb").write_text(json.dumps(nb))
    build_submission(m, ws.source_dir("00-toy"), release, subs / "edits-tests", {"q1": "wrong", "q2": "solution"})
    nb = json.loads((subs / "edits-tests" / "00-toy-lab.ipynb").read_text())
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1-tests":
            c["source"] = "pass"
            c["metadata"]["nbgrader"]["points"] = 100
    (subs / "edits-tests" / "00-toy-lab.ipynb").write_text(json.dumps(nb))

    students = [Student(p.name) for p in sorted(subs.iterdir())]
    before = (subs / "honest-b" / "00-toy-lab.ipynb").read_bytes()
    run = grade.grade_all("00-toy", roster=students, workspace=ws, submissions=subs, collect=False,
                          root=root, progress=None)
    return run, ws, before


pytestmark = [pytest.mark.slow, needs_sandbox]


def test_honest_students_in_a_hostile_batch_get_full_marks(batch):
    run, _, _ = batch
    for sid in ("honest-a", "honest-b"):
        r = run.result(sid)
        assert r.status == GRADED and r.scores["q1"] == 2 and r.scores["q2"] == 1, (sid, r)


@pytest.mark.parametrize("sid", ["loop", "membomb", "reads-source", "reads-gradebook", "network", "monkeypatch",
                                 "always-equal", "fake-passed", "exits", "segfault", "deletes-tests", "edits-tests"])
def test_hostile_submission_earns_nothing_on_the_attacked_question(batch, sid):
    run, _, _ = batch
    r = run.result(sid)
    assert r.status == GRADED, r
    assert r.scores["q1"] == 0, r


@pytest.mark.parametrize("sid, words", [("loop", "time limit of 5 s per cell"), ("exits", "kernel died"), ("segfault", "kernel died")])
def test_a_stopped_notebook_says_why(batch, sid, words):
    run, ws, _ = batch
    r = run.result(sid)
    feedback = (ws.feedback_dir("00-toy", sid) / "00-toy-lab.html").read_text()
    assert words in r.reason or words in feedback, (r.reason, sid)


def test_a_notebook_that_dies_gets_no_points_for_later_questions(batch):
    run, _, _ = batch
    for sid in ("exits", "segfault"):
        assert run.result(sid).scores["q2"] == 0


def test_big_output_is_cut_and_the_honest_answer_still_counts(batch):
    run, ws, _ = batch
    r = run.result("big-output")
    assert r.status == GRADED and r.scores["q1"] == 2
    autograded = ws.autograded_dir("00-toy", "big-output") / "00-toy-lab.ipynb"
    assert autograded.stat().st_size < 2_000_000


def test_writing_to_another_students_folder_fails(batch):
    run, ws, before = batch
    assert run.result("writes-other").scores["q1"] == 0
    assert (ws.submitted_dir("00-toy", "honest-b") / "00-toy-lab.ipynb").read_bytes() == before


def test_empty_file_is_reported_and_the_batch_goes_on(batch):
    run, _, _ = batch
    r = run.result("empty")
    assert r.status == FAILED and "not a valid notebook" in r.reason


@pytest.mark.skipif(not _process_limit_enforced(), reason="no process limit: running as root without a writable pids cgroup")
def test_fork_bomb_hits_the_process_limit(batch):
    run, ws, _ = batch
    r = run.result("forkbomb")
    assert r.status == GRADED and r.scores["q1"] == 0
    autograded = (ws.autograded_dir("00-toy", "forkbomb") / "00-toy-lab.ipynb").read_text()
    assert "Resource temporarily unavailable" in autograded or "BlockingIOError" in autograded


def test_feedback_never_shows_hidden_test_code(batch):
    _, ws, _ = batch
    for sid in ("honest-a", "fake-passed"):
        html = (ws.feedback_dir("00-toy", sid) / "00-toy-lab.html").read_text()
        assert "total == 55" not in html and "HIDDEN" not in html

"""course.grading.cgroups: a cgroup per sandboxed run, on v2 (fake trees, and this host's real cgroup2 mount) and for real
(v1 on this host; v2 where the host has it)."""

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.grading import cgroups, sandbox
from course.grading.inside.contract import INSIDE
from course.limits import Limits
from tests.conftest import needs_sandbox

MB = 1024 * 1024


def _run_cgroups_here() -> bool:
    """True as root where a run must get real pids and memory cgroups: v1 writable (as on this host), or on a v2
    host where the grader's cgroup lets it make them (not from a cgroup shared with others' processes)."""
    if os.geteuid() != 0:
        return False
    if all(os.access(f"/sys/fs/cgroup/{c}/cgroup.procs", os.W_OK) for c in ("pids", "memory")):
        return True  # known without asking the code under test
    probe = cgroups.RunCgroup(Limits())
    try:
        return {"pids.max", "memory.max", "memory.limit_in_bytes"} & {f.name for d in probe.dirs for f in d.iterdir()} != set()
    finally:
        probe.close()


ROOT_CGROUPS = _run_cgroups_here()
HYBRID_V2 = Path("/sys/fs/cgroup/unified")


def v2_tree(tmp_path: Path, own: str, procs: list[int], controllers: str = "cpuset cpu io memory pids") -> Path:
    """A fake unified hierarchy with this process in ``own`` (a non-root cgroup holding ``procs``)."""
    root = tmp_path / "cgroup"
    folder = root
    for part in ["", *own.strip("/").split("/")]:
        folder = folder / part if part else folder
        folder.mkdir(exist_ok=True)
        (folder / "cgroup.controllers").write_text(controllers)
        (folder / "cgroup.subtree_control").write_text("")
        (folder / "cgroup.procs").write_text("")
        if folder != root:
            (folder / "cgroup.events").write_text("populated 1\nfrozen 0\n")
    (folder / "cgroup.procs").write_text("".join(f"{p}\n" for p in procs))
    (tmp_path / "self").write_text(f"0::{own}\n")
    return root


@pytest.fixture
def kernel_rmdir(monkeypatch):
    """rmdir as the kernel does it on a cgroup (its interface files go with it); the fake tree's are plain files."""
    removed = []

    def rmdir(folder: Path) -> None:
        removed.append(folder)
        shutil.rmtree(folder)

    monkeypatch.setattr(cgroups, "_rmdir", rmdir)
    return removed


def test_v2_grader_moves_to_a_leaf_and_each_run_gets_pids_memory_and_no_swap(tmp_path, kernel_rmdir):
    root = v2_tree(tmp_path, "/system.slice/grade.scope", [os.getpid()])
    own = root / "system.slice" / "grade.scope"
    cg = cgroups.RunCgroup(Limits(processes=20, memory_mb=300), root=root, self_cgroup=tmp_path / "self")
    [run] = cg.dirs
    assert run.parent == own and run.name.startswith("course-sandbox-")
    assert (own / "course-grader" / "cgroup.procs").read_text() == str(os.getpid())  # out of the way of the runs
    assert (own / "cgroup.subtree_control").read_text() == "+pids +memory"
    assert (run / "pids.max").read_text() == "20"
    assert (run / "memory.max").read_text() == str(600 * MB)
    assert (run / "memory.swap.max").read_text() == "0"
    cg.join()
    assert (run / "cgroup.procs").read_text() == "0"  # the calling process (the child, before exec)
    (run / "cgroup.kill").write_text("")  # the kernel makes it in every non-root cgroup (Linux 5.14+)
    cg.close()
    assert kernel_rmdir == [run] and not run.exists()


def test_v2_a_later_process_in_the_grader_leaf_makes_runs_beside_it(tmp_path, kernel_rmdir):
    root = v2_tree(tmp_path, "/grade.scope/course-grader", [os.getpid()])
    (root / "grade.scope" / "cgroup.subtree_control").write_text("memory pids")
    cg = cgroups.RunCgroup(Limits(processes=20), root=root, self_cgroup=tmp_path / "self")
    [run] = cg.dirs
    assert run.parent == root / "grade.scope"
    assert not (root / "grade.scope" / "course-grader" / "course-grader").exists()
    cg.close()


def test_v2_a_cgroup_shared_with_other_processes_is_left_alone_and_said_once(tmp_path, caplog):
    root = v2_tree(tmp_path, "/user.slice/session-1.scope", [1, os.getpid()])
    caplog.set_level(logging.DEBUG, logger="course.grading.cgroups")
    for _ in range(2):
        cg = cgroups.RunCgroup(Limits(), root=root, self_cgroup=tmp_path / "self")
        assert cg.dirs == []
    own = root / "user.slice" / "session-1.scope"
    assert not (own / "course-grader").exists() and (own / "cgroup.subtree_control").read_text() == ""
    said = [r.getMessage() for r in caplog.records if "not the grader's (pid 1)" in r.getMessage()]
    assert len(said) == 1 and "systemd-run --scope -p Delegate=yes" in said[0]


def test_v2_without_the_controllers_no_cgroup(tmp_path, caplog):
    root = v2_tree(tmp_path, "/pod", [os.getpid()], controllers="cpu io")
    caplog.set_level(logging.DEBUG, logger="course.grading.cgroups")
    assert cgroups.RunCgroup(Limits(), root=root, self_cgroup=tmp_path / "self").dirs == []
    assert any("pids and memory controller is not available" in r.getMessage() for r in caplog.records)


def test_close_kills_each_process_where_there_is_no_cgroup_kill(tmp_path, kernel_rmdir):
    root = v2_tree(tmp_path, "/grade.scope", [os.getpid()])
    cg = cgroups.RunCgroup(Limits(), root=root, self_cgroup=tmp_path / "self")
    sleeper = subprocess.Popen(["sleep", "60"])
    (cg.dirs[0] / "cgroup.procs").write_text(f"{sleeper.pid}\n{os.getpid()}\n")  # never itself
    cg.close()
    assert sleeper.wait(timeout=10) == -signal.SIGKILL
    assert kernel_rmdir


def test_run_cgroups_left_by_a_killed_grader_are_swept_once_old(tmp_path, kernel_rmdir):
    root = v2_tree(tmp_path, "/grade.scope", [os.getpid()])
    own = root / "grade.scope"
    left, busy, young = (own / f"{cgroups.RUN_PREFIX}{n}" for n in ("left", "busy", "young"))
    for folder in (left, busy, young):
        folder.mkdir()
        (folder / "cgroup.procs").write_text("")
    (busy / "cgroup.procs").write_text("12345\n")  # a long run (a zygote) still in it
    hour_ago = time.time() - cgroups.STALE_SECONDS - 60
    for folder in (left, busy):
        os.utime(folder, (hour_ago, hour_ago))
    cg = cgroups.RunCgroup(Limits(), root=root, self_cgroup=tmp_path / "self")
    assert not left.exists() and busy.exists() and young.exists() and cg.dirs[0].exists()
    cg.close()


def test_ours_is_this_process_and_its_descendants():
    child = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        assert cgroups._ours(os.getpid()) and cgroups._ours(child.pid)
        assert not cgroups._ours(1) and not cgroups._ours(os.getppid())
    finally:
        child.kill()
        child.wait()


def test_hybrid_host_uses_v1_and_leaves_the_unified_hierarchy_alone(tmp_path, kernel_rmdir):
    root = tmp_path / "cgroup"
    for name in ("pids", "memory"):
        (root / name).mkdir(parents=True)
        (root / name / "cgroup.procs").write_text("")
    (root / "unified").mkdir()
    (root / "unified" / "cgroup.controllers").write_text("hugetlb")  # as here: the rest is bound to v1
    (root / "unified" / "cgroup.procs").write_text(f"{os.getpid()}\n")
    (tmp_path / "self").write_text("8:pids:/\n4:memory:/\n0::/\n")
    cg = cgroups.RunCgroup(Limits(processes=30, memory_mb=100), root=root, self_cgroup=tmp_path / "self")
    pids, memory = cg.dirs
    assert pids.parent == root / "pids" and (pids / "pids.max").read_text() == "30"
    assert memory.parent == root / "memory" and (memory / "memory.limit_in_bytes").read_text() == str(200 * MB)
    assert [p.name for p in (root / "unified").iterdir() if p.is_dir()] == []
    cg.close()
    assert not pids.exists() and not memory.exists()


# ---------------------------------------------------------------- this host's real cgroups


@pytest.mark.skipif(not (os.geteuid() == 0 and os.access(HYBRID_V2 / "cgroup.procs", os.W_OK)),
                    reason="needs root and this host's hybrid cgroup2 mount at /sys/fs/cgroup/unified")
def test_real_cgroup2_join_before_exec_kill_and_remove():
    # This host binds pids and memory to v1, so its cgroup2 mount has no controller to limit with;
    # what v2 does besides (move in before exec, cgroup.kill, rmdir) runs here on the real kernel.
    cg = cgroups.RunCgroup.__new__(cgroups.RunCgroup)
    cg.dirs = []
    cg._make(HYBRID_V2 / f"{cgroups.RUN_PREFIX}{os.getpid()}test", {})
    [run] = cg.dirs
    proc = subprocess.Popen(["sh", "-c", "sleep 60 & exec sleep 60"], preexec_fn=cg.join)
    try:
        deadline = time.monotonic() + 20  # the shell forks when the machine gets to it
        while True:
            inside = [int(p) for p in (run / "cgroup.procs").read_text().split()]
            if len(inside) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        assert proc.pid in inside and len(inside) == 2  # the shell (now a sleep), and the sleep it started before
        assert (run / "cgroup.kill").is_file()
    finally:
        cg.close()
    assert proc.wait(timeout=10) == -signal.SIGKILL
    assert not run.exists()


def _sandboxed(tmp_path, code: str, limits: Limits) -> str:
    outcome = sandbox.run([sys.executable, "-c", code], tmp_path, limits)
    assert outcome.returncode == 0, outcome.stderr
    return (tmp_path / "out.txt").read_text()


@needs_sandbox
@pytest.mark.skipif(not ROOT_CGROUPS, reason="needs root where a pids cgroup can be made (the only process limit for root)")
def test_real_process_limit_as_root(tmp_path):
    code = ("import os, time\nn = 0\ntry:\n    for _ in range(300):\n        if os.fork() == 0:\n"
            "            time.sleep(5)\n            os._exit(0)\n        n += 1\n    r = 'no limit'\n"
            f"except BlockingIOError:\n    r = f'limit after {{n}}'\nopen('{INSIDE}/out.txt', 'w').write(r)")
    said = _sandboxed(tmp_path, code, Limits(processes=24))
    assert said.startswith("limit after") and int(said.split()[-1]) < 24


@needs_sandbox
@pytest.mark.skipif(not ROOT_CGROUPS, reason="needs root where a memory cgroup can be made")
def test_real_memory_limit_counts_all_processes_of_a_run(tmp_path):
    # Each child stays under its own address-space limit (200 MB); six of them at 100 MB pass the run's 400 MB.
    # The parent releases them only when each has its 100 MB or is dead: so they hold it all at once.
    code = ("import os, signal\nready_r, ready_w = os.pipe()\ngo_r, go_w = os.pipe()\nkids = []\n"
            "for _ in range(6):\n    pid = os.fork()\n    if pid == 0:\n        os.close(ready_r)\n        os.close(go_w)\n"
            "        hog = b'x' * (100 * 1024 * 1024)\n        os.write(ready_w, b'.')\n        os.close(ready_w)\n"
            "        os.read(go_r, 1)\n        os._exit(0)\n    kids.append(pid)\n"
            "os.close(ready_w)\nwhile os.read(ready_r, 64):\n    pass\nos.close(go_w)\n"
            "killed = sum(os.waitpid(k, 0)[1] & 0x7f == signal.SIGKILL for k in kids)\n"
            f"open('{INSIDE}/out.txt', 'w').write(str(killed))")
    assert int(_sandboxed(tmp_path, code, Limits(memory_mb=200))) >= 1

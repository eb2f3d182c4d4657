"""course.grading.capacity: how many workers a batch runs at once, read from fake cgroup trees and from this host's own."""

import os
from pathlib import Path

from click.testing import CliRunner

from course.cli import cli  # the CLI is imported once (slow: nbgrader), as test_cli.py does
from course.grading import capacity
from course.limits import Limits

GIB = 1024**3


def write(root: Path, files: dict[str, str]) -> Path:
    """Lay out a fake /sys/fs/cgroup: ``{"cpu/kubepods/cpu.max": "200000 100000", ...}``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def here(tmp_path: Path, files: dict[str, str], self_cgroup: str, *, limits=Limits(), environ=None, cpus=32):
    root = write(tmp_path / "cgroup", files)
    (tmp_path / "self").write_text(self_cgroup)
    return capacity.workers_here(limits, root=root, self_cgroup=tmp_path / "self", environ=environ or {}, cpus=cpus)


def v2(path: str, files: dict[str, str]) -> dict[str, str]:
    """A unified hierarchy with the cgroups on ``path``, each with the interface files a kernel would show."""
    out = {"cgroup.controllers": "cpuset cpu io memory pids", "cgroup.procs": ""}
    folder = ""
    for part in path.strip("/").split("/"):
        folder += part + "/"
        out |= {folder + "cgroup.procs": "", folder + "cpu.max": "max 100000", folder + "memory.max": "max"}
    return out | files


def test_v2_pod_cpu_limit_chooses_and_the_reason_names_the_file(tmp_path):
    files = v2("/kubepods.slice/pod1.slice/cri-1.scope", {"kubepods.slice/pod1.slice/cpu.max": "200000 100000",
                                                         "kubepods.slice/pod1.slice/memory.max": str(16 * GIB)})
    got = here(tmp_path, files, "0::/kubepods.slice/pod1.slice/cri-1.scope\n", limits=Limits(memory_mb=1024))
    assert got.workers == 2
    assert got.reason == f"2 workers: the CPU limit is 2 ({tmp_path}/cgroup/kubepods.slice/pod1.slice/cpu.max)"


def test_v2_the_strictest_cgroup_up_the_tree_wins(tmp_path):
    files = v2("/a/b/c", {"a/cpu.max": "150000 100000", "a/b/c/cpu.max": "400000 100000"})
    got = here(tmp_path, files, "0::/a/b/c\n")
    assert got.workers == 1 and "the CPU limit is 1.5" in got.reason and got.reason.endswith("/cgroup/a/cpu.max)")


def test_memory_counts_two_runs_per_worker_and_the_grader(tmp_path):
    # 4 GB pod, 32 cores: 2 x 4096 MB per worker does not fit even once; still one worker.
    files = v2("/pod", {"pod/memory.max": str(4 * GIB)})
    got = here(tmp_path, files, "0::/pod\n")
    assert got.workers == 1 and "the memory limit is 4.0 GiB" in got.reason and "two runs at 4096 MB" in got.reason
    # 20.5 GiB with 1 GB runs: (20992 - 512) / 2048 = 10 workers.
    files = v2("/pod", {"pod/memory.max": str(20 * GIB + 512 * 1024**2)})
    got = here(tmp_path, files, "0::/pod\n", limits=Limits(memory_mb=1024))
    assert got.workers == 10 and "each worker needs 2.0 GiB" in got.reason


def test_max_everywhere_leaves_the_cpus_usable(tmp_path):
    got = here(tmp_path, v2("/user.slice/grade.scope", {}), "0::/user.slice/grade.scope\n", cpus=4)
    assert got == (4, "4 workers: 4 CPUs usable (sched_getaffinity)")


def test_nothing_mounted_or_unreadable_leaves_the_cpus_usable(tmp_path):
    got = capacity.workers_here(root=tmp_path / "none", self_cgroup=tmp_path / "missing", environ={}, cpus=3)
    assert got == (3, "3 workers: 3 CPUs usable (sched_getaffinity)")
    files = v2("/pod", {"pod/cpu.max": "garbage", "pod/memory.max": ""})
    assert here(tmp_path, files, "0::/pod\n", cpus=3).workers == 3


def test_v1_quota_with_debian_cpu_cpuacct_mount(tmp_path):
    files = {"cpu,cpuacct/cgroup.procs": "", "cpu,cpuacct/cpu.cfs_quota_us": "-1", "cpu,cpuacct/cpu.cfs_period_us": "100000",
             "cpu,cpuacct/kubepods/pod1/cgroup.procs": "", "cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us": "300000",
             "cpu,cpuacct/kubepods/pod1/cpu.cfs_period_us": "100000",
             "memory/cgroup.procs": "", "memory/memory.limit_in_bytes": "9223372036854771712",
             "memory/kubepods/pod1/cgroup.procs": "", "memory/kubepods/pod1/memory.limit_in_bytes": str(32 * GIB)}
    self_cgroup = "5:cpu,cpuacct:/kubepods/pod1\n4:memory:/kubepods/pod1\n1:name=systemd:/kubepods/pod1\n"
    got = here(tmp_path, files, self_cgroup, limits=Limits(memory_mb=1024))
    assert got.workers == 3 and got.reason.endswith("/cpu,cpuacct/kubepods/pod1/cpu.cfs_quota_us)")
    files["memory/kubepods/pod1/memory.limit_in_bytes"] = str(24 * GIB)
    got = here(tmp_path, files, self_cgroup)  # 4096 MB runs: (24576 - 512) / 8192 = 2.9
    assert got.workers == 2 and got.reason.endswith("the grader 512 MB") and "pod1/memory.limit_in_bytes" in got.reason


def test_v1_unlimited_memory_is_no_limit(tmp_path):
    files = {"memory/cgroup.procs": "", "memory/memory.limit_in_bytes": "9223372036854771712"}
    assert here(tmp_path, files, "4:memory:/\n", cpus=5).workers == 5


def test_a_container_that_sees_its_own_cgroup_at_the_root(tmp_path):
    # /proc/self/cgroup names the host's path, which is not in the container's mount: read the mount's root.
    files = v2("/", {"cpu.max": "100000 100000"}) | {"cgroup.controllers": "cpu memory pids"}
    assert here(tmp_path, files, "0::/docker/0123abcd\n").workers == 1


def test_the_spawners_env_limits(tmp_path):
    got = here(tmp_path, {}, "", environ={"CPU_LIMIT": "2.0"}, cpus=8)
    assert got == (2, "2 workers: the CPU limit is 2 (CPU_LIMIT)")
    got = here(tmp_path, {}, "", environ={"MEM_LIMIT": str(4 * GIB), "CPU_LIMIT": "8"}, cpus=8)
    assert got.workers == 1 and "(MEM_LIMIT)" in got.reason
    got = here(tmp_path, {}, "", environ={"MEM_LIMIT": str(12 * GIB)}, limits=Limits(memory_mb=1024), cpus=8)
    assert got.workers == 5  # (12288 - 512) / 2048 = 5.75
    assert here(tmp_path, {}, "", environ={"CPU_LIMIT": "lots", "MEM_LIMIT": "-1"}, cpus=8).workers == 8
    assert here(tmp_path, {}, "", environ={"CPU_LIMIT": "0.5"}, cpus=8) == (1, "1 worker: the CPU limit is 0.5 (CPU_LIMIT)")


def test_the_stricter_of_cgroup_and_env(tmp_path):
    files = v2("/pod", {"pod/memory.max": str(3 * GIB)})
    got = here(tmp_path, files, "0::/pod\n", environ={"MEM_LIMIT": str(8 * GIB)}, limits=Limits(memory_mb=256))
    assert got.workers == 5 and "pod/memory.max" in got.reason  # (3072 - 512) / 512 = 5


def _independent_answer() -> int:
    """This host's answer, computed here from the real files without course.grading.cgroups."""
    bounds = [len(os.sched_getaffinity(0))]
    memory = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                if (mount / "cgroup.controllers").exists():
                    folder = mount / path.lstrip("/") if (mount / path.lstrip("/")).is_dir() else mount
                    for d in [folder, *folder.parents]:
                        if not d.is_relative_to(mount):
                            break
                        if (d / "cpu.max").exists() and not (d / "cpu.max").read_text().startswith("max"):
                            quota, period = map(int, (d / "cpu.max").read_text().split())
                            bounds.append(quota / period)
                        if (d / "memory.max").exists() and (d / "memory.max").read_text().strip() != "max":
                            memory.append(int((d / "memory.max").read_text()))
                    break
            continue
        for name in controllers.split(","):
            mount = Path("/sys/fs/cgroup") / controllers
            if not (mount / "cgroup.procs").exists():
                mount = Path("/sys/fs/cgroup") / name
            folder = mount / path.lstrip("/") if (mount / path.lstrip("/")).is_dir() else mount
            for d in [folder, *folder.parents]:
                if not d.is_relative_to(mount):
                    break
                if name == "cpu" and (d / "cpu.cfs_quota_us").exists():
                    quota = int((d / "cpu.cfs_quota_us").read_text())
                    if quota > 0:
                        bounds.append(quota / int((d / "cpu.cfs_period_us").read_text()))
                if name == "memory" and (d / "memory.limit_in_bytes").exists():
                    value = int((d / "memory.limit_in_bytes").read_text())
                    if value < 1 << 62:
                        memory.append(value)
    for var, into in (("CPU_LIMIT", bounds), ("MEM_LIMIT", memory)):
        if os.environ.get(var):
            into.append(float(os.environ[var]))
    if memory:
        bounds.append((min(memory) / 1024**2 - 512) / (2 * Limits().memory_mb))
    return max(1, int(min(bounds)))


def test_this_host_matches_an_independent_reading_of_its_files():
    got = capacity.workers_here()
    assert got.workers == _independent_answer()
    assert got.reason.startswith(f"{got.workers} worker")


def test_the_cli_leaves_the_workers_to_the_batch_unless_told(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from course.grading import dropin

    # The batch itself is a stand-in here (tests/e2e/test_dropin_edges.py runs the real one and checks the line
    # it says): this checks that the CLI passes --workers through, and None when not given.
    def batch(assignment, *, progress, workers, **_):
        progress("Autograding 3 submissions")
        seen.append(workers)
        return SimpleNamespace(rows=[], seconds=0.0, ok=True)

    seen = []
    monkeypatch.setattr(dropin, "autograde", batch)
    runner = CliRunner()
    chosen = runner.invoke(cli, ["autograde", "ps1", "--course", str(tmp_path)])
    told = runner.invoke(cli, ["autograde", "ps1", "--course", str(tmp_path), "--workers", "3"])
    assert seen == [None, 3] and told.exit_code == chosen.exit_code == 0
    # Bad input stops before any progress: still one line.
    monkeypatch.undo()
    failed = runner.invoke(cli, ["autograde", "ps1", "--course", str(tmp_path / "none")])
    assert failed.exit_code == 1 and "worker" not in failed.output


def test_a_batch_sizes_its_workers_to_the_assignments_own_limits(monkeypatch):
    # 6.5 GiB for the grader: 512 MB for itself, and one worker of two 3000 MB runs fits, two do not
    monkeypatch.setenv("MEM_LIMIT", str((512 + 2 * 3000 + 100) * 2**20))
    workers, why = capacity.choose(None, Limits(memory_mb=3000))
    assert workers == 1 and "each worker needs 5.9 GiB" in why and why.endswith("(choose with --workers N)")
    # the default limits' 4096 MB runs would not fit even one worker: still one, and it says so
    assert capacity.choose(None, Limits())[0] == 1
    # small runs: the memory holds many, so the CPUs decide
    assert capacity.choose(None, Limits(memory_mb=256))[0] == capacity.workers_here(Limits(memory_mb=256)).workers
    assert capacity.choose(2, Limits(memory_mb=3000)) == (2, None)  # the instructor's choice is kept, silently

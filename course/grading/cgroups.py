"""The cgroups this process runs in: the CPU and memory limits over it, and a cgroup of its own for each sandboxed run.

Linux mounts cgroups in one of two layouts, and a host may mix them:

* v1: one hierarchy per controller (``/sys/fs/cgroup/pids``, ``/sys/fs/cgroup/memory``, ``/sys/fs/cgroup/cpu`` ...);
* v2: one unified hierarchy at ``/sys/fs/cgroup`` (it has ``cgroup.controllers``), today's Debian and Ubuntu
  default. A hybrid host keeps v1 for the controllers and a unified hierarchy without them at
  ``/sys/fs/cgroup/unified``.

``/proc/self/cgroup`` says where this process is in each (``4:memory:/a/b`` for v1, ``0::/a/b`` for v2).
Both paths are parameters (``root``, ``self_cgroup``), so tests can hand in a fake tree.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from course.limits import Limits

ROOT = Path("/sys/fs/cgroup")
SELF = Path("/proc/self/cgroup")
#: v1 writes "no memory limit" as a huge number (9223372036854771712).
UNLIMITED = 1 << 62
#: Each run's cgroup is named so (a prefix, then 12 random hex digits).
RUN_PREFIX = "course-sandbox-"
#: On v2, the leaf the grader's own processes move to, so that its cgroup may have run cgroups beside them.
GRADER_LEAF = "course-grader"
MB = 1024 * 1024

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where this process is: its folder in each v1 hierarchy, and in the unified (v2) one."""

    v1: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # controller -> (the hierarchy's mount, our folder)
    unified: Path | None = None  # the v2 mount: ROOT itself, or ROOT/unified on a hybrid host
    v2: Path | None = None  # our folder in it


def where(root: Path = ROOT, self_cgroup: Path = SELF) -> Place:
    """Where this process is in the cgroup hierarchies mounted under ``root``, as ``self_cgroup`` says."""
    try:
        lines = self_cgroup.read_text().splitlines()
    except OSError:
        lines = []
    unified = next((m for m in (root, root / "unified") if (m / "cgroup.controllers").is_file()), None)
    v1: dict[str, tuple[Path, Path]] = {}
    v2 = None
    for line in lines:
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if not controllers:
            if unified is not None:
                v2 = _inside(unified, path)
            continue
        names = [c for c in controllers.split(",") if c and not c.startswith("name=")]
        # Debian mounts cpu and cpuacct together at cpu,cpuacct (with a link for each name).
        for mount in [root / controllers, *(root / n for n in names)]:
            if (mount / "cgroup.procs").is_file() and not (mount / "cgroup.controllers").exists():
                for name in names:
                    v1.setdefault(name, (mount, _inside(mount, path)))
                break
    return Place(v1, unified, v2)


def _inside(mount: Path, path: str) -> Path:
    """Our folder in ``mount``; the mount itself where ``path`` is not in it (a container that sees its own
    cgroup at the mount's root while /proc/self/cgroup names the host's path)."""
    folder = mount / path.strip("/")
    return folder if folder.is_dir() else mount


def _upwards(folder: Path, mount: Path):
    """``folder`` and each of its parents up to ``mount``: a limit set on any of them applies."""
    while True:
        yield folder
        if folder == mount or mount not in folder.parents:
            return
        folder = folder.parent


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def cpu_limit(place: Place) -> tuple[float, Path] | None:
    """The strictest CPU quota over this process, in CPUs, and the file that sets it; None if there is none.

    v2: ``cpu.max`` ("quota period", or "max period"); v1: ``cpu.cfs_quota_us`` (-1: none) over ``cpu.cfs_period_us``.
    """
    found: list[tuple[float, Path]] = []
    if place.v2 is not None and place.unified is not None:
        for folder in _upwards(place.v2, place.unified):
            parts = (_read(folder / "cpu.max") or "").split()
            quota, period = (_int(parts[0]), _int(parts[1])) if len(parts) == 2 else (None, None)
            if quota and period and quota > 0 and period > 0:
                found.append((quota / period, folder / "cpu.max"))
    if "cpu" in place.v1:
        mount, ours = place.v1["cpu"]
        for folder in _upwards(ours, mount):
            quota, period = _int(_read(folder / "cpu.cfs_quota_us")), _int(_read(folder / "cpu.cfs_period_us"))
            if quota and period and quota > 0 and period > 0:
                found.append((quota / period, folder / "cpu.cfs_quota_us"))
    return min(found, key=lambda f: f[0]) if found else None


def memory_limit(place: Place) -> tuple[int, Path] | None:
    """The strictest memory limit over this process, in bytes, and the file that sets it; None if there is none.

    v2: ``memory.max`` (a number, or "max"); v1: ``memory.limit_in_bytes`` (a huge number for none).
    """
    found: list[tuple[int, Path]] = []
    if place.v2 is not None and place.unified is not None:
        for folder in _upwards(place.v2, place.unified):
            value = _int(_read(folder / "memory.max"))
            if value is not None and 0 < value < UNLIMITED:
                found.append((value, folder / "memory.max"))
    if "memory" in place.v1:
        mount, ours = place.v1["memory"]
        for folder in _upwards(ours, mount):
            value = _int(_read(folder / "memory.limit_in_bytes"))
            if value is not None and 0 < value < UNLIMITED:
                found.append((value, folder / "memory.limit_in_bytes"))
    return min(found, key=lambda f: f[0]) if found else None


# ---------------------------------------------------------------- a cgroup per run


def _pids(folder: Path) -> list[int]:
    """The processes in the cgroup ``folder``."""
    return [p for p in (_int(t) for t in (_read(folder / "cgroup.procs") or "").split()) if p]


def _ours(pid: int) -> bool:
    """True if ``pid`` is this process or one it started (directly or not)."""
    me = os.getpid()
    for _ in range(64):
        if pid == me:
            return True
        stat = _read(Path(f"/proc/{pid}/stat"))
        if stat is None or pid <= 1:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent's pid, after the command name
    return False


def _enabled(folder: Path, controllers: list[str]) -> bool:
    return set(controllers) <= {c.lstrip("+") for c in (_read(folder / "cgroup.subtree_control") or "").split()}


def v2_parent(place: Place, controllers: list[str]) -> tuple[Path | None, str]:
    """The v2 cgroup to make run cgroups in, with ``controllers`` enabled for its children; else (None, why not).

    It is this process's own cgroup, as a container runtime or systemd does it: v2 lets a cgroup either hold
    processes or hand controllers to children (the "no internal processes" rule, the root cgroup excepted).
    So where our cgroup holds only the grader's own processes, they move to a leaf beside the runs
    (``<ours>/course-grader``) and the controllers are enabled in ``<ours>/cgroup.subtree_control``. A cgroup
    that holds anyone else's processes (an ssh session, a Jupyter server) is left alone.
    """
    ours, unified = place.v2, place.unified
    if ours is None or unified is None:
        return None, "no cgroup v2 hierarchy"
    if ours.name == GRADER_LEAF and ours != unified and _enabled(ours.parent, controllers):
        return ours.parent, ""  # moved there by this grader (or its parent) already
    available = set((_read(ours / "cgroup.controllers") or "").split())
    lacking = [c for c in controllers if c not in available]
    if lacking:
        return None, f"the {' and '.join(lacking)} controller is not available to {ours} (see its cgroup.controllers)"
    if not all(os.access(p, os.W_OK) for p in (ours, ours / "cgroup.procs", ours / "cgroup.subtree_control")):
        return None, (f"{ours} is not writable by this user: grade as root, or in a cgroup delegated to you "
                      "(systemd-run --scope -p Delegate=yes course grade ...)")
    if _enabled(ours, controllers):
        return ours, ""
    for _ in range(3):  # a process forked meanwhile lands in ours: move it too, and enable again
        if (ours / "cgroup.events").is_file():  # not the root cgroup: its processes must leave first
            procs = _pids(ours)
            strangers = [p for p in procs if not _ours(p)]
            if strangers:
                return None, (f"{ours} also holds processes that are not the grader's (pid {strangers[0]}): give the "
                              "grader a cgroup of its own (systemd-run --scope -p Delegate=yes course grade ...)")
            leaf = ours / GRADER_LEAF
            try:
                leaf.mkdir(exist_ok=True)
                for pid in procs:
                    try:
                        (leaf / "cgroup.procs").write_text(str(pid))
                    except ProcessLookupError:
                        continue  # it ended meanwhile
            except OSError as e:
                return None, f"cannot move the grader into {leaf} ({e.strerror})"
        try:
            (ours / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in controllers))
            return ours, ""
        except OSError as e:
            why = f"cannot enable {' and '.join(controllers)} in {ours}/cgroup.subtree_control ({e.strerror})"
            if e.errno != errno.EBUSY:
                break
    return None, why


_said: set[str] = set()


def _no_cgroup(why: str) -> None:
    """Say once per process why runs get no cgroup: a warning as root (no process limit then), else a debug line."""
    if why in _said:
        return
    _said.add(why)
    if os.geteuid() == 0:
        _log.warning("Sandboxed runs get no cgroup (%s): as root they have no process limit, and memory is limited "
                     "per process only (RLIMIT_AS).", why)
    else:
        _log.debug("Sandboxed runs get no cgroup (%s): limited by RLIMIT_NPROC and RLIMIT_AS.", why)


def _rmdir(folder: Path) -> None:
    folder.rmdir()


#: A run's cgroup older than this with nothing in it was left by a grader that was killed.
STALE_SECONDS = 3600
_swept: set[Path] = set()


def sweep(parent: Path) -> list[Path]:
    """Remove the empty run cgroups in ``parent`` left by a grader killed before it could (once per process).

    Only those older than :data:`STALE_SECONDS`: a live run joins its cgroup within a second of making it,
    and the kernel refuses to remove a cgroup that holds a process.
    """
    if parent in _swept:
        return []
    _swept.add(parent)
    removed = []
    try:
        old = [d for d in parent.iterdir() if d.name.startswith(RUN_PREFIX) and time.time() - d.stat().st_mtime > STALE_SECONDS]
    except OSError:
        return []
    for folder in old:
        if not _pids(folder):
            try:
                _rmdir(folder)
                removed.append(folder)
            except OSError:
                continue
    return removed


class RunCgroup:
    """The cgroup of one sandboxed run: at most ``limits.processes`` processes and threads, at most twice
    ``limits.memory_mb`` of memory for all of them, everything in it killed on :meth:`close`.

    Made where this process may: as root on cgroup v1 (one cgroup in each of the pids and memory
    hierarchies, at its top), or on v2 as root or in a delegated cgroup (one cgroup with both, in the
    grader's own: :func:`v2_parent`). Elsewhere it holds nothing and the run has its rlimits only.
    """

    def __init__(self, limits: Limits, *, root: Path = ROOT, self_cgroup: Path = SELF):
        self.dirs: list[Path] = []
        name = f"{RUN_PREFIX}{uuid.uuid4().hex[:12]}"
        place = where(root, self_cgroup)
        memory = str(limits.memory_mb * 2 * MB)
        v1 = {"pids": {"pids.max": str(limits.processes)}, "memory": {"memory.limit_in_bytes": memory}}
        for controller, values in v1.items():
            if controller not in place.v1:
                continue
            mount = place.v1[controller][0]
            if os.access(mount, os.W_OK):
                self._make(mount / name, values)
        v2 = [c for c in v1 if c not in place.v1]  # what v1 does not have, v2 may (on a v2 host, both)
        if v2 and place.unified is not None:
            parent, why = v2_parent(place, v2)
            if parent is None:
                _no_cgroup(why)
                return
            values = {"pids": {"pids.max": str(limits.processes)},
                      "memory": {"memory.max": memory, "memory.swap.max": "0"}}
            self._make(parent / name, {k: v for c in v2 for k, v in values[c].items()})
        elif not self.dirs:
            _no_cgroup("no writable pids or memory cgroup" if place.v1 or place.unified else "no cgroups mounted")

    def _make(self, folder: Path, values: dict[str, str]) -> None:
        sweep(folder.parent)
        try:
            folder.mkdir()
        except OSError as e:
            _no_cgroup(f"cannot make {folder} ({e.strerror})")
            return
        self.dirs.append(folder)  # close() removes it, even if a limit below could not be written
        for key, value in values.items():
            try:
                (folder / key).write_text(value)
            except OSError as e:
                if key != "memory.swap.max":  # absent where the kernel does not count swap
                    _no_cgroup(f"cannot write {folder / key} ({e.strerror})")

    def join(self) -> None:
        """Move the calling process into the cgroups (called in the child before exec: no race with its children)."""
        for d in self.dirs:
            try:
                with open(d / "cgroup.procs", "w") as fh:
                    fh.write("0")
            except OSError:
                pass

    def close(self) -> None:
        """Kill everything in the cgroups (``cgroup.kill`` where the kernel has it), then remove them."""
        for d in self.dirs:
            if (d / "cgroup.kill").is_file():  # v2 since Linux 5.14; else one by one below
                try:
                    (d / "cgroup.kill").write_text("1")
                except OSError:
                    pass
            for _ in range(50):
                alive = False
                for pid in (p for p in _pids(d) if p != os.getpid()):
                    try:
                        os.kill(pid, signal.SIGKILL)
                        alive = True
                    except OSError:
                        continue
                if not alive:
                    break
                time.sleep(0.02)
            for _ in range(50):
                try:
                    _rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno not in (errno.EBUSY, errno.ENOTEMPTY):
                        break
                    time.sleep(0.02)
        self.dirs = []

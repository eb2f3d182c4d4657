"""How many submissions a batch executes at once: sized to the CPUs and memory this process may use.

``course grade`` and ``course autograde`` take :func:`workers_here` as their default ``--workers``
and say why. On a hub the grader runs in a pod or a systemd unit whose CPU and memory limits are
far below the machine's (32 cores, a 4 GB pod): the machine's core count would start more
sandboxes than the limits hold.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Mapping, NamedTuple

from course.grading import cgroups
from course.limits import Limits

#: Memory kept for the grading process itself (nbgrader, the gradebook, the batch's bookkeeping).
PARENT_MB = 512


class Capacity(NamedTuple):
    """A number of workers, and one line saying which limit chose it."""

    workers: int
    reason: str


def _positive(text: str | None) -> float | None:
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _gib(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB"


def workers_here(limits: Limits = Limits(), *, root: Path = cgroups.ROOT, self_cgroup: Path = cgroups.SELF,
                 environ: Mapping[str, str] | None = None, cpus: int | None = None) -> Capacity:
    """The most workers this process can run at once, and why: the smallest of

    * the CPU quota of its cgroup (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``, the strictest up the tree);
    * ``CPU_LIMIT``, which JupyterHub's spawners (KubeSpawner, Zero to JupyterHub, systemdspawner) set;
    * the memory limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``, or ``MEM_LIMIT`` in bytes), less
      :data:`PARENT_MB` for the grader, over what one worker needs (``limits.worker_memory_mb``);
    * the CPUs it may run on (``sched_getaffinity``).

    Rounded down, and at least 1. ``root``, ``self_cgroup``, ``environ`` and ``cpus`` default to this
    process's own (tests pass fake ones).
    """
    environ = os.environ if environ is None else environ
    if cpus is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    place = cgroups.where(root, self_cgroup)
    bounds: list[tuple[float, str]] = []  # in this order when two give the same number
    quota = cgroups.cpu_limit(place)
    if quota is not None:
        bounds.append((quota[0], f"the CPU limit is {quota[0]:g} ({quota[1]})"))
    cpu_env = _positive(environ.get("CPU_LIMIT"))
    if cpu_env is not None:
        bounds.append((cpu_env, f"the CPU limit is {cpu_env:g} (CPU_LIMIT)"))
    memories: list[tuple[float, str]] = []
    limit = cgroups.memory_limit(place)
    if limit is not None:
        memories.append((float(limit[0]), str(limit[1])))
    mem_env = _positive(environ.get("MEM_LIMIT"))
    if mem_env is not None:
        memories.append((mem_env, "MEM_LIMIT"))
    if memories:
        memory, source = min(memories)
        memory_mb = memory / (1024 * 1024)
        bounds.append(((memory_mb - PARENT_MB) / limits.worker_memory_mb,
                       f"the memory limit is {_gib(memory_mb)} ({source}); each worker needs {_gib(limits.worker_memory_mb)} "
                       f"(two runs at {limits.memory_mb} MB) and the grader {PARENT_MB} MB"))
    bounds.append((float(cpus), f"{cpus} CPU{'s' if cpus != 1 else ''} usable (sched_getaffinity)"))
    value, why = min(bounds, key=lambda b: b[0])
    workers = max(1, math.floor(value))
    return Capacity(workers, f"{workers} worker{'s' if workers != 1 else ''}: {why}")


def choose(workers: int | None, limits: Limits) -> tuple[int, str | None]:
    """The workers a batch runs: ``workers`` when the instructor chose them, else :func:`workers_here` sized to
    the assignment's own ``limits``; and the line that says why (``None`` when the instructor chose)."""
    if workers is not None:
        return workers, None
    here = workers_here(limits)
    return here.workers, f"{here.reason} (choose with --workers N)"

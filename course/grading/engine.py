"""How a notebook run reaches a sandbox: pre-loaded zygotes (fast), a fresh sandbox and kernel per run, or none.

An engine is an object that whoever grades owns and passes down (the workspace for
nbgrader's chain, ``course check`` for one notebook): nothing here is chosen by global state.
``engine.run(nb, limits, mode, files, preload)`` returns, for every engine, the executed
notebook (or None), the runner's report (plain JSON), how the sandbox ended, and the
``answers/*.json`` files the run wrote. Only files cross, never objects.

- :class:`ZygoteEngine` (default where it works): two long-lived bubblewrap sandboxes per
  engine, each with a zygote (``inside/zygote.py``) that imported the notebook's packages
  once; each run is a forked child, in ``student`` mode isolated in its own namespaces.
  About 0.3 s of overhead per run instead of 2–3 s of kernel start and imports. Where nested
  namespaces are not allowed it falls back, for good, to fresh sandboxes.
- :class:`FreshEngine`: a new sandbox and a new Jupyter kernel per run (``inside/runner.py``).
- :class:`LocalEngine`: no sandbox, for ``course check`` of a learner's own notebook only.
"""

from __future__ import annotations

import ast
import atexit
import multiprocessing.util
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat

from course.grading import sandbox
from course.grading.inside.calls import SOCKET
from course.grading.inside.contract import INSIDE
from course.grading.sandbox import Outcome
from course.limits import Limits

MAX_JSON_BYTES = 50 * 1024 * 1024
BASE_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "IPython", "ipywidgets")
STARTUP_SECONDS = 120


def imports_of(nb) -> list[str]:
    """The modules a notebook's code cells import (parsed, never run), with the base scientific stack."""
    names: list[str] = list(BASE_MODULES)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:  # not Python: nothing to learn from this cell
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)
                # `from course import plots` imports a module: preload it too (failures are ignored).
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return list(dict.fromkeys(names))


def _read_json(path: Path):
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_JSON_BYTES:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _answers(folder: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    answers = folder / "answers"
    if answers.is_dir() and not answers.is_symlink():
        for path in answers.glob("*.json"):
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_JSON_BYTES:
                out[path.name] = path.read_bytes()
    return out


def _place(folder: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = folder / "answers" / Path(name).name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)


#: Files of an assignment never copied into a run: notebooks (the run gets its own), caches, checkpoints.
_NOT_ASSETS = (".ipynb_checkpoints", "__pycache__", ".course-graded.json")
MAX_ASSETS_BYTES = 512 * 1024 * 1024


def _copy_assets(src: Path | None, dest: Path) -> list[str]:
    """Copy an assignment's files (data, images, helper modules) into a run's folder, read-only; return their paths.

    Regular files only: a symbolic link is never followed, and notebooks are left out (each run
    gets its own). Everything the run writes stays in its folder, which is wiped after it.
    """
    if src is None or not Path(src).is_dir() or Path(src).is_symlink():
        return []
    src, copied, total = Path(src), [], 0
    for here, dirs, files in os.walk(src, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_ASSETS and not (Path(here) / d).is_symlink())
        for name in sorted(files):
            path = Path(here) / name
            rel = path.relative_to(src)
            if name.endswith(".ipynb") or name in _NOT_ASSETS or path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_ASSETS_BYTES:
                raise OSError(f"the assignment's files are larger than {MAX_ASSETS_BYTES // 2**20} MB")
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            target.chmod(0o444)
            copied.append(str(rel))
    return copied


def _wipe(folder: Path) -> None:
    """Remove everything in ``folder`` (a student's run may leave read-only folders behind)."""
    def unlock(func, path, exc):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    for entry in list(folder.iterdir()) if folder.is_dir() else []:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, onerror=unlock)
        else:
            try:
                entry.unlink()
            except OSError:
                pass


class Relay:
    """Carries the frames of ``inside/calls.py`` between a student's run and its test run, each in its own sandbox.

    It listens on a Unix socket in each run's folder (the only path the two sandboxes have to
    each other, through this process) and copies bytes both ways. When one run ends, the other
    sees the channel close; a run that never connects is treated the same way.
    """

    def __init__(self):
        self.listeners: dict[str, socket.socket] = {}
        self.ended = {"student": threading.Event(), "trusted": threading.Event()}
        self.thread: threading.Thread | None = None

    def listen(self, side: str, folder: Path) -> None:
        path = str(Path(folder) / SOCKET)
        if len(path.encode()) > 100:
            raise OSError(f"the grading folder's path is too long for a socket ({path}): set TMPDIR to a shorter folder")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        self.listeners[side] = listener

    def start(self) -> None:
        self.thread = threading.Thread(target=self._pump, name="course-relay", daemon=True)
        self.thread.start()

    def _accept(self, side: str) -> socket.socket | None:
        listener = self.listeners[side]
        while not (self.ended[side].is_set() or self.ended["student" if side == "trusted" else "trusted"].is_set()):
            if select.select([listener], [], [], 0.05)[0]:
                return listener.accept()[0]
        return None

    def _pump(self) -> None:
        conns: dict[str, socket.socket] = {}
        try:
            for side in ("trusted", "student"):
                conn = self._accept(side)
                if conn is None:
                    return
                conns[side] = conn
                self.listeners[side].close()  # one connection per side: a second one is refused, never left waiting
            peer = {conns["trusted"]: conns["student"], conns["student"]: conns["trusted"]}
            while True:
                ready = select.select(list(peer), [], [], 0.1)[0]
                if not ready and (self.ended["trusted"].is_set() or self.ended["student"].is_set()):
                    return
                for conn in ready:
                    data = conn.recv(1 << 20)
                    if not data:
                        return
                    peer[conn].sendall(data)
        except OSError:
            return
        finally:
            for conn in conns.values():
                conn.close()

    def close(self) -> None:
        for event in self.ended.values():
            event.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        for listener in self.listeners.values():
            listener.close()


class _Engine:
    """What every engine shares: a memo for the grading core, and being a handle (copies share it)."""

    name = "?"

    def __init__(self):
        #: Results the grading core computes once per notebook (the solution's probe inputs), kept for this engine's life.
        self.memo: dict[str, object] = {}

    def __deepcopy__(self, memo):
        # nbgrader's configuration hands trait values to each step through deepcopy: an engine
        # is a handle on processes, so every step must get this same one.
        return self

    def close(self) -> None:
        pass

    def run(self, nb, limits: Limits, mode: str, files: dict[str, bytes] | None = None, preload=(), assets: Path | None = None):
        """Run one notebook alone (``mode`` ``student`` or ``trusted``); see the module's docstring for the result.

        ``assets``: a folder whose files (not its notebooks) the run sees at the same relative paths.
        """
        return self._finish(self._start(nb, limits, mode, files, preload, lambda d: _copy_assets(assets, d)))

    def run_pair(self, student_nb, trusted_nb, limits: Limits, preload=(), student_assets: Path | None = None,
                 test_assets: Path | None = None):
        """Run a student's notebook and its test run at once, joined by a :class:`Relay` (``inside/calls.py``).

        ``student_assets`` and ``test_assets``: the folders whose files each run sees (the
        student's submission with the assignment's files; the instructor's assignment folder).
        Returns ``(student result, test result)``, each as :meth:`run` returns it.
        """
        relay = Relay()

        def prepare(side: str, assets: Path | None):
            def within(folder: Path) -> None:
                _copy_assets(assets, folder)
                relay.listen(side, folder)
            return within

        try:
            trusted = self._start(trusted_nb, limits, "trusted", None, preload, prepare("trusted", test_assets))
            try:
                student = self._start(student_nb, limits, "student", None, preload, prepare("student", student_assets))
            except BaseException:
                relay.ended["student"].set()
                self._finish(trusted)
                raise
            relay.start()
            s_result = self._finish(student)
            relay.ended["student"].set()
            t_result = self._finish(trusted)
            return s_result, t_result
        finally:
            relay.close()

    def close_on_worker_exit(self) -> None:
        """Close this engine when a pool worker ends (it leaves through os._exit, past atexit)."""
        multiprocessing.util.Finalize(None, self.close, exitpriority=10)


class FreshEngine(_Engine):
    """A new bubblewrap sandbox and a new Jupyter kernel for every run (inside/runner.py)."""

    name = "fresh"

    def _start(self, nb, limits: Limits, mode: str, files=None, preload=(), prepare=None):
        d = Path(tempfile.mkdtemp(prefix=f"course-{mode}-"))
        try:
            _place(d, files or {})
            nbformat.write(nb, d / "in.ipynb")
            if prepare is not None:
                prepare(d)
            return d, self._launch(d, limits)
        except BaseException:
            shutil.rmtree(d, ignore_errors=True)
            raise

    def _finish(self, job):
        d, running = job
        try:
            outcome = running.wait()
            report = _read_json(d / "result.json")
            executed = None
            out = d / "out.ipynb"
            if out.is_file() and not out.is_symlink() and out.stat().st_size <= MAX_JSON_BYTES:
                try:
                    executed = nbformat.read(str(out), as_version=4)
                except Exception:  # truncated or tampered: treat as not run
                    executed = None
            return executed, report if isinstance(report, dict) else {}, outcome, _answers(d)
        finally:
            _wipe(d)
            shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def _command(folder: str, limits: Limits) -> list[str]:
        return [sandbox.python_executable(), "-m", "course.grading.inside.runner", f"{folder}/in.ipynb", f"{folder}/out.ipynb",
                f"{folder}/result.json", str(limits.cell_seconds), str(limits.output_mb * 1024 * 1024)]

    def _launch(self, folder: Path, limits: Limits) -> sandbox.Running:
        return sandbox.start(self._command(INSIDE, limits), folder, limits)


class LocalEngine(FreshEngine):
    """No sandbox: a plain child process and kernel per run, with the wall-time limit only.

    Only for code its owner trusts: ``course check`` on a learner's own notebook, on a
    machine where no sandbox can start (macOS, Windows, Binder). Grading a class never uses it.
    """

    name = "local"

    def _launch(self, folder: Path, limits: Limits) -> sandbox.Running:
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
        return sandbox.Running(self._command(str(folder.resolve()), limits), limits.wall_seconds, cwd=folder, env=env)


class ZygoteUnavailable(RuntimeError):
    pass


class Zygote:
    """One bubblewrap sandbox holding a pre-loaded ``inside/zygote.py`` process; runs jobs one at a time."""

    def __init__(self, mode: str, modules: list[str], limits: Limits):
        self.mode, self.modules, self.limits = mode, modules, limits
        self.owner = os.getpid()
        self.cpu = 0.0  # CPU seconds of the runs this zygote finished (benchmarks/worker.py reports them by mode)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"course-zygote-{mode}-"))
        self.proc: subprocess.Popen | None = None
        self.cgroup = None
        self._start()

    def _start(self) -> None:
        bwrap = sandbox.check_available()
        self.scratch.mkdir(parents=True, exist_ok=True)
        command = [sandbox.python_executable(), "-m", "course.grading.inside.zygote", self.mode, json.dumps(self.modules)]
        from course.grading.inside.zygote import ZYGOTE_CAPS

        argv = sandbox.bwrap_argv(self.scratch, command, bwrap, ZYGOTE_CAPS if self.mode == "student" else ())
        # The zygote and its one running child share these limits; each child also has its own rlimits.
        self.cgroup = sandbox.PidsCgroup(Limits(processes=self.limits.processes + 16, memory_mb=self.limits.memory_mb + 512))
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     preexec_fn=self._preexec, start_new_session=True)
        hello = self._readline(STARTUP_SECONDS)
        if not hello or not hello.get("ready") or not hello.get("isolated"):
            self.close()
            raise ZygoteUnavailable("the sandbox could not start a pre-loaded grading process with isolated runs")

    def _preexec(self) -> None:
        self.cgroup.join()
        if os.geteuid() != 0:
            import resource

            resource.setrlimit(resource.RLIMIT_NPROC,
                               (self.limits.processes + 16 + sandbox.own_processes(), resource.RLIM_INFINITY))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.owner == os.getpid()

    def _readline(self, timeout: float) -> dict | None:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        try:
            return json.loads(line) if line else None
        except ValueError:
            return None

    def start(self, nb, limits: Limits, files: dict[str, bytes] | None = None, prepare=None) -> dict:
        """Hand one job to the zygote; :meth:`finish` waits for it."""
        if not self.alive():
            self.close()
            self._start()
        job = uuid.uuid4().hex[:16]
        folder = self.scratch / job
        folder.mkdir()
        _place(folder, files or {})
        (folder / "in.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        if prepare is not None:
            prepare(folder)
        request = {"job": job, "wall_seconds": limits.wall_seconds, "cell_seconds": limits.cell_seconds,
                   "cpu_seconds": limits.cpu_seconds, "memory_mb": limits.memory_mb, "output_mb": limits.output_mb,
                   "max_output": limits.output_mb * 1024 * 1024}
        sent = True
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            sent = False
        return {"folder": folder, "nb": nb, "limits": limits, "started": time.perf_counter(), "sent": sent}

    def finish(self, job: dict):
        folder, limits, started = job["folder"], job["limits"], job["started"]
        try:
            reply = self._readline(max(0.0, limits.wall_seconds + 30 - (time.perf_counter() - started))) if job["sent"] else None
            if reply is None or "returncode" not in reply:  # the zygote itself died or hung: start afresh next time
                self.close()
                outcome = Outcome(-signal.SIGKILL, time.perf_counter() - started, timed_out=reply is None and self._was_slow(started, limits))
            else:
                outcome = Outcome(int(reply["returncode"]), float(reply["seconds"]), bool(reply["timed_out"]),
                                  cpu=float(reply.get("cpu", 0.0)))
                self.cpu += outcome.cpu
            executed, report = self._collect(folder, job["nb"])
            return executed, report, outcome, _answers(folder)
        finally:
            _wipe(self.scratch)

    def run(self, nb, limits: Limits, files: dict[str, bytes] | None = None):
        return self.finish(self.start(nb, limits, files))

    @staticmethod
    def _was_slow(started: float, limits: Limits) -> bool:
        return time.perf_counter() - started >= limits.wall_seconds

    @staticmethod
    def _collect(folder: Path, nb):
        """The executed notebook from progress.jsonl (kept even if the run died half-way), and the report."""
        executed = nbformat.from_dict(json.loads(json.dumps(nb)))
        for cell in executed.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        ran: list[int] = []
        progress = folder / "progress.jsonl"
        if progress.is_file() and not progress.is_symlink() and progress.stat().st_size <= MAX_JSON_BYTES:
            for line in progress.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                    index = int(entry["index"])
                    cell = executed.cells[index]
                    if cell.cell_type != "code":
                        continue
                    cell.outputs = [nbformat.from_dict(o) for o in entry.get("outputs", []) if isinstance(o, dict)]
                    count = entry.get("execution_count")
                    cell.execution_count = count if isinstance(count, int) else None
                    ran.append(index)
                except (ValueError, KeyError, IndexError, TypeError):
                    continue
        report = _read_json(folder / "result.json")
        if not isinstance(report, dict):
            report = {"status": "dead-kernel", "detail": "the kernel died (os._exit, a crash, or the memory limit)", "ran": ran}
        return executed, report

    def close(self) -> None:
        if self.proc is not None and self.owner == os.getpid():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            if self.cgroup is not None:
                self.cgroup.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.proc = None


class ZygoteEngine(_Engine):
    """Pre-loaded zygotes (one for students' runs, one for test runs, per set of imports), started on first use.

    Where the machine does not let a zygote isolate its runs, every later run of this engine
    gets a fresh sandbox instead (:class:`FreshEngine`).
    """

    name = "zygote"

    def __init__(self):
        super().__init__()
        self.zygotes: dict[tuple, Zygote] = {}
        self.fallback: FreshEngine | None = None
        atexit.register(self.close)

    def _start(self, nb, limits: Limits, mode: str, files=None, preload=(), prepare=None):
        if self.fallback is None:
            modules = list(dict.fromkeys([*BASE_MODULES, *preload]))
            key = (mode, tuple(modules), limits.processes, limits.memory_mb)
            try:
                if key not in self.zygotes:
                    self.zygotes[key] = Zygote(mode, modules, limits)
                zygote = self.zygotes[key]
                return zygote, zygote.start(nb, limits, files, prepare)
            except ZygoteUnavailable:
                self.fallback = FreshEngine()  # nested namespaces are not allowed here: a fresh sandbox per run
        return None, self.fallback._start(nb, limits, mode, files, preload, prepare)

    def _finish(self, job):
        zygote, inner = job
        return zygote.finish(inner) if zygote is not None else self.fallback._finish(inner)

    def close(self) -> None:
        for z in self.zygotes.values():
            z.close()
        self.zygotes.clear()


#: The engines by name: what ``--engine`` and COURSE_ENGINE choose from (local only for course check).
ENGINES = {"zygote": ZygoteEngine, "fresh": FreshEngine, "local": LocalEngine}


def make(name: str = "zygote") -> _Engine:
    """A new engine by name (``zygote``, ``fresh`` or ``local``)."""
    try:
        return ENGINES[name]()
    except KeyError:
        raise ValueError(f"no engine {name!r}: choose one of {', '.join(ENGINES)}.") from None

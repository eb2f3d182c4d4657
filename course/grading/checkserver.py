"""`course check`'s pre-loaded processes, kept between runs so that a learner's second check takes seconds.

Every self-check needs two sandboxes that have imported pandas, matplotlib, seaborn and the
course (``ZygoteEngine``): on one CPU that start-up is most of a run. So ``course check``
hands the notebook to a small server of the learner's own, started by the first check and
ending after ``IDLE_SECONDS`` without a request (but not while the Jupyter server that asked
for a warm-up runs: a learner may answer for half an hour before checking); it keeps the sandboxes of the last
notebook's imports (one pair: a 1 GB pod has no room for more), and each check is one more
forked run in them, isolated exactly as in grading.

So that even the first check finds them ready, :func:`warm` asks the server (starting it) to
start a notebook's sandboxes before any check: ``course.grading.checkwarm`` does so when the
learner opens a lab in Jupyter, while they read and answer.

Only the learner can reach it: the socket lives in a folder of theirs with mode 0700
(``$XDG_RUNTIME_DIR``, else the temporary folder), and the server also refuses a peer of
another uid. Its name carries a fingerprint of the course code and Python, so a changed
install starts a fresh server. Anything unusual (no such folder, no server in time, a broken
reply) and the check simply runs in the learner's own process, as before.

Started by ``course check`` or :func:`warm` (never by hand): python -m course.grading.selfcheck --serve SOCKET
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: A server with no request for this long ends, and its sandboxes with it.
IDLE_SECONDS = 600
#: How long a first check waits for the server it started to listen.
STARTUP_SECONDS = 20
#: Set to 0 to always check in the learner's own process.
ENV = "COURSE_CHECK_SERVER"
MAX_REPLY = 1024 * 1024


def _fingerprint() -> str:
    """The same for ``course check`` and the Jupyter server of one install: scripts may name its Python
    differently (``python`` or ``python3.11``, the same file), so the file and the environment count, not the name."""
    package = Path(__file__).resolve().parents[1]
    newest = max((p.stat().st_mtime_ns for p in package.rglob("*.py")), default=0)
    python = f"{os.path.realpath(sys.executable)}|{sys.prefix}"
    return hashlib.sha256(f"{python}|{package}|{newest}".encode()).hexdigest()[:12]


def socket_path() -> Path | None:
    """Where this learner's server listens; None if no private folder can be had."""
    environ = os.environ  # the learner's own settings: where their private runtime folder is, and the opt-out
    base = Path(environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = base / f"course-check-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # someone else's, or open to others: never talk through it
    path = folder / f"server-{_fingerprint()}.sock"
    return path if len(os.fsencode(path)) < 100 else None  # a socket's path must fit in 108 bytes


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk or len(data) > MAX_REPLY:
            break
        data += chunk
    return data


def serve(path: Path, self_check, warm=None) -> None:
    """Answer check requests on ``path`` until IDLE_SECONDS pass without one.

    ``self_check`` and ``warm`` are ``course.grading.selfcheck``'s (passed in: that module
    starts this server); both keep their pre-loaded processes in one dict across requests. A request ``{"notebook", "root"}`` checks the notebook and
    replies with the summary; with ``"warm": true`` it only starts the notebook's sandboxes.
    """
    from course import errors

    lock = open(path.with_suffix(".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server for this socket is starting or running
    path.unlink(missing_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        server.bind(str(path))
    finally:
        os.umask(old)
    server.listen(4)
    server.settimeout(IDLE_SECONDS)
    keep_alive: set[int] = set()  # the Jupyter servers that asked for a warm-up: no idle end while one runs
    kept: dict = {}  # the sandboxes of the last notebook's imports (selfcheck._engine)
    try:
        while True:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                keep_alive = {pid for pid in keep_alive if _alive(pid)}
                if keep_alive:
                    continue
                return
            with conn:
                conn.settimeout(None)
                if _peer_uid(conn) != os.getuid():
                    continue
                try:
                    request = json.loads(_read_line(conn) or b"{}")
                except ValueError:
                    continue
                if request.get("stop"):
                    conn.sendall(b'{"stopped": true}\n')
                    return
                try:
                    notebook, root = request["notebook"], request["root"]
                    if request.get("warm"):
                        if isinstance(request.get("keep_alive_pid"), int):
                            keep_alive.add(request["keep_alive_pid"])
                        reply = {"warmed": bool(warm and warm(notebook, root=root, kept=kept))}
                    else:
                        reply = {"summary": self_check(notebook, root=root, kept=kept).summary()}
                except errors.CourseError as exc:
                    reply = {"error": type(exc).__name__, "message": str(exc)}
                except Exception as exc:  # one learner's broken notebook must not end the server
                    reply = {"error": "", "message": f"unexpected {type(exc).__name__}: {exc}"}
                try:
                    conn.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    pass
    finally:
        for engines in kept.values():
            for engine in engines.values():
                engine.close()
        server.close()
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """True while process ``pid`` (one of this learner's: the server refuses other uids' requests) exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _connect(path: Path, wait: float = 0.0, server: subprocess.Popen | None = None) -> socket.socket | None:
    """A connection to the server at ``path``, waiting up to ``wait`` s while the ``server`` started is alive."""
    deadline = time.monotonic() + wait
    while True:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(str(path))
            return conn
        except OSError:
            conn.close()
            if time.monotonic() >= deadline or (server is not None and server.poll() is not None):
                return None
            time.sleep(0.05)


def _start(path: Path) -> subprocess.Popen:
    log = open(path.with_suffix(".log"), "ab")
    return subprocess.Popen([sys.executable, "-m", "course.grading.selfcheck", "--serve", str(path)], stdin=subprocess.DEVNULL,
                     stdout=log, stderr=log, start_new_session=True, close_fds=True)


def _server(progress=None) -> socket.socket | None:
    """A connection to this learner's server, started if need be; None: no server can be had here."""
    environ = os.environ
    if environ.get(ENV, "1") == "0" or not hasattr(socket, "AF_UNIX") or not hasattr(socket, "SO_PEERCRED"):
        return None
    path = socket_path()
    if path is None:
        return None
    conn = _connect(path)
    if conn is None:
        if progress:
            progress("starting the checker's pre-loaded processes (first check: slower; the next ones reuse them)")
        conn = _connect(path, wait=STARTUP_SECONDS, server=_start(path))
    return conn


def _ask(conn: socket.socket, request: dict) -> dict:
    with conn:
        try:
            conn.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(_read_line(conn) or b"{}")
        except (OSError, ValueError):
            return {}
    return reply if isinstance(reply, dict) else {}


def check(notebook: Path, root: Path, progress=None) -> str | None:
    """The self-check's summary, from this learner's server (started if need be); None: run it here instead.

    Raises:
        CourseError: the server's check refused the notebook (the same error the check raises here).
    """
    from course import errors

    conn = _server(progress)
    if conn is None:
        return None
    reply = _ask(conn, {"notebook": str(Path(notebook).resolve()), "root": str(Path(root).resolve())})
    if "summary" in reply:
        return str(reply["summary"])
    if reply.get("error"):
        kind = getattr(errors, str(reply["error"]), None)
        kind = kind if isinstance(kind, type) and issubclass(kind, errors.CourseError) else errors.CourseError
        raise kind(str(reply.get("message", "")))
    if reply.get("message"):
        raise RuntimeError(str(reply["message"]))
    return None


def warm(notebook: Path, root: Path, keep_alive_pid: int | None = None) -> bool:
    """Have this learner's server (started if need be) pre-load the sandboxes a check of ``notebook`` will use.

    Blocks until they are ready (seconds on one CPU): call it from a thread of its own. With
    ``keep_alive_pid`` (the Jupyter server's), the server does not end for idleness while that process runs.
    Returns True if the server started them; False if there is no server here, or nothing to
    pre-load (no sandbox, or not a lab of the course). Never raises for such reasons.
    """
    conn = _server()
    if conn is None:
        return False
    reply = _ask(conn, {"notebook": str(Path(notebook).resolve()), "root": str(Path(root).resolve()), "warm": True,
                        "keep_alive_pid": keep_alive_pid})
    return reply.get("warmed") is True


def stop(path: Path | None = None) -> bool:
    """End the learner's server now (tests, or to free its memory); True if one was running."""
    path = path or socket_path()
    conn = _connect(path) if path is not None else None
    if conn is None:
        return False
    with conn:
        conn.sendall(b'{"stop": true}\n')
        _read_line(conn)
    return True


"""Inside both runs: the tests call the student's code, and only data crosses, one call at a time.

The student's notebook and the instructor's tests run in two processes, in two sandboxes, in
lockstep, as nbgrader runs them in one kernel: the student's run stops where a test cell
stands (:meth:`StudentSide.at`), sends that question's answers, and then serves the test's
requests until the test is over; the test run (:class:`TestSide`) waits for it, injects the
answers, and runs the test cell as the instructor wrote it.

A value that is plain data (the codec of ``course.grading.answers``) crosses as data. Anything
else the student made (a function, a class, an instance of it, a bound method) stays in the
student's process and is a :class:`Remote` handle in the test's: calling it, reading an
attribute or applying an operator is a request, carried out in the student's process with
the test's arguments under a per-call time limit; the result (or the exception's type and
message), what the call printed, the files it wrote and the state of ``random`` and
``numpy.random`` come back as data. Names the test deletes or rebinds are deleted or rebound
in the student's process before the next call (nbgrader's ``ps1`` deletes ``squares`` and
expects ``sum_of_squares`` to fail).

Frames are 8-byte lengths and JSON, over a Unix socket in the run's folder that the engine
relays between the two sandboxes. Nothing is pickled; nothing of the test's code is sent.
This module imports nothing of the course: it runs inside the sandboxes.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
import os
import select
import signal
import socket
import struct
import sys
import time

SOCKET = "chan.sock"
#: A reply larger than this (a huge returned object) is refused, not read.
MAX_FRAME = 64 * 1024 * 1024
#: Files the student's code writes cross to the test run if each is at most this big...
MAX_FILE = 2 * 1024 * 1024
#: ... and all of one reply's files together at most this.
MAX_FILES = 16 * 1024 * 1024
#: ... and at most this many files.
MAX_COUNT = 1000
#: The run's own files, never mirrored.
_INTERNAL = {SOCKET, "in.ipynb", "out.ipynb", "progress.jsonl", "result.json"}
#: What a cell's printed text may add to a reply.
MAX_TEXT = 1_000_000


class ChannelClosed(Exception):
    """The other run ended (or broke the protocol): no more calls."""


def send(sock, obj) -> None:
    data = json.dumps(obj).encode()
    sock.sendall(struct.pack(">Q", len(data)) + data)


def _read(sock, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                raise TimeoutError
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other run ended")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(sock, timeout: float | None = None):
    """One frame, decoded; raises TimeoutError, ChannelClosed (also for a frame too large or not JSON)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    (size,) = struct.unpack(">Q", _read(sock, 8, deadline))
    if size > MAX_FRAME:
        raise ChannelClosed(f"a reply of {size:,} bytes is larger than the grader reads ({MAX_FRAME // 2**20} MB)")
    try:
        return json.loads(_read(sock, size, deadline))
    except ValueError:
        raise ChannelClosed("a reply that is not data") from None


def connect(path: str = SOCKET, timeout: float = 30.0):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.connect(path)
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                raise ChannelClosed("the grader's channel is not there") from None
            time.sleep(0.01)


# ---------------------------------------------------------------- files and random state, both sides


def _files_now(root: str = ".") -> dict[str, tuple[int, int]]:
    seen = {}
    for here, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d)) and d != "answers"]
        for name in files:
            path = os.path.join(here, name)
            rel = os.path.relpath(path, root)
            if rel in _INTERNAL or os.path.islink(path):
                continue
            try:
                st = os.stat(path)
            except OSError:
                continue
            seen[rel] = (st.st_mtime_ns, st.st_size)
    return seen


def changed_files(before: dict) -> tuple[dict[str, str], dict]:
    """Files new or changed since ``before`` (base64), within the size caps; and the new listing."""
    now, out, total = _files_now(), {}, 0
    for rel, stamp in now.items():
        if before.get(rel) == stamp or stamp[1] > MAX_FILE or total + stamp[1] > MAX_FILES or len(out) >= MAX_COUNT:
            continue
        try:
            with open(rel, "rb") as fh:
                data = fh.read(MAX_FILE + 1)
        except OSError:
            continue
        if len(data) <= MAX_FILE:
            out[rel] = base64.b64encode(data).decode("ascii")
            total += len(data)
    return out, now


def write_files(files: dict, protected=frozenset()) -> None:
    """In the test run: write the files the student's code wrote, at the same relative paths (never outside).

    ``protected``: the instructor's own files of the assignment, which a student's file never replaces.
    """
    for rel, data in (files or {}).items():
        rel = os.path.normpath(str(rel))
        if rel.startswith(("/", "..")) or rel in _INTERNAL or rel.split(os.sep)[0] == "answers" or rel in protected:
            continue
        folder = os.path.dirname(rel)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if os.path.islink(rel):
            os.unlink(rel)
        with open(rel, "wb") as fh:
            fh.write(base64.b64decode(data))


def rng_state():
    """``random``'s and (if imported) ``numpy.random``'s global states, as JSON data."""
    import random

    version, internal, gauss = random.getstate()
    state = {"random": [version, list(internal), gauss]}
    np = sys.modules.get("numpy")
    if np is not None:
        try:
            kind, keys, pos, has_gauss, cached = np.random.get_state()
            state["numpy"] = [kind, [int(k) for k in keys], int(pos), int(has_gauss), float(cached)]
        except Exception:
            pass
    return state


def set_rng_state(state) -> None:
    import random

    if not isinstance(state, dict):
        return
    if "random" in state:
        version, internal, gauss = state["random"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        try:
            import numpy as np

            kind, keys, pos, has_gauss, cached = state["numpy"]
            np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, cached))
        except Exception:
            pass


# ---------------------------------------------------------------- the student's side


class _Capture(io.TextIOBase):
    def __init__(self):
        self.parts, self.size = [], 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        if self.size < MAX_TEXT:
            self.parts.append(text[: MAX_TEXT - self.size])
            self.size += len(text)
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


_OPS = {
    "__repr__": repr, "__str__": str, "__len__": len, "__bool__": bool, "__hash__": hash,
    "__iter__": lambda obj: list(iter(obj)),  # an iteration crosses as the list of its items
}


class StudentSide:
    """Serves the tests' requests in the student's process, between the student's cells."""

    def __init__(self, g: dict, enc, dec, per_call: float):
        self.g, self.enc, self.dec, self.per_call = g, enc, dec, float(per_call)
        self.refs: dict[int, object] = {}
        self.sock = None
        self.files = _files_now()
        self.rng = None
        self.pid = os.getpid()  # a process the student's code forked never speaks for the run
        self.ended = False  # the channel closed: it is never opened again

    def _ref(self, obj) -> int:
        for key, known in self.refs.items():
            if known is obj:
                return key
        key = len(self.refs) + 1
        self.refs[key] = obj
        return key

    def _local(self, obj) -> bool:
        return getattr(obj, "__module__", None) == self.g.get("__name__", "__main__")

    def out(self, value):
        """A value as data; a handle for what the student made that is not data; else "unsupported"."""
        encoded = self.enc(value)
        if encoded.get("t") != "unsupported":
            return encoded
        if isinstance(value, type(sys)):
            return {"t": "module", "name": value.__name__}
        if isinstance(value, type):
            bases = [c.__name__ for c in value.__mro__ if c.__module__ == "builtins" and issubclass(c, BaseException)]
            return {"t": "ref", "id": self._ref(value), "kind": "class", "name": value.__name__, "exception": bases}
        if callable(value) or self._local(type(value)):
            cls = type(value)
            return {"t": "ref", "id": self._ref(value), "kind": "callable" if callable(value) else "object",
                    "name": getattr(value, "__name__", cls.__name__), "cls": self._ref(cls) if self._local(cls) else None,
                    "cls_name": cls.__name__}
        return encoded

    def _arg(self, encoded):
        if isinstance(encoded, dict) and encoded.get("t") == "ref":
            return self.refs[int(encoded["id"])]
        if isinstance(encoded, dict) and encoded.get("t") in ("list", "tuple"):
            items = [self._arg(x) for x in encoded["v"]]
            return items if encoded["t"] == "list" else tuple(items)
        if isinstance(encoded, dict) and encoded.get("t") == "dict":
            return {self._arg(k): self._arg(v) for k, v in encoded["v"]}
        return self.dec(encoded)

    def at(self, grade_id: str, names: list[str]) -> None:
        """In place of a test cell: send this question's answers, then serve the test's requests."""
        if os.getpid() != self.pid or self.ended:
            return
        if self.sock is None:
            if not os.path.exists(SOCKET):  # run alone, for its outputs only: no test to serve
                self.ended = True
                return
            try:
                self.sock = connect()
            except ChannelClosed:
                self.ended = True
                return
        answers = {}
        for name in names:
            try:
                answers[name] = self.out(self.g[name]) if name in self.g else {"t": "missing"}
            except Exception as exc:
                answers[name] = {"t": "unsupported", "why": type(exc).__name__}
        files, self.files = changed_files(self.files)
        try:
            send(self.sock, {"at": grade_id, "answers": answers, "files": files, "rng": rng_state()})
            self.serve()
        except (ChannelClosed, OSError):
            self.sock, self.ended = None, True

    def serve(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)  # this cell waits for the tests: no cell time limit while it does
        while True:
            request = recv(self.sock)
            if request.get("op") == "continue":
                return
            send(self.sock, self.handle(request))

    def _sync(self, request) -> None:
        for name in request.get("deleted", []):
            self.g.pop(name, None)
        for name, ref in request.get("bound", {}).items():
            if int(ref) in self.refs:
                self.g[name] = self.refs[int(ref)]
        if request.get("rng"):
            set_rng_state(request["rng"])

    def _describe(self, exc: BaseException) -> dict:
        cls = type(exc)
        try:
            signal.setitimer(signal.ITIMER_REAL, 1.0, 0.1)
            message = str(exc)[:2000]
        except BaseException:
            message = "(its message could not be read)"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        bases = [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"]
        return {"type": cls.__name__, "message": message, "bases": bases,
                "ref": self._ref(cls) if self._local(cls) else None}

    def handle(self, request) -> dict:
        self._sync(request)
        stdout, stderr = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err = _Capture(), _Capture()
        per_call = self.per_call

        def on_alarm(signum, frame):
            raise TimeoutError(f"the call ran longer than the time limit of {per_call:g} s")

        previous = signal.signal(signal.SIGALRM, on_alarm)
        reply: dict = {}
        try:
            target = self.refs[int(request["ref"])]
            op = request.get("op")
            args = [self._arg(a) for a in request.get("args", [])]
            kwargs = {str(k): self._arg(v) for k, v in request.get("kwargs", {}).items()}
            signal.setitimer(signal.ITIMER_REAL, per_call, 0.1)  # raised again every 0.1 s if swallowed
            if op == "call":
                result = target(*args, **kwargs)
            elif op == "getattr":
                result = getattr(target, request["name"])
            elif op == "setattr":
                result = setattr(target, request["name"], args[0])
            elif request["name"] in _OPS:
                result = _OPS[request["name"]](target)
            else:
                result = getattr(target, request["name"])(*args)
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            reply["ok"] = self.out(result)
        except BaseException as exc:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            reply["error"] = self._describe(exc)
        finally:
            if os.getpid() != self.pid:  # a child the call forked, come back here: it ends, silently
                os._exit(0)
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.stdout, sys.stderr = stdout, stderr
        reply["out"], reply["err"] = out.text(), err.text()
        reply["files"], self.files = changed_files(self.files)
        reply["rng"] = rng_state()
        return reply


# ---------------------------------------------------------------- the test's side


class CannotCross(Exception):
    """A value the sandbox cannot carry between the student's run and the tests' (not the student's mistake)."""


class Remote:
    """In the test run: something the student made, which stays in the student's process."""

    __slots__ = ("_side", "_id", "_name", "_cls")

    def __init__(self, side, ref: dict):
        object.__setattr__(self, "_side", side)
        object.__setattr__(self, "_id", int(ref["id"]))
        object.__setattr__(self, "_name", str(ref.get("name", "?")))
        object.__setattr__(self, "_cls", ref.get("cls"))

    def __call__(self, *args, **kwargs):
        return self._side.request(self, "call", args=args, kwargs=kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._side.request(self, "getattr", name=name)

    def __setattr__(self, name, value):
        self._side.request(self, "setattr", name=name, args=(value,))

    def _op(self, name, *args):
        return self._side.request(self, "op", name=name, args=args)

    def __repr__(self):
        return self._op("__repr__")

    def __str__(self):
        return self._op("__str__")

    def __len__(self):
        return self._op("__len__")

    def __bool__(self):
        return self._op("__bool__")

    def __hash__(self):
        return self._op("__hash__")

    def __iter__(self):
        return iter(self._op("__iter__"))


def _binary(name):
    def method(self, *args):
        return self._op(name, *args)

    method.__name__ = name
    return method


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__setitem__", "__delitem__",
              "__contains__", "__add__", "__sub__", "__mul__", "__truediv__", "__floordiv__", "__mod__", "__pow__",
              "__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__neg__", "__abs__", "__next__", "__enter__", "__exit__"):
    setattr(Remote, _name, _binary(_name))


class _RemoteClass(type):
    """The metaclass of a student's class as the test run sees it: calling it makes an instance over there."""

    def __call__(cls, *args, **kwargs):
        return cls._side.request(cls._remote, "call", args=args, kwargs=kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Remote) and obj._cls == cls._remote._id

    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return cls._side.request(cls._remote, "getattr", name=name)


class TestSide:
    """Runs in the test run: waits for the student's run at each test, injects answers, carries calls."""

    def __init__(self, g: dict, enc, dec, missing, per_call: float, wait_seconds: float, allowed: list[str]):
        self.g, self.enc, self.dec, self.missing = g, enc, dec, missing
        self.per_call, self.wait_seconds = float(per_call), float(wait_seconds)
        self.allowed = set(allowed)  # classes whose instances the tests expect (the solution defines them)
        self.sock = None
        self.serving = False  # the student's run waits at a test and serves calls
        self.closed = ""  # why no more calls can be made
        self.tracked: dict[str, int | None] = {}  # the student's names and the handle each was bound to
        self.sent: dict[str, int | None] = {}
        self.classes: dict[int, type] = {}
        self.rng = None
        self.uncrossed: dict[str, list[str]] = {}
        self.hidden_calls: list[str] = []  # tests with hidden code that called the student's code
        self.grade_id, self.hidden = "", False
        self.console = (sys.stdout, sys.stderr)  # the test cell's own output, as opposed to a test's redirect
        self.protected = frozenset(_files_now())  # the instructor's files of the assignment

    # -- waiting for the student at a test ---------------------------------------
    def wait(self, grade_id: str, names: list[str], reason: str, hidden: bool = False) -> None:
        """Before a test cell: let the student's run go on from the previous test, then take its answers for this one.

        The student's run serves calls from one test until the test run reaches the next, so
        the instructor's cells between two tests may call the student's code too.
        """
        self.grade_id, self.hidden = grade_id, bool(hidden)
        self.go_on()
        message = None
        if self.sock is None and not self.closed:
            try:
                self.sock = connect()
            except ChannelClosed:
                self.closed = reason
        while self.sock is not None and message is None:
            try:
                got = recv(self.sock, self.wait_seconds)
            except (TimeoutError, ChannelClosed, OSError):
                self._close(reason)
                break
            if got.get("at") == grade_id:
                message = got
                self.serving = True
            else:  # the student's notebook has this test elsewhere: let it go on
                send(self.sock, {"op": "continue"})
        if message is None:
            for name in names:
                self.g[name] = self.missing(name, self.closed or reason)
            return
        write_files(message.get("files"), self.protected)
        self._rng_from(message.get("rng"))
        for name in names:
            self.g[name] = self._value(message["answers"].get(name, {"t": "missing"}), name)
            self.tracked[name] = self.sent[name] = self.g[name]._id if isinstance(self.g[name], Remote) else -1

    def go_on(self) -> None:
        """Let the student's notebook go on from the test where it waits."""
        if self.sock is not None and self.serving:
            self.serving = False
            try:
                send(self.sock, {"op": "continue"})
            except OSError:
                self._close("the student's notebook stopped")

    def _close(self, why: str) -> None:
        self.closed = self.closed or why
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    # -- values ------------------------------------------------------------------------
    def _note(self, why: str = "") -> None:
        """Record for the grader (``answers/calls.json``): values that could not cross, hidden tests that made calls."""
        if why:
            notes = self.uncrossed.setdefault(self.grade_id, [])
            if why in notes:
                return
            notes.append(why)
        os.makedirs("answers", exist_ok=True)
        with open(os.path.join("answers", "calls.json"), "w") as fh:
            json.dump({"uncrossed": self.uncrossed, "hidden_calls": self.hidden_calls}, fh)

    def _print(self, text: str, stream: int) -> None:
        """What the student's code printed during a call: to the test's own redirect as it is; in the cell's output, labelled.

        During a test with hidden code, the cell's output shows only that something was
        printed: it may hold the hidden inputs.
        """
        target = (sys.stdout, sys.stderr)[stream]
        if target is not self.console[stream]:
            target.write(text)
        elif self.hidden:
            target.write(f"[the submitted code printed {len(text):,} characters here, during hidden tests: not shown]\n")
        else:
            target.write("[printed by the submitted code]\n" + text + ("" if text.endswith("\n") else "\n"))

    def _value(self, encoded, name: str = "value"):
        t = encoded.get("t") if isinstance(encoded, dict) else None
        if t == "ref":
            if encoded.get("kind") == "class":
                return self._class(encoded)
            if encoded.get("kind") == "object" and encoded.get("cls_name") not in self.allowed:
                why = f"{name} is a {encoded.get('cls_name')} object, which is not plain data"
                self._note(why)
                return self.missing(name, why)
            return Remote(self, encoded)
        if t == "module":
            import importlib

            try:
                return importlib.import_module(encoded["name"])
            except Exception:
                pass
        if t == "missing":
            return self.missing(name, "the variable was never created")
        if t == "unsupported":
            why = f"{name} is {encoded.get('why') or 'not plain data'}, which cannot cross the sandbox"
            self._note(why)
            return self.missing(name, why)
        return self.dec(encoded)

    def _class(self, ref: dict) -> type:
        key = int(ref["id"])
        if key not in self.classes:
            if ref.get("exception"):
                base = getattr(builtins, ref["exception"][0], Exception)
                cls = type(str(ref["name"]), (base,), {"__module__": "__main__"})
            else:
                remote = Remote(self, {"id": key, "name": ref["name"]})
                cls = _RemoteClass(str(ref["name"]), (), {"_side": self, "_remote": remote, "__module__": "__main__"})
            self.classes[key] = cls
        return self.classes[key]

    def _arg(self, value):
        if isinstance(value, Remote):
            return {"t": "ref", "id": value._id}
        if isinstance(value, _RemoteClass):
            return {"t": "ref", "id": value._remote._id}
        if type(value) in (list, tuple):
            return {"t": type(value).__name__, "v": [self._arg(v) for v in value]}
        if type(value) is dict:
            return {"t": "dict", "v": [[self._arg(k), self._arg(v)] for k, v in value.items()]}
        encoded = self.enc(value)
        if encoded.get("t") == "unsupported":
            raise CannotCross(f"an argument cannot be passed to the student's code: {encoded.get('why')}")
        return encoded

    def _rng_from(self, state) -> None:
        if state:
            set_rng_state(state)
            self.rng = rng_state()

    # -- calls -------------------------------------------------------------------------------
    def request(self, target, op: str, name: str = "", args=(), kwargs=None):
        label = f"{target._name}" if isinstance(target, Remote) else "the student's code"
        if self.sock is None or not self.serving:
            raise RuntimeError(f"{label} cannot be called: {self.closed or 'the student notebook stopped'}")
        try:
            request = {"op": op, "ref": target._id, "name": name, "args": [self._arg(a) for a in args],
                       "kwargs": {str(k): self._arg(v) for k, v in (kwargs or {}).items()}}
        except CannotCross as exc:
            self._note(str(exc))
            raise
        request.update(self._sync())
        if self.hidden and self.grade_id not in self.hidden_calls:
            self.hidden_calls.append(self.grade_id)
            self._note()
        try:
            send(self.sock, request)
            reply = recv(self.sock, self.per_call + 5)
        except TimeoutError:
            self._close(f"{label} did not return within {self.per_call:g} s")
            raise TimeoutError(f"{label} did not return within the time limit of {self.per_call:g} s") from None
        except (ChannelClosed, OSError) as exc:
            text = str(exc) if isinstance(exc, ChannelClosed) and "bytes" in str(exc) else ""
            self._close(text or "the student's notebook stopped during a call")
            if text:
                self._note(f"{label}: {text}")
                raise CannotCross(f"{label}: {text}") from None
            raise RuntimeError(f"{label}: the student's notebook stopped during this call") from None
        if reply.get("out"):
            self._print(str(reply["out"]), 0)
        if reply.get("err"):
            self._print(str(reply["err"]), 1)
        write_files(reply.get("files"), self.protected)
        self._rng_from(reply.get("rng"))
        if "error" in reply:
            raise self._exception(reply["error"])
        value = self._value(reply.get("ok", {"t": "none"}), f"what {label} returned")
        if isinstance(value, self.missing):
            raise CannotCross(value._why)
        return value

    def _sync(self) -> dict:
        """What changed in the test's namespace since the last call, for the student's process to mirror."""
        out: dict = {}
        deleted, bound = [], {}
        for name in self.tracked:
            now = self.g.get(name, _GONE)
            ref = None if now is _GONE else (now._id if isinstance(now, Remote) else -1)
            if ref == self.sent.get(name, -2):
                continue
            self.sent[name] = ref
            if ref is None:
                deleted.append(name)
            elif ref != -1:
                bound[name] = ref
        if deleted:
            out["deleted"] = deleted
        if bound:
            out["bound"] = bound
        state = rng_state()
        if state != self.rng:
            out["rng"] = self.rng = state
        return out

    def _exception(self, error: dict) -> BaseException:
        ref = error.get("ref")
        cls = self.classes.get(int(ref)) if ref is not None else None
        if cls is None:
            cls = getattr(builtins, str(error.get("type")), None)
            if not (isinstance(cls, type) and issubclass(cls, BaseException)):
                base = next((getattr(builtins, b) for b in error.get("bases", []) if isinstance(getattr(builtins, b, None), type)
                             and issubclass(getattr(builtins, b), Exception)), Exception)
                cls = type(str(error.get("type", "Error")), (base,), {"__module__": "__main__"})
        try:
            return cls(error.get("message", ""))
        except Exception:
            return RuntimeError(f"{error.get('type')}: {error.get('message', '')}")


_GONE = object()

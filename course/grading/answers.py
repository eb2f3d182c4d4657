"""Answers cross from the student's kernel to the grader's as plain JSON data, never as objects.

The student's notebook runs with its test cells replaced by a *capture* cell that writes
the question's answer variables to ``answers/<grade_id>.json``. The tests then run in a
second, trusted kernel that never executes student code: it runs the instructor's cells
and *injects* the captured values, rebuilt from JSON. An object whose ``__eq__`` always
says True, a monkeypatched check or a fake "passed" print cannot cross that boundary.
"""

from __future__ import annotations

import json

# Runs in every kernel (student's and trusted): values to plain JSON. In the student's kernel it
# may be tampered with, which can only change the data written, and data is all the tests see.
ENCODER = r'''
import json as __course_json
def __course_enc(v, depth=0):
    if depth > 20:
        return {"t": "unsupported", "why": "nested too deep"}
    t = type(v)
    if v is None: return {"t": "none"}
    if v is Ellipsis: return {"t": "ellipsis"}
    if t is bool: return {"t": "bool", "v": v}
    if t is int: return {"t": "int", "v": str(v)}
    if t is float: return {"t": "float", "v": repr(v)}
    if t is str: return {"t": "str", "v": v}
    if t is complex: return {"t": "complex", "v": [repr(v.real), repr(v.imag)]}
    if t is bytes: return {"t": "bytes", "v": v.hex()}
    mod = getattr(t, "__module__", "") or ""
    if mod == "datetime" and t.__name__ in ("datetime", "date", "time", "timedelta"):
        if t.__name__ == "timedelta": return {"t": "timedelta", "v": [v.days, v.seconds, v.microseconds]}
        if getattr(v, "tzinfo", None) is not None: return {"t": "unsupported", "why": "a date-time with a time zone"}
        return {"t": t.__name__, "v": v.isoformat()}
    if mod == "decimal" and t.__name__ == "Decimal": return {"t": "decimal", "v": str(v)}
    if mod == "fractions" and t.__name__ == "Fraction": return {"t": "fraction", "v": [str(v.numerator), str(v.denominator)]}
    if t in (list, tuple, set, frozenset):
        return {"t": t.__name__, "v": [__course_enc(x, depth + 1) for x in v]}
    if t is dict:
        return {"t": "dict", "v": [[__course_enc(k, depth + 1), __course_enc(x, depth + 1)] for k, x in v.items()]}
    mod = getattr(t, "__module__", "") or ""
    if mod.startswith("numpy"):
        import numpy as _np
        if t is _np.ndarray: return {"t": "ndarray", "v": __course_enc(v.tolist(), depth + 1), "dtype": str(v.dtype)}
        if isinstance(v, _np.generic) and t.__module__ == "numpy": return __course_enc(v.item(), depth + 1)
    if mod.startswith("pandas"):
        import pandas as _pd
        if t is _pd.Series:
            return {"t": "series", "v": v.to_json(orient="split", date_format="iso", default_handler=str),
                    "dtype": str(v.dtype), "name": __course_enc(v.name, depth + 1), "index_name": __course_enc(v.index.name, depth + 1)}
        if t is _pd.DataFrame:
            return {"t": "frame", "v": v.to_json(orient="split", date_format="iso", default_handler=str),
                    "dtypes": {str(k): str(d) for k, d in v.dtypes.items()}, "index_name": __course_enc(v.index.name, depth + 1)}
        if t is _pd.Index:
            return {"t": "index", "v": __course_enc(v.tolist(), depth + 1), "name": __course_enc(v.name, depth + 1)}
        if t is _pd.Timestamp:
            return {"t": "timestamp", "v": v.isoformat()}
    return {"t": "unsupported", "why": f"a {t.__name__} object"}

def __course_key(args, kwargs):
    return __course_json.dumps([__course_enc(list(args)), __course_enc(dict(sorted(kwargs.items())))], sort_keys=True)
'''

_CAPTURE = r'''
__course_functions = {}

def __course_capture(grade_id, names, functions=()):
    import json as _json, os as _os
    out = {}
    g = globals()
    for n in names:
        if n not in g:
            out[n] = {"t": "missing"}
            continue
        if n in functions and callable(g[n]):
            __course_functions[n] = (grade_id, g[n])  # called with the grader's inputs after the last cell
            out[n] = {"t": "function", "calls": {}}
            continue
        try:
            out[n] = __course_enc(g[n])
        except Exception as e:
            out[n] = {"t": "unsupported", "why": type(e).__name__}
    _os.makedirs("answers", exist_ok=True)
    with open(_os.path.join("answers", grade_id + ".json"), "w") as fh:
        _json.dump(out, fh)


def __course_call_functions(probes_json, per_call=5.0, budget=60.0):
    """Call each function answer with the inputs the grader prepared; record results or errors as data."""
    import json as _json, os as _os, signal as _signal, time as _time, io as _io, sys as _sys
    probes = _json.loads(probes_json)
    def on_alarm(signum, frame):
        raise TimeoutError(f"the function ran longer than {per_call:g} s for one input")
    previous = _signal.signal(_signal.SIGALRM, on_alarm)
    started = _time.perf_counter()
    try:
        for name, (grade_id, fn) in list(__course_functions.items()):
            calls = {}
            for key, args_enc, kwargs_enc in probes.get(name, []):
                if _time.perf_counter() - started > budget:
                    calls[key] = {"error": ["TimeoutError", "not called: the grader's time for this function ran out"]}
                    continue
                out, err = _sys.stdout, _sys.stderr
                _sys.stdout = _sys.stderr = _io.StringIO()  # what the function prints is not feedback
                try:
                    _signal.setitimer(_signal.ITIMER_REAL, per_call, 0.1)
                    args, kwargs = __course_dec(args_enc), __course_dec(kwargs_enc)
                    result = fn(*args, **kwargs)
                    _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
                    calls[key] = {"ok": __course_enc(result)}
                except BaseException as e:
                    _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
                    calls[key] = {"error": [type(e).__name__, str(e)[:500]]}
                finally:
                    _sys.stdout, _sys.stderr = out, err
            path = _os.path.join("answers", grade_id + ".json")
            try:
                with open(path) as fh:
                    data = _json.load(fh)
            except Exception:
                data = {}
            data[name] = {"t": "function", "calls": calls}
            with open(path, "w") as fh:
                _json.dump(data, fh)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0, 0)
        _signal.signal(_signal.SIGALRM, previous)
'''


def capture_cell(grade_id: str, names: list[str], functions: list[str] = ()) -> str:
    return f"__course_capture({grade_id!r}, {names!r}, {list(functions)!r})"


def call_functions_cell(probes: dict) -> str:
    """The student run's last cell: call the function answers with the grader's inputs (after all student code)."""
    return f"__course_call_functions({json.dumps(json.dumps(probes))})"


# Rebuilds values from JSON with no eval and no pickle (the trusted kernel; the student's, for the grader's inputs).
DECODER = r'''
class __course_NotRecorded:
    def __init__(self, name, why): self._name, self._why = name, why
    def __repr__(self): return f"<no answer recorded for {self._name}: {self._why}>"
    def __getattr__(self, attr):
        raise AssertionError(f"{self._name}: no answer was recorded ({self._why}).")
    def __eq__(self, other): return False
    __hash__ = None


class __course_RecordedFunction:
    """Stands in for a student's function in the test run: answers with what the function returned in its sandbox."""
    _BUILTIN = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError, "IndexError": IndexError,
                "ZeroDivisionError": ZeroDivisionError, "AttributeError": AttributeError, "NameError": NameError,
                "TimeoutError": TimeoutError, "NotImplementedError": NotImplementedError, "AssertionError": AssertionError,
                "RuntimeError": RuntimeError, "OverflowError": OverflowError, "RecursionError": RecursionError,
                "MemoryError": MemoryError, "UnicodeError": UnicodeError}
    def __init__(self, name, calls): self.__name__, self._calls = name, calls
    def __repr__(self): return f"<function {self.__name__} (run in the student's sandbox)>"
    def __call__(self, *args, **kwargs):
        try:
            key = globals()["__course_key"](args, kwargs)  # (a bare __name in a class body would be mangled)
        except Exception:
            key = None
        if key not in self._calls:
            shown = ", ".join([repr(a)[:60] for a in args] + [f"{k}={v!r}"[:60] for k, v in kwargs.items()])
            raise AssertionError(f"{self.__name__}({shown}) was not prepared by the grader: tests may call a function answer "
                                 "only with inputs that do not depend on its own results (see docs/AUTHORING.md).")
        outcome = self._calls[key]
        if "ok" in outcome:
            return globals()["__course_dec"](outcome["ok"])
        ename, message = (list(outcome.get("error", [])) + ["Error", ""])[:2]
        kind = self._BUILTIN.get(ename)
        raise kind(message) if kind is not None else RuntimeError(f"{ename}: {message}")


def __course_restore(s, dtype):
    import pandas as _pd
    try:
        if dtype.startswith("datetime64"): return _pd.to_datetime(s)
        return s.astype(dtype)
    except Exception:
        return s


def __course_dec(d):
    from io import StringIO as _S
    t = d.get("t")
    if t == "none": return None
    if t == "ellipsis": return Ellipsis
    if t == "bool": return bool(d["v"])
    if t == "int": return int(d["v"])
    if t == "float": return float(d["v"])
    if t == "str": return str(d["v"])
    if t == "complex": return complex(float(d["v"][0]), float(d["v"][1]))
    if t == "bytes": return bytes.fromhex(d["v"])
    if t in ("datetime", "date", "time"):
        import datetime as _dt
        return getattr(_dt, t).fromisoformat(d["v"])
    if t == "timedelta":
        import datetime as _dt
        return _dt.timedelta(days=d["v"][0], seconds=d["v"][1], microseconds=d["v"][2])
    if t == "decimal":
        import decimal as _decimal
        return _decimal.Decimal(d["v"])
    if t == "fraction":
        import fractions as _fractions
        return _fractions.Fraction(int(d["v"][0]), int(d["v"][1]))
    if t in ("list", "tuple", "set", "frozenset"):
        items = [__course_dec(x) for x in d["v"]]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
    if t == "dict": return {__course_dec(k): __course_dec(v) for k, v in d["v"]}
    if t == "ndarray":
        import numpy as _np
        return _np.array(__course_dec(d["v"]), dtype=d["dtype"] if d["dtype"] != "object" else object)
    if t in ("series", "frame", "index", "timestamp"):
        import pandas as _pd
        if t == "timestamp": return _pd.Timestamp(d["v"])
        if t == "index": return _pd.Index(__course_dec(d["v"]), name=__course_dec(d["name"]))
        if t == "series":
            s = _pd.read_json(_S(d["v"]), orient="split", typ="series", dtype=False, convert_dates=False)
            s = __course_restore(s, d["dtype"]); s.name = __course_dec(d["name"]); s.index.name = __course_dec(d["index_name"])
            return s
        f = _pd.read_json(_S(d["v"]), orient="split", dtype=False, convert_dates=False)
        for col, dtype in d["dtypes"].items():
            key = next((c for c in f.columns if str(c) == col), None)
            if key is not None: f[key] = __course_restore(f[key], dtype)
        f.index.name = __course_dec(d["index_name"])
        return f
    if t == "function" and isinstance(d.get("calls"), dict):
        return __course_RecordedFunction("function", d["calls"])
    why = d.get("why") or ("the variable was never created" if t == "missing" else "it is not plain data")
    return __course_NotRecorded("answer", why)
'''

_INJECT = r'''
def __course_inject(grade_id, names, reason):
    import json as _json, os as _os
    path = _os.path.join("answers", grade_id + ".json")
    g = globals()
    if not _os.path.exists(path):
        for n in names: g[n] = __course_NotRecorded(n, reason)
        return
    with open(path) as fh:
        data = _json.load(fh)
    for n in names:
        value = __course_dec(data.get(n, {"t": "missing"}))
        if isinstance(value, __course_NotRecorded): value._name = n
        if isinstance(value, __course_RecordedFunction): value.__name__ = n
        g[n] = value


__course_calls = {}

def __course_record(names):
    """The probe run (instructor's solution): wrap each function answer so that every call's inputs are noted."""
    g = globals()
    for n in names:
        f = g.get(n)
        if not callable(f):
            continue
        def recorder(*args, __f=f, __n=n, **kwargs):
            calls = __course_calls.setdefault(__n, {})
            try:
                key = __course_key(args, kwargs)
                if key not in calls and len(calls) < 5000:
                    calls[key] = [key, __course_enc(list(args)), __course_enc(dict(sorted(kwargs.items())))]
            except Exception:
                pass
            return __f(*args, **kwargs)
        g[n] = recorder


def __course_save_calls():
    import json as _json, os as _os
    _os.makedirs("answers", exist_ok=True)
    with open(_os.path.join("answers", "__probes__.json"), "w") as fh:
        _json.dump({n: list(c.values()) for n, c in __course_calls.items()}, fh)
'''


#: Set up the student's kernel: encode answers, decode the grader's inputs for function answers.
CAPTURE_SETUP = ENCODER + DECODER + _CAPTURE
#: Set up the trusted kernel: rebuild answers; in the probe run, note the inputs of function answers.
INJECT_SETUP = ENCODER + DECODER + _INJECT


def inject_cell(grade_id: str, names: list[str], reason: str) -> str:
    return f"__course_inject({grade_id!r}, {names!r}, {reason!r})"


def record_cell(names: list[str]) -> str:
    return f"__course_record({names!r})"


SAVE_CALLS = "__course_save_calls()"


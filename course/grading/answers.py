"""Answers cross from the student's run to the tests' as plain JSON data, never as objects: the codec, and the cells.

The student's notebook runs with each test cell replaced by an *at* cell: it encodes that
question's answer variables and hands them to the test run, then serves the test's calls
into the student's functions and classes (``inside/calls.py``). The tests run in a second,
trusted process that never executes student code: the instructor's cells, with the
student's values *injected* before each test cell, rebuilt from JSON. An object whose
``__eq__`` always says True, a monkeypatched check or a fake "passed" print cannot cross.
"""

from __future__ import annotations

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

# Rebuilds values from JSON with no eval and no pickle (the trusted kernel; the student's, for the grader's inputs).
DECODER = r'''
class __course_NotRecorded:
    def __init__(self, name, why): self._name, self._why = name, why
    def __repr__(self): return f"<no answer recorded for {self._name}: {self._why}>"
    def __getattr__(self, attr):
        raise AssertionError(f"{self._name}: no answer was recorded ({self._why}).")
    def __eq__(self, other): return False
    __hash__ = None


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
            with __import__("warnings").catch_warnings():
                __import__("warnings").simplefilter("ignore")  # pandas' deprecation notes are not the student's output
                s = _pd.read_json(_S(d["v"]), orient="split", typ="series", dtype=False, convert_dates=False)
            s = __course_restore(s, d["dtype"]); s.name = __course_dec(d["name"]); s.index.name = __course_dec(d["index_name"])
            return s
        with __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore")
            f = _pd.read_json(_S(d["v"]), orient="split", dtype=False, convert_dates=False)
        for col, dtype in d["dtypes"].items():
            key = next((c for c in f.columns if str(c) == col), None)
            if key is not None: f[key] = __course_restore(f[key], dtype)
        f.index.name = __course_dec(d["index_name"])
        return f
    why = d.get("why") or ("the variable was never created" if t == "missing" else "it is not plain data")
    return __course_NotRecorded("answer", why)
'''

#: The codec alone: ``__course_enc`` (a value to JSON data) and ``__course_dec`` (back), for any process.
CODEC = ENCODER + DECODER


def student_setup(per_call: float) -> str:
    """The student run's first cell: the codec, and the side that serves the tests' calls (``inside/calls.py``)."""
    return CODEC + (
        "import course.grading.inside.calls as __course_calls\n"
        f"__course_side = __course_calls.StudentSide(globals(), __course_enc, __course_dec, {float(per_call)!r})\n")


def test_setup(per_call: float, wait_seconds: float, allowed: list[str]) -> str:
    """The test run's first cell: the codec, and the side that waits for the student's run and carries calls."""
    return CODEC + (
        "import course.grading.inside.calls as __course_calls\n"
        f"__course_side = __course_calls.TestSide(globals(), __course_enc, __course_dec, __course_NotRecorded, "
        f"{float(per_call)!r}, {float(wait_seconds)!r}, {list(allowed)!r})\n")


def at_cell(grade_id: str, names: list[str]) -> str:
    """In the student's run, in place of a test cell: send the answers, serve the test's calls."""
    return f"__course_side.at({grade_id!r}, {list(names)!r})"


def wait_cell(grade_id: str, names: list[str], reason: str, hidden: bool) -> str:
    """In the test run, before a test cell: take the student's answers (or mark them missing with ``reason``)."""
    return f"__course_side.wait({grade_id!r}, {list(names)!r}, {reason!r}, {bool(hidden)!r})"


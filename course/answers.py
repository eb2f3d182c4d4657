"""Answers cross from the student's kernel to the grader's as plain JSON data, never as objects.

The student's notebook runs with its test cells replaced by a *capture* cell that writes
the question's answer variables to ``answers/<grade_id>.json``. The tests then run in a
second, trusted kernel that never executes student code: it runs the instructor's cells
and *injects* the captured values, rebuilt from JSON. An object whose ``__eq__`` always
says True, a monkeypatched check or a fake "passed" print cannot cross that boundary.
"""

from __future__ import annotations

import re

#: `name = ...` lines before the solution block declare what a question's answer is.
_DECLARED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\.\.\.", re.MULTILINE)


def declared_names(answer_source: str) -> list[str]:
    """The variables an instructor's answer cell asks for (the ``name = ...`` lines before ``### BEGIN SOLUTION``)."""
    head = answer_source.split("### BEGIN SOLUTION", 1)[0]
    return list(dict.fromkeys(_DECLARED.findall(head)))


# Runs in the student's kernel: it may be tampered with, which can only change the data it writes.
CAPTURE_SETUP = r'''
def __course_capture(grade_id, names):
    import json as _json, math as _math, os as _os
    def enc(v, depth=0):
        if depth > 20:
            return {"t": "unsupported", "why": "nested too deep"}
        t = type(v)
        if v is None: return {"t": "none"}
        if v is Ellipsis: return {"t": "ellipsis"}
        if t is bool: return {"t": "bool", "v": v}
        if t is int: return {"t": "int", "v": str(v)}
        if t is float: return {"t": "float", "v": repr(v)}
        if t is str: return {"t": "str", "v": v}
        if t in (list, tuple, set, frozenset):
            return {"t": t.__name__, "v": [enc(x, depth + 1) for x in v]}
        if t is dict:
            return {"t": "dict", "v": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        mod = getattr(t, "__module__", "") or ""
        if mod.startswith("numpy"):
            import numpy as _np
            if t is _np.ndarray: return {"t": "ndarray", "v": enc(v.tolist(), depth + 1), "dtype": str(v.dtype)}
            if isinstance(v, _np.generic) and t.__module__ == "numpy": return enc(v.item(), depth + 1)
        if mod.startswith("pandas"):
            import pandas as _pd
            if t is _pd.Series:
                return {"t": "series", "v": v.to_json(orient="split", date_format="iso", default_handler=str),
                        "dtype": str(v.dtype), "name": enc(v.name, depth + 1), "index_name": enc(v.index.name, depth + 1)}
            if t is _pd.DataFrame:
                return {"t": "frame", "v": v.to_json(orient="split", date_format="iso", default_handler=str),
                        "dtypes": {str(k): str(d) for k, d in v.dtypes.items()}, "index_name": enc(v.index.name, depth + 1)}
            if t is _pd.Index:
                return {"t": "index", "v": enc(v.tolist(), depth + 1), "name": enc(v.name, depth + 1)}
            if t is _pd.Timestamp:
                return {"t": "timestamp", "v": v.isoformat()}
        return {"t": "unsupported", "why": f"a {t.__name__} object"}
    out = {}
    g = globals()
    for n in names:
        if n not in g:
            out[n] = {"t": "missing"}
            continue
        try:
            out[n] = enc(g[n])
        except Exception as e:
            out[n] = {"t": "unsupported", "why": type(e).__name__}
    _os.makedirs("answers", exist_ok=True)
    with open(_os.path.join("answers", grade_id + ".json"), "w") as fh:
        _json.dump(out, fh)
'''


def capture_cell(grade_id: str, names: list[str]) -> str:
    return f"__course_capture({grade_id!r}, {names!r})"


# Runs in the trusted kernel: rebuilds values from JSON with no eval and no pickle.
INJECT_SETUP = r'''
def __course_inject(grade_id, names, reason):
    import json as _json, os as _os
    from io import StringIO as _S
    class NotRecorded:
        def __init__(self, name, why): self._name, self._why = name, why
        def __repr__(self): return f"<no answer recorded for {self._name}: {self._why}>"
        def __getattr__(self, attr):
            raise AssertionError(f"{self._name}: no answer was recorded ({self._why}).")
        def __eq__(self, other): return False
        __hash__ = None
    def dec(d):
        t = d.get("t")
        if t == "none": return None
        if t == "ellipsis": return Ellipsis
        if t == "bool": return bool(d["v"])
        if t == "int": return int(d["v"])
        if t == "float": return float(d["v"])
        if t == "str": return str(d["v"])
        if t in ("list", "tuple", "set", "frozenset"):
            items = [dec(x) for x in d["v"]]
            return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
        if t == "dict": return {dec(k): dec(v) for k, v in d["v"]}
        if t == "ndarray":
            import numpy as _np
            return _np.array(dec(d["v"]), dtype=d["dtype"] if d["dtype"] != "object" else object)
        if t in ("series", "frame", "index", "timestamp"):
            import pandas as _pd
            if t == "timestamp": return _pd.Timestamp(d["v"])
            if t == "index": return _pd.Index(dec(d["v"]), name=dec(d["name"]))
            if t == "series":
                s = _pd.read_json(_S(d["v"]), orient="split", typ="series", dtype=False, convert_dates=False)
                s = _restore(s, d["dtype"]); s.name = dec(d["name"]); s.index.name = dec(d["index_name"])
                return s
            f = _pd.read_json(_S(d["v"]), orient="split", dtype=False, convert_dates=False)
            for col, dtype in d["dtypes"].items():
                key = next((c for c in f.columns if str(c) == col), None)
                if key is not None: f[key] = _restore(f[key], dtype)
            f.index.name = dec(d["index_name"])
            return f
        why = d.get("why") or ("the variable was never created" if t == "missing" else "it is not plain data")
        return NotRecorded("answer", why)
    def _restore(s, dtype):
        import pandas as _pd
        try:
            if dtype.startswith("datetime64"): return _pd.to_datetime(s)
            return s.astype(dtype)
        except Exception:
            return s
    path = _os.path.join("answers", grade_id + ".json")
    g = globals()
    if not _os.path.exists(path):
        for n in names: g[n] = NotRecorded(n, reason)
        return
    with open(path) as fh:
        data = _json.load(fh)
    for n in names:
        value = dec(data.get(n, {"t": "missing"}))
        if isinstance(value, NotRecorded): value._name = n
        g[n] = value
'''


def inject_cell(grade_id: str, names: list[str], reason: str) -> str:
    return f"__course_inject({grade_id!r}, {names!r}, {reason!r})"

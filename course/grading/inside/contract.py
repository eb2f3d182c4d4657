"""The output contract of a sandboxed run: where its folder is, how much output is kept, and the plain-words messages.

Both ways of running a notebook inside a sandbox (``zygote``, ``runner``) follow it, so a
student sees the same notes whichever engine graded them.
"""

from __future__ import annotations

import json

#: Where the run's private folder appears inside the sandbox (not /work: the repository may live there).
INSIDE = "/submission"
#: A cell's metadata flag: no time limit per cell for it (the grader's cells that wait for the other run;
#: each call they carry has its own limit, and the whole run its wall time).
NO_CELL_LIMIT = "course_no_cell_limit"
#: Any one output (a print, a figure, a table) larger than this is replaced by a note.
PER_OUTPUT_BYTES = 100_000


def cut_note(size: int) -> str:
    """What replaces an output that was too large."""
    return f"[output of {size:,} bytes removed by the grader: print less]\n"


def time_limit_message(seconds: int) -> str:
    """Why a cell stopped at the time limit per cell."""
    return f"this cell was stopped after the time limit of {seconds} s per cell (an endless loop?)"


def output_size(output: dict) -> int:
    """The size an output counts for: its JSON text."""
    return len(json.dumps(output))


def keeps(size: int, total: int, max_total: int) -> bool:
    """True if an output of ``size`` bytes is kept when ``total`` bytes were kept before it (of ``max_total``)."""
    return size <= PER_OUTPUT_BYTES and total + size <= max_total


def cut_output(size: int) -> dict:
    """The stderr stream output that stands for a removed one."""
    return {"output_type": "stream", "name": "stderr", "text": cut_note(size)}

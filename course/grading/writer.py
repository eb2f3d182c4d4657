"""The one writer of the gradebook during a batch: workers' results written in batches, one transaction each.

A grading worker runs nbgrader's own autograde in a private course whose gradebook is a
snapshot of the real one, and sends back what that wrote (:func:`rows_of`): per notebook,
each grade cell's ``auto_score`` and ``needs_manual_grade``, each comment's ``auto_comment`` and
the late penalty, with the submission's timestamp. :func:`write_batch` writes a batch of them
into the real gradebook (sqlite or PostgreSQL) in one transaction, the way nbgrader's
autograde does (``update_or_create_submission``, then those columns): manual grades, extra
credit and manual comments are never written, and a grade whose manual score changed since
the snapshot is marked for review. If the batch's transaction fails, each result is written
alone, so one bad row fails one student.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json


def rows_of(sub) -> dict:
    """What nbgrader's autograde wrote for one submission (an nbgrader ``SubmittedAssignment``), as plain data."""
    stamp = sub.timestamp
    return {
        "timestamp": stamp.isoformat() if isinstance(stamp, dt.datetime) else None,
        "notebooks": {
            nb.name: {
                "penalty": nb.late_submission_penalty,
                "grades": {g.name: [g.auto_score, bool(g.needs_manual_grade), g.manual_score] for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
            for nb in sub.notebooks
        },
    }


def state_of(sub) -> str:
    """A digest of everything a student's feedback shows from the gradebook: every score, comment and penalty."""
    items: list = [["late", sub.late_submission_penalty]]
    for nb in sorted(sub.notebooks, key=lambda n: n.name):
        items += sorted(["grade", nb.name, g.name, g.auto_score, g.manual_score, g.extra_credit] for g in nb.grades)
        items += sorted(["comment", nb.name, c.name, c.auto_comment or "", c.manual_comment or ""] for c in nb.comments)
    return hashlib.sha256(json.dumps(items, default=str).encode()).hexdigest()


def _apply(gb, aid: str, student: str, rows: dict) -> dict:
    """Write one worker's rows through ``gb`` (no commit of its own); return the student's outcome in the gradebook."""
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
    except MissingEntry:  # nbgrader's autograde creates a student it does not know
        gb.add_student(student)
    kwargs = {"timestamp": rows["timestamp"]} if rows.get("timestamp") else {}
    sub = gb.update_or_create_submission(aid, student, **kwargs)
    kept = 0
    for nb in sub.notebooks:
        data = rows["notebooks"].get(nb.name)
        if data is None:
            continue
        for g in nb.grades:
            if g.name not in data["grades"]:
                continue
            auto, needs, manual_then = data["grades"][g.name]
            g.auto_score = auto
            # as nbgrader decided in the worker, unless a manual grade was given since its snapshot
            g.needs_manual_grade = needs if g.manual_score == manual_then else True
        for c in nb.comments:
            if c.name in data["comments"]:
                c.auto_comment = data["comments"][c.name]
        nb.late_submission_penalty = data["penalty"]
        kept += sum(1 for g in nb.grades if g.manual_score is not None or g.extra_credit)
        kept += sum(1 for c in nb.comments if c.manual_comment)
    gb.db.flush()
    for nb in sub.notebooks:  # nbgrader computes a grade's score in SQL, loaded with the row: read it again
        for g in nb.grades:
            gb.db.expire(g, ["score"])
    scores = {(nb.name, g.name): float(g.score or 0.0) for nb in sub.notebooks for g in nb.grades}
    return {"scores": scores, "late": float(sub.total_seconds_late or 0.0),
            "penalty": float(sub.late_submission_penalty or 0.0), "state": state_of(sub), "kept_manual": kept,
            "score": float(sub.score or 0.0), "max_score": float(sub.max_score or 0.0), "error": ""}


@contextlib.contextmanager
def _one_transaction(gb):
    """nbgrader's Gradebook commits after every change: within the block its commits only flush."""
    session = gb.db
    commit = session.commit
    session.commit = session.flush
    try:
        yield
    finally:
        session.commit = commit


def write_batch(ws, aid: str, results: list[dict], gb=None) -> dict[str, dict]:
    """Write the gradebook rows of ``results`` (each ``{"student", "rows"}``) in one transaction.

    ``gb``: an open nbgrader Gradebook to write through (a batch run keeps one open); default: ``ws``'s, opened here.

    Returns ``{student: outcome}``: the student's scores per ``(notebook, cell)``, lateness, penalty,
    gradebook state (:func:`state_of`), the manual grades and comments kept, and ``error`` ("" when written).
    """
    if gb is None:
        with ws.gradebook() as gb:
            return write_batch(ws, aid, results, gb)
    from sqlalchemy.exc import SQLAlchemyError
    from nbgrader.api import InvalidEntry, MissingEntry

    refused = (SQLAlchemyError, InvalidEntry, MissingEntry, KeyError, TypeError, ValueError, AttributeError)
    out: dict[str, dict] = {}
    try:
        with _one_transaction(gb):
            for r in results:
                out[r["student"]] = _apply(gb, aid, r["student"], r["rows"])
        gb.db.commit()
        return out
    except refused:
        gb.db.rollback()
    out = {}
    for r in results:  # one at a time: the one that fails fails alone
        try:
            with _one_transaction(gb):
                outcome = _apply(gb, aid, r["student"], r["rows"])
            gb.db.commit()
            out[r["student"]] = outcome
        except refused as exc:
            gb.db.rollback()
            out[r["student"]] = {"error": f"the gradebook refused this student's grades ({type(exc).__name__}: "
                                          f"{str(exc).splitlines()[0][:200] if str(exc) else ''})"}
    return out

"""The one writer of the gradebook during a batch: workers' results written in batches, one transaction each.

A grading worker runs nbgrader's own autograde in a private course whose gradebook is a
snapshot of the real one, and sends back what that wrote (:func:`rows_of`): per notebook,
each grade cell's ``auto_score`` and ``needs_manual_grade``, each comment's ``auto_comment`` and
the late penalty, with the submission's timestamp. :func:`write_batch` writes a batch of them
into the real gradebook (sqlite or PostgreSQL) in one transaction, leaving the rows nbgrader's
autograde leaves (``update_or_create_submission``, then those columns), but with a few SQL
statements for the whole batch (one insert or update per table) instead of nbgrader's ORM,
object by object, for each student (``tests/unit/test_writer.py`` compares the two gradebooks):
manual grades, extra credit and manual comments are never written, and a grade whose manual
score changed since the snapshot is marked for review. If the batch's transaction fails, each
result is written alone, so one bad row fails one student.
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
    return _digest(sub.late_submission_penalty,
                   [(nb.name, g.name, g.auto_score, g.manual_score, g.extra_credit) for nb in sub.notebooks for g in nb.grades],
                   [(nb.name, c.name, c.auto_comment, c.manual_comment) for nb in sub.notebooks for c in nb.comments])


def _digest(penalty, grades: list[tuple], comments: list[tuple]) -> str:
    """:func:`state_of` from plain values: ``(notebook, cell, auto, manual, extra)`` and ``(notebook, cell, auto, manual)``."""
    items: list = [["late", penalty]]
    for name in sorted({g[0] for g in grades} | {c[0] for c in comments}):
        items += sorted(["grade", nb, cell, auto, manual, extra] for nb, cell, auto, manual, extra in grades if nb == name)
        items += sorted(["comment", nb, cell, auto or "", manual or ""] for nb, cell, auto, manual in comments if nb == name)
    return hashlib.sha256(json.dumps(items, default=str).encode()).hexdigest()


def _apply_all(gb, aid: str, results: list[dict]) -> dict[str, dict]:
    """Write the rows of ``results`` through ``gb``'s transaction (no commit of its own); return each student's outcome.

    What nbgrader's ``update_or_create_submission`` and autograde's writes would leave, done with a few
    SQL statements for the whole batch (SQLAlchemy Core, nbgrader's own tables) instead of nbgrader's
    ORM, object by object, for each student: a student nbgrader does not know is added; a new
    submission gets a notebook row for each of the assignment's notebooks, a grade for each grade
    and task cell, a comment for each solution and task cell, with nbgrader's defaults; then each
    grade's ``auto_score`` and ``needs_manual_grade``, each comment's ``auto_comment``, each notebook's
    late penalty and the submission's timestamp are set as :func:`_apply` set them one student at a time.
    """
    from nbgrader import utils
    from nbgrader.api import (Assignment, BaseCell, Comment, Grade, MissingEntry, Notebook, Student, SubmittedAssignment,
                              SubmittedNotebook, new_uuid)
    from sqlalchemy import bindparam, insert, select, update

    conn = gb.db.connection()
    students = list(dict.fromkeys(r["student"] for r in results))
    t_a, t_nb, t_cell = Assignment.__table__, Notebook.__table__, BaseCell.__table__
    t_student, t_sub, t_snb = Student.__table__, SubmittedAssignment.__table__, SubmittedNotebook.__table__
    t_grade, t_comment = Grade.__table__, Comment.__table__

    found = conn.execute(select(t_a.c.id, t_a.c.duedate).where(t_a.c.name == aid)).all()
    if len(found) != 1:
        raise MissingEntry(f"No such assignment: {aid}")
    assignment_id, duedate = found[0]
    notebooks: dict[str, str] = {}  # notebook id -> name
    cells: dict[str, list] = {}  # notebook id -> [(cell id, name, type)]
    for nb_id, nb_name, cell_id, cell_name, cell_type in conn.execute(
            select(t_nb.c.id, t_nb.c.name, t_cell.c.id, t_cell.c.name, t_cell.c.type)
            .select_from(t_nb.outerjoin(t_cell, t_cell.c.notebook_id == t_nb.c.id))
            .where(t_nb.c.assignment_id == assignment_id)):
        notebooks[nb_id] = nb_name
        cells.setdefault(nb_id, [])
        if cell_id is not None:
            cells[nb_id].append((cell_id, cell_name, cell_type))

    known = set(conn.execute(select(t_student.c.id).where(t_student.c.id.in_(students))).scalars())
    if len(known) < len(students):  # nbgrader's autograde creates a student it does not know
        conn.execute(insert(t_student), [{"id": sid} for sid in students if sid not in known])

    # what each student's submission holds now: {student: {"id", "timestamp", "extension", "notebooks": {snb id: {...}}}}
    subs: dict[str, dict] = {}
    for sub_id, sid, stamp, extension in conn.execute(
            select(t_sub.c.id, t_sub.c.student_id, t_sub.c.timestamp, t_sub.c.extension)
            .where(t_sub.c.assignment_id == assignment_id, t_sub.c.student_id.in_(students))):
        subs[sid] = {"id": sub_id, "timestamp": stamp, "extension": extension, "notebooks": {}}
    by_sub = {sub["id"]: sub for sub in subs.values()}
    snbs: dict[str, dict] = {}
    if by_sub:
        for snb_id, sub_id, nb_name, penalty in conn.execute(
                select(t_snb.c.id, t_snb.c.assignment_id, t_nb.c.name, t_snb.c.late_submission_penalty)
                .select_from(t_snb.join(t_nb, t_nb.c.id == t_snb.c.notebook_id))
                .where(t_snb.c.assignment_id.in_(list(by_sub)))):
            snbs[snb_id] = by_sub[sub_id]["notebooks"][snb_id] = {"name": nb_name, "penalty": penalty, "grades": [],
                                                                    "comments": []}
        if snbs:
            for g_id, snb_id, name, auto, manual, extra, needs in conn.execute(
                    select(t_grade.c.id, t_grade.c.notebook_id, t_cell.c.name, t_grade.c.auto_score, t_grade.c.manual_score,
                           t_grade.c.extra_credit, t_grade.c.needs_manual_grade)
                    .select_from(t_grade.join(t_cell, t_cell.c.id == t_grade.c.cell_id))
                    .where(t_grade.c.notebook_id.in_(list(snbs)))):
                snbs[snb_id]["grades"].append({"id": g_id, "name": name, "auto": auto, "manual": manual, "extra": extra,
                                               "needs": needs, "changed": False})
            for c_id, snb_id, name, auto, manual in conn.execute(
                    select(t_comment.c.id, t_comment.c.notebook_id, t_cell.c.name, t_comment.c.auto_comment,
                           t_comment.c.manual_comment)
                    .select_from(t_comment.join(t_cell, t_cell.c.id == t_comment.c.cell_id))
                    .where(t_comment.c.notebook_id.in_(list(snbs)))):
                snbs[snb_id]["comments"].append({"id": c_id, "name": name, "auto": auto, "manual": manual,
                                                 "changed": False})

    new_subs, new_snbs, new_grades, new_comments = [], [], [], []
    for r in results:
        sid, rows = r["student"], r["rows"]
        stamp = utils.parse_utc(rows["timestamp"]) if rows.get("timestamp") else None
        sub = subs.get(sid)
        if sub is None:  # nbgrader's add_submission: the assignment's whole structure, with its defaults
            sub = subs[sid] = {"id": new_uuid(), "timestamp": stamp, "extension": None, "notebooks": {}, "new": True}
            for nb_id, nb_name in notebooks.items():
                snb = {"name": nb_name, "penalty": None, "grades": [], "comments": [], "new": True, "notebook_id": nb_id}
                sub["notebooks"][new_uuid()] = snb
                for cell_id, name, kind in cells[nb_id]:
                    if kind in ("GradeCell", "TaskCell"):
                        snb["grades"].append({"id": new_uuid(), "cell_id": cell_id, "name": name, "auto": None,
                                              "manual": None, "extra": None, "needs": True, "changed": False})
                    if kind in ("SolutionCell", "TaskCell"):
                        snb["comments"].append({"id": new_uuid(), "cell_id": cell_id, "name": name, "auto": None,
                                                "manual": None, "changed": False})
        elif stamp is not None:
            sub["timestamp"], sub["stamp_changed"] = stamp, True
        sub["kept"] = 0
        for snb in sub["notebooks"].values():
            data = rows["notebooks"].get(snb["name"])
            if data is None:
                continue
            for g in snb["grades"]:
                if g["name"] not in data["grades"]:
                    continue
                auto, needs, manual_then = data["grades"][g["name"]]
                # as nbgrader decided in the worker, unless a manual grade was given since its snapshot
                g["auto"], g["needs"], g["changed"] = auto, needs if g["manual"] == manual_then else True, True
            for c in snb["comments"]:
                if c["name"] in data["comments"]:
                    c["auto"], c["changed"] = data["comments"][c["name"]], True
            snb["penalty"], snb["penalty_changed"] = data["penalty"], True
            sub["kept"] += sum(1 for g in snb["grades"] if g["manual"] is not None or g["extra"])
            sub["kept"] += sum(1 for c in snb["comments"] if c["manual"])

    for sid in students:
        sub = subs[sid]
        if sub.get("new"):
            new_subs.append({"id": sub["id"], "assignment_id": assignment_id, "student_id": sid, "timestamp": sub["timestamp"]})
        for snb_id, snb in sub["notebooks"].items():
            if snb.get("new"):
                new_snbs.append({"id": snb_id, "assignment_id": sub["id"], "notebook_id": snb["notebook_id"],
                                 "late_submission_penalty": snb["penalty"]})
                new_grades += [{"id": g["id"], "notebook_id": snb_id, "cell_id": g["cell_id"], "auto_score": g["auto"],
                                "needs_manual_grade": g["needs"]} for g in snb["grades"]]
                new_comments += [{"id": c["id"], "notebook_id": snb_id, "cell_id": c["cell_id"], "auto_comment": c["auto"]}
                                 for c in snb["comments"]]
    if new_subs:  # parents before children, as nbgrader's flush orders them
        conn.execute(insert(t_sub), new_subs)
    if new_snbs:
        conn.execute(insert(t_snb), new_snbs)
    if new_grades:
        conn.execute(insert(t_grade), new_grades)
    if new_comments:
        conn.execute(insert(t_comment), new_comments)
    old = [subs[sid] for sid in students if not subs[sid].get("new")]
    stamps = [{"k": s["id"], "v": s["timestamp"]} for s in old if s.get("stamp_changed")]
    penalties, grades, comments = [], [], []
    for s in old:
        for snb_id, snb in s["notebooks"].items():
            if snb.get("penalty_changed"):
                penalties.append({"k": snb_id, "v": snb["penalty"]})
            grades += [{"k": g["id"], "auto": g["auto"], "needs": g["needs"]} for g in snb["grades"] if g["changed"]]
            comments += [{"k": c["id"], "v": c["auto"]} for c in snb["comments"] if c["changed"]]
    if stamps:
        conn.execute(update(t_sub).where(t_sub.c.id == bindparam("k")).values(timestamp=bindparam("v")), stamps)
    if penalties:
        conn.execute(update(t_snb).where(t_snb.c.id == bindparam("k")).values(late_submission_penalty=bindparam("v")),
                     penalties)
    if grades:
        conn.execute(update(t_grade).where(t_grade.c.id == bindparam("k"))
                     .values(auto_score=bindparam("auto"), needs_manual_grade=bindparam("needs")), grades)
    if comments:
        conn.execute(update(t_comment).where(t_comment.c.id == bindparam("k")).values(auto_comment=bindparam("v")), comments)

    # the submissions' totals and each grade's score as nbgrader computes them (its column properties, in SQL)
    totals = {sub_id: (score, most, penalty) for sub_id, score, most, penalty in gb.db.execute(
        select(SubmittedAssignment.id, SubmittedAssignment.score, SubmittedAssignment.max_score,
               SubmittedAssignment.late_submission_penalty)
        .where(SubmittedAssignment.id.in_([subs[sid]["id"] for sid in students])))}
    grade_score = dict(gb.db.execute(select(Grade.id, Grade.score).where(Grade.notebook_id.in_(
        [snb_id for sid in students for snb_id in subs[sid]["notebooks"]]))).all())
    out = {}
    for sid in students:
        sub = subs[sid]
        score, most, penalty = totals[sub["id"]]
        grade_rows = [(snb["name"], g["name"], g["auto"], g["manual"], g["extra"])
                      for snb in sub["notebooks"].values() for g in snb["grades"]]
        comment_rows = [(snb["name"], c["name"], c["auto"], c["manual"])
                        for snb in sub["notebooks"].values() for c in snb["comments"]]
        due = duedate + sub["extension"] if duedate is not None and sub["extension"] is not None else duedate
        late = 0 if sub["timestamp"] is None or due is None else max(0, (sub["timestamp"] - due).total_seconds())
        scores = {(snb["name"], g["name"]): float(grade_score[g["id"]] or 0.0)
                  for snb in sub["notebooks"].values() for g in snb["grades"]}
        out[sid] = {"scores": scores,
                    "late": float(late or 0.0), "penalty": float(penalty or 0.0),
                    "state": _digest(penalty, grade_rows, comment_rows), "kept_manual": sub["kept"],
                    "score": float(score or 0.0), "max_score": float(most or 0.0), "error": ""}
    return out


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


#: Indexes the batch writer adds to nbgrader's gradebook: nbgrader's schema has none on these columns, so each
#: batch's lookups by submission (and nbgrader's own score sums, correlated subqueries) scanned every student's rows.
INDEXES = (("course_ix_grade_notebook", "grade", "notebook_id"),
           ("course_ix_comment_notebook", "comment", "notebook_id"),
           ("course_ix_submitted_notebook_assignment", "submitted_notebook", "assignment_id"))
_INDEXED: set[str] = set()


def ensure_indexes(gb) -> None:
    """Add :data:`INDEXES` to ``gb``'s database if they are not there (once per database and process).

    Only an index: nbgrader's tables, rows and migrations are untouched, and nbgrader's own
    queries by submission get faster too. A database that refuses (no right to create an index)
    is left as it is: grading is then only slower for a large class.
    """
    from sqlalchemy.exc import SQLAlchemyError

    url = str(gb.db.get_bind().url)
    if url in _INDEXED:
        return
    try:
        conn = gb.db.connection()
        for name, table, column in INDEXES:
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
        gb.db.commit()
    except SQLAlchemyError:
        gb.db.rollback()
    _INDEXED.add(url)


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
    ensure_indexes(gb)
    out: dict[str, dict] = {}
    try:
        with _one_transaction(gb):
            out = _apply_all(gb, aid, results)
        gb.db.commit()
        return out
    except refused:
        gb.db.rollback()
    out = {}
    for r in results:  # one at a time: the one that fails fails alone
        try:
            with _one_transaction(gb):
                outcome = _apply_all(gb, aid, [r])[r["student"]]
            gb.db.commit()
            out[r["student"]] = outcome
        except refused as exc:
            gb.db.rollback()
            out[r["student"]] = {"error": f"the gradebook refused this student's grades ({type(exc).__name__}: "
                                          f"{str(exc).splitlines()[0][:200] if str(exc) else ''})"}
    return out

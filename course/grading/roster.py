"""Read and validate a class roster (CSV: id, first_name, last_name, email, lms_user_id)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from course.errors import RosterError
from course.grading.workspace import Student

COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")
#: nbgrader's gradebook keeps a student id in 128 characters (a PostgreSQL server enforces it).
MAX_ID = 128
#: nbgrader names a submission "<id>+<assignment>+<time>" in the exchange and finds it by pattern.
EXCHANGE_CHARS = "+*?[]"


def id_problem(sid: str) -> str:
    """Why ``sid`` cannot be a student id ("" if it can).

    nbgrader makes the id a folder name (``submitted/<id>/``) and part of the exchange's file
    names, so only what is unsafe there is refused: a '/', "." or "..", a NUL or other control
    character, white space, a leading '-', nbgrader's exchange characters, and ids longer than
    the gradebook keeps. E-mail addresses and hub user names (``jupyter-aiko``) are fine.
    """
    if "/" in sid:
        return "has a '/', which would make it a path of folders"
    if sid in (".", ".."):
        return "is a folder's own name"
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in sid):
        return "has a space, tab, line break or control character"
    if sid.startswith("-"):
        return "starts with '-', which commands read as an option"
    bad = sorted({ch for ch in sid if ch in EXCHANGE_CHARS})
    if bad:
        return f"has {' '.join(repr(ch) for ch in bad)}, which nbgrader's exchange uses in its file names"
    if len(sid) > MAX_ID:
        return f"is longer than the {MAX_ID} characters nbgrader's gradebook keeps"
    return ""


def load(path: Path | str) -> list[Student]:
    """Read a roster CSV with a header row; only ``id`` is required (``id_problem`` says which ids are refused).

    ``lms_user_id`` is the student's user ID in the LMS (in Canvas, the number in the
    address of their profile page); the Canvas and Moodle exports carry it.

    Raises:
        RosterError: the file is missing, has no ``id`` column, or has an empty,
            malformed or duplicate student id (the message names the line).
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"roster {path}: no such file. Give a CSV with a header row: {','.join(COLUMNS)}.")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "id" not in [f.strip() for f in reader.fieldnames]:
            raise RosterError(f"roster {path}: no 'id' column in the header. The first line should be: {','.join(COLUMNS)}.")
        students: list[Student] = []
        seen: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            sid = row.get("id", "")
            if not sid:
                raise RosterError(f"roster {path} line {line}: empty student id. Fill it in or delete the line.")
            problem = id_problem(sid)
            if problem:
                raise RosterError(f"roster {path} line {line}: student id {sid!r} {problem}: fix it on that line "
                                  "(a user name or an e-mail address works).")
            if sid in seen:
                raise RosterError(f"roster {path} line {line}: duplicate student id {sid!r} (first on line {seen[sid]}). Each student needs one id.")
            seen[sid] = line
            students.append(Student(sid, row.get("first_name", ""), row.get("last_name", ""), row.get("email", ""),
                                    row.get("lms_user_id", "")))
    if not students:
        raise RosterError(f"roster {path}: no students. Add one line per student under the header.")
    return students

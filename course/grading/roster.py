"""Read and validate a class roster (CSV: id, first_name, last_name, email)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from course.errors import RosterError
from course.grading.workspace import Student

COLUMNS = ("id", "first_name", "last_name", "email")
# nbgrader uses student ids in folder names and splits exchange file names on "+".
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def load(path: Path | str) -> list[Student]:
    """Read a roster CSV with a header row; only ``id`` is required.

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
            if not ID_PATTERN.match(sid):
                raise RosterError(
                    f"roster {path} line {line}: student id {sid!r} may only use letters, digits, '.', '_' and '-'. Rename it."
                )
            if sid in seen:
                raise RosterError(f"roster {path} line {line}: duplicate student id {sid!r} (first on line {seen[sid]}). Each student needs one id.")
            seen[sid] = line
            students.append(Student(sid, row.get("first_name", ""), row.get("last_name", ""), row.get("email", "")))
    if not students:
        raise RosterError(f"roster {path}: no students. Add one line per student under the header.")
    return students

"""Read and validate a class roster (CSV: id, first_name, last_name, email, lms_user_id)."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from course.errors import RosterError


@dataclass(frozen=True)
class Student:
    """A student as the roster, the gradebook and the LMS files name them."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""  # the student's id in the LMS (Canvas's user ID), for the grade exports


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


#: What Excel saves a CSV as besides UTF-8: Japanese Windows (Shift_JIS as Microsoft extends it) and Western Windows.
EXCEL_ENCODINGS = ("cp932", "cp1252")


def decode(data: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The text of a roster file and the encoding it was read in.

    UTF-8 (with or without Excel's BOM) is tried first, strictly; then the encodings Excel
    saves in (``EXCEL_ENCODINGS``), the likelier one chosen by charset-normalizer when it is
    installed (it comes with requests), else the first that decodes. ``encoding`` forces one.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise RosterError(f"roster {path}: unknown encoding {encoding!r}. Use e.g. utf-8, cp932 (Shift_JIS) or cp1252.") from None
        except UnicodeDecodeError as exc:
            raise RosterError(f"roster {path}: not {encoding} (byte {exc.start} does not decode). "
                              "Leave out --encoding to detect it, or save the file as UTF-8 CSV.") from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = list(EXCEL_ENCODINGS)
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=list(EXCEL_ENCODINGS)).best()
        if best is not None and best.encoding in EXCEL_ENCODINGS:
            candidates.remove(best.encoding)
            candidates.insert(0, best.encoding)
    except ImportError:  # without it, the order above: Japanese Excel first
        pass
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise RosterError(f"roster {path}: neither UTF-8 nor {' nor '.join(EXCEL_ENCODINGS)}. "
                      "Save it from Excel as 'CSV UTF-8', or give its encoding with --encoding.")


def load(path: Path | str, encoding: str | None = None,
         progress: Callable[[str], None] | None = None) -> list[Student]:
    """Read a roster CSV with a header row; only ``id`` is required (``id_problem`` says which ids are refused).

    ``lms_user_id`` is the student's user ID in the LMS (in Canvas, the number in the
    address of their profile page); the Canvas and Moodle exports carry it. The file may be
    UTF-8 (with or without a BOM), Shift_JIS/cp932 or cp1252 (see ``decode``); ``progress``
    is told which one was read when it was not plain UTF-8. Ids are compared ignoring case,
    as LMSs and hub logins do: ``S01`` and ``s01`` are one student, so both on one roster is an error.

    Raises:
        RosterError: the file is missing or unreadable, has no ``id`` column, or has an empty,
            malformed or duplicate student id (the message names the line).
    """
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"roster {path}: no such file. Give a CSV with a header row: {','.join(COLUMNS)}.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"roster {path}: cannot be read ({exc.strerror}). Check its permissions.") from None
    text, used = decode(data, path, encoding)
    if progress is not None and used != "utf-8":
        progress(f"Roster {path.name} read as {used}")
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "id" not in [f.strip() for f in reader.fieldnames]:
            raise RosterError(f"roster {path}: no 'id' column in the header. The first line should be: {','.join(COLUMNS)}.")
        students: list[Student] = []
        seen: dict[str, tuple[int, str]] = {}
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            sid = row.get("id", "")
            if not sid:
                raise RosterError(f"roster {path} line {line}: empty student id. Fill it in or delete the line.")
            problem = id_problem(sid)
            if problem:
                raise RosterError(f"roster {path} line {line}: student id {sid!r} {problem}: fix it on that line "
                                  "(a user name or an e-mail address works).")
            key = sid.casefold()
            if key in seen:
                first, first_id = seen[key]
                what = f"duplicate student id {sid!r}" if first_id == sid else \
                    f"student id {sid!r} is {first_id!r} in other letter case (ids ignore case)"
                raise RosterError(f"roster {path} line {line}: {what} (first on line {first}). Each student needs one id.")
            seen[key] = (line, sid)
            students.append(Student(sid, row.get("first_name", ""), row.get("last_name", ""), row.get("email", ""),
                                    row.get("lms_user_id", "")))
    if not students:
        raise RosterError(f"roster {path}: no students. Add one line per student under the header.")
    return students

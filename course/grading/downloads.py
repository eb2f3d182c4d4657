"""Submissions as an LMS gives them, copied into nbgrader's ``submitted/<student>/<assignment>/``.

Three layouts, as a folder or a .zip of one:

* one folder per student id (``<id>/<files>`` or ``<id>/<assignment>/<files>``), the ids as on the roster
  (in any letter case); a folder may carry nbgrader's own ``timestamp.txt``, which then gives the time.
* Canvas's "Download Submissions": flat files named ``<name>_<user id>_<submission id>_<file>``,
  ``<name>_LATE_<user id>_<submission id>_<file>`` when Canvas judged it late; a re-upload may
  have ``-1``, ``-2`` added to the file's stem. The user id is the roster's ``lms_user_id``.
  Canvas gives no submission time: an unmarked file is on time (Canvas said so), a LATE one is
  late by an unknown amount. (Relied on: Canvas community guides for "Download Submissions" and
  the file names those downloads carry, as tools that re-import them parse them.)
* Moodle's "Download all submissions": ``<Full Name>_<participant id>_assignsubmission_file_/<file>``
  folders (or, with "download in folders" off, flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``).
  The participant id is Moodle's own per-assignment number, not always the user id: it is
  matched to ``lms_user_id``, else to the roster's names. Moodle's download gives no time: lateness unknown.
  (Relied on: Moodle's mod/assign download strings, "Download submissions in folders: each
  submission is put in a separate folder … files are not renamed".)

Browsers rename a second download of ``lab.ipynb`` to ``lab (1).ipynb``: the newest numbered
copy is graded under the notebook's own name, with a notice.

Lateness is "unknown" for a submission with neither nbgrader's ``timestamp.txt`` nor the LMS's
word that it was on time (``ON_TIME``): ``lateness_known`` says which.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError
from course.grading.workspace import Student, Workspace, keep_links_only, links_in

#: nbgrader's record of when a submission was handed in (its autograde reads it for lateness).
TIMESTAMP = "timestamp.txt"
#: Left in a submission the LMS judged on time without saying when (Canvas's files without LATE).
ON_TIME = ".course-lms-on-time"
#: A .zip larger than this unpacked is refused (a download of a class's notebooks is far smaller).
MAX_UNZIPPED = 2 * 1024**3

CANVAS = re.compile(r"^(?P<name>.+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<subid>\d+)_(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
BROWSER_COPY = re.compile(r"^(?P<stem>.+?) \((?P<n>\d+)\)(?P<ext>\.[^.]*)?$")
CANVAS_COPY = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[^.]*)?$")

EXPECTED = ("one folder per student id, Canvas's download (files named name_userid_submissionid_file.ipynb) "
            "or Moodle's (folders named 'Full Name_participantid_assignsubmission_file_')")


@dataclass
class Imported:
    """What an import did: notices for the instructor, and the students whose submissions were copied."""

    notices: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    layout: str = ""


def lateness_known(folder: Path) -> bool:
    """True if the submission in ``folder`` says when it was handed in, or that it was on time."""
    folder = Path(folder)
    return not folder.is_symlink() and ((folder / TIMESTAMP).is_file() or (folder / ON_TIME).is_file())


def check_path(path: Path | str) -> Path:
    """``path`` if it is a folder or a .zip file; else a one-line error (checked before anything is touched)."""
    path = Path(path)
    if path.is_dir():
        return path
    if path.is_file():
        if zipfile.is_zipfile(path):
            return path
        raise CourseError(f"submissions {path}: not a folder and not a .zip file. Give the LMS's download as it came "
                          f"(a .zip, or the folder it unpacks to): {EXPECTED}.")
    raise CourseError(f"no submissions folder or .zip {path}: check the path. Expected {EXPECTED}.")


def _fold(text: str) -> str:
    """A name as compared: Unicode-normalised, letter case and spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _unzip(path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise CourseError(f"submissions {path}: unpacks to more than {MAX_UNZIPPED // 1024**3} GB; "
                              "unpack it yourself and give the folder.")
        for info in infos:
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # a symbolic link in the archive: never made
            zf.extract(info, dest)  # zipfile drops absolute paths and '..' parts
    entries = [p for p in dest.iterdir() if p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir() and _layout_of(entries[0], []) in ("canvas", "moodle"):
        return entries[0]  # a zip of the download's folder
    return dest


def _layout_of(folder: Path, students: list[Student]) -> str:
    known = {s.id.casefold() for s in students}
    entries = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "__MACOSX"]
    if any(MOODLE.match(p.name) for p in entries):
        return "moodle"
    files = [p for p in entries if p.is_file() and not p.is_symlink()]
    if any(CANVAS.match(p.name) for p in files) and not any(p.name.casefold() in known for p in entries if p.is_dir()):
        return "canvas"
    if any(p.is_dir() or p.is_symlink() for p in entries):
        return "folders"
    return ""


def import_download(ws: Workspace, aid: str, path: Path | str, students: list[Student],
                    any_folder: bool = False) -> Imported:
    """Copy a download (``path``: a folder or a .zip) into ``ws``'s submitted/ folder for assignment ``aid``.

    Args:
        students: who may hand in (their ids, names and ``lms_user_id``).
        any_folder: take a per-student folder of any name as that student's (nbgrader's own course, where
            the folder names are the ids); else a folder for no one on the roster is skipped with a notice.

    Raises:
        CourseError: the path is missing, or its layout is none of the three (the message says what was expected).
    """
    path = check_path(path)
    with tempfile.TemporaryDirectory(prefix="course-download-") as tmp:
        folder = _unzip(path, Path(tmp)) if path.is_file() else path
        if not any(p for p in folder.iterdir() if not p.name.startswith(".")):
            return Imported([f"submissions {path}: empty, nothing imported."])
        layout = _layout_of(folder, students)
        if layout == "canvas":
            done = _canvas(ws, aid, folder, students)
        elif layout == "moodle":
            done = _moodle(ws, aid, folder, students)
        elif layout == "folders":
            done = _folders(ws, aid, folder, students, any_folder)
        else:
            shown = ", ".join(sorted(p.name for p in folder.iterdir())[:3])
            raise CourseError(f"submissions {path}: its files ({shown} …) are in no layout this tool knows. Expected {EXPECTED}.")
    done.layout = layout
    for sid in done.students:
        done.notices += _settle_copies(ws.submitted_dir(aid, sid), ws.release_dir(aid), sid)
    return done


def _fresh(dest: Path) -> Path:
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    return dest


def _folders(ws: Workspace, aid: str, folder: Path, students: list[Student], any_folder: bool) -> Imported:
    by_key = {s.id.casefold(): s.id for s in students}
    out = Imported()
    for sub in sorted(p for p in folder.iterdir() if (p.is_dir() or p.is_symlink()) and not p.name.startswith(".")):
        sid = by_key.get(sub.name.casefold(), sub.name if any_folder else None)
        if sid is None:
            out.notices.append(f"{sub.name}: a submission folder for a student who is not on the roster; skipped. "
                               "Add them to the roster to grade it.")
            continue
        if sid in out.students:
            out.notices.append(f"{sub.name}: a second folder for {sid} (ids ignore letter case); skipped. Keep one.")
            continue
        dest = ws.submitted_dir(aid, sid)
        out.students.append(sid)
        if sub.is_symlink():  # checked before anything looks inside: a linked folder is never entered
            keep_links_only(sub, dest)
            continue
        # Accept both <student>/<files> and <student>/<assignment>/<files>.
        src = sub / aid if (sub / aid).is_dir() and not (sub / aid).is_symlink() else sub
        if links_in(src):
            keep_links_only(src, dest)  # never follow a link out of a submission: grading reports it
            continue
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    return out


def _by_lms_id(students: list[Student]) -> dict[str, Student]:
    return {s.lms_user_id.strip(): s for s in students if s.lms_user_id.strip()}


def _canvas(ws: Workspace, aid: str, folder: Path, students: list[Student]) -> Imported:
    by_uid = _by_lms_id(students)
    out = Imported()
    files: dict[str, list[tuple[Path, str, bool]]] = {}
    unknown: dict[str, str] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name == "__MACOSX":
            continue
        m = CANVAS.match(p.name) if p.is_file() and not p.is_symlink() else None
        if m is None:
            out.notices.append(f"{p.name}: not named as Canvas names a submission (name_userid_submissionid_file); skipped.")
            continue
        s = by_uid.get(m["uid"])
        if s is None:
            unknown[m["uid"]] = m["name"]
            continue
        files.setdefault(s.id, []).append((p, m["file"], bool(m["late"])))
    for uid, name in sorted(unknown.items()):
        out.notices.append(f"Canvas user {uid} ({name}): no roster line has lms_user_id {uid}; skipped. "
                           "Add their Canvas user ID to the roster's lms_user_id column.")
    for sid, entries in files.items():
        dest = _fresh(ws.submitted_dir(aid, sid))
        for src, name, _ in entries:
            shutil.copy2(src, dest / name)
        if not any(late for _, _, late in entries):
            (dest / ON_TIME).write_text("Canvas's download did not mark this submission LATE.\n")
        out.students.append(sid)
    return out


def _moodle(ws: Workspace, aid: str, folder: Path, students: list[Student]) -> Imported:
    by_pid = _by_lms_id(students)
    by_name: dict[str, list[Student]] = {}
    for s in students:
        for name in {_fold(s.first_name + s.last_name), _fold(s.last_name + s.first_name)}:
            if name:
                by_name.setdefault(name, []).append(s)
    out = Imported()
    sources: dict[str, list[tuple[Path, str]]] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.name == "__MACOSX":
            continue
        m = MOODLE.match(p.name)
        if m is None:
            out.notices.append(f"{p.name}: not named as Moodle names a submission (Full Name_id_assignsubmission_file_); skipped.")
            continue
        if m["plugin"] != "file":
            continue  # online text, comments: nothing to grade here
        s = by_pid.get(m["pid"])
        if s is None:
            named = by_name.get(_fold(m["name"]), [])
            s = named[0] if len(named) == 1 else None
        if s is None:
            out.notices.append(f"Moodle participant {m['pid']} ({m['name']}): no roster line with that lms_user_id "
                               "or that one name; skipped. Add the id to the roster's lms_user_id column.")
            continue
        sources.setdefault(s.id, []).append((p, m["file"]))
    for sid, entries in sources.items():
        dest = _fresh(ws.submitted_dir(aid, sid))
        for src, name in entries:
            if src.is_symlink():
                keep_links_only(src, dest / (name or src.name))
            elif src.is_dir():
                if links_in(src):
                    keep_links_only(src, dest)
                else:
                    shutil.copytree(src, dest, dirs_exist_ok=True)
            elif name:
                shutil.copy2(src, dest / name)
        out.students.append(sid)
    return out


def _settle_copies(dest: Path, release: Path, sid: str) -> list[str]:
    """Grade a browser's ``lab (2).ipynb`` (or Canvas's re-upload ``lab-1.ipynb``) as ``lab.ipynb``: the newest copy wins."""
    if dest.is_symlink() or not dest.is_dir():
        return []
    expected = {p.name for p in release.iterdir()} if release.is_dir() else set()
    groups: dict[str, list[tuple[int, Path]]] = {}
    for p in sorted(dest.iterdir()):
        if not p.is_file() or p.is_symlink():
            continue
        m = BROWSER_COPY.match(p.name)
        if m is None and p.name not in expected:
            m = CANVAS_COPY.match(p.name)
        if m is None:
            continue
        target = m["stem"] + (m["ext"] or "")
        if m.re is CANVAS_COPY and target not in expected:
            continue
        groups.setdefault(target, []).append((int(m["n"]), p))
    notices = []
    for target, copies in groups.items():
        if (dest / target).is_file():
            copies.append((0, dest / target))
        copies.sort(key=lambda c: c[0])
        newest = copies[-1][1]
        others = [p.name for _, p in copies[:-1]]
        if newest.name != target:
            newest.replace(dest / target)
        for _, p in copies[:-1]:
            if p.exists() and p.name != target:
                p.unlink()
        notices.append(f"{sid}: {newest.name} graded as {target} (a renamed copy"
                       + (f"; the newest of {', '.join([newest.name, *others])}" if others else "") + ").")
    return notices

"""Look through everything a user can read for solution and hidden-test text.

Run as that user (runuser), with this file's text and a call to ``main`` on standard input:
the scan opens what that uid may open and nothing else, and no part of it needs to be readable
by that user. It prints one JSON object: the files holding a needle, and what was skipped.

What is read: every regular file under / that the user can open, binary files included, except
``SKIPPED_TREES`` (the kernel's and devices' pseudo-files, and Debian's and pip's installed
software, which comes from the package registries: see ``skipped_tree``) and compressed
archives and compiled programs (``OPAQUE_MAGIC``: a text search cannot see inside them, and the
course's tools write neither). SQLite files
(gradebooks) are read value by value as well as byte by byte; HTML files also with their tags
stripped and entities decoded (nbconvert splits highlighted code into spans).
"""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import tempfile

#: Trees no scan enters: pseudo-files, and software installed from Debian's and PyPI's packages.
SKIPPED_TREES = ("/proc", "/sys", "/dev", "/usr/lib", "/usr/share", "/usr/include")
#: Folders of installed Python packages (public, from PyPI): skipped, except the course's own package.
PACKAGE_DIRS = ("site-packages", "dist-packages")
COURSE_PACKAGES = ("course",)
#: Compressed archives (zip and wheels, gzip, xz, zstd, bzip2, 7z, Debian's ar packages) and compiled
#: programs (ELF): no text to search in them; the course's tools write neither.
OPAQUE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"\xfd7zXZ", b"(\xb5/\xfd", b"BZh", b"7z\xbc\xaf", b"!<arch>\n", b"\x7fELF")
SQLITE_MAGIC = b"SQLite format 3\x00"


def variants(needle: str) -> set[str]:
    """How a line of a notebook looks in the files that carry it: as is, inside JSON, inside HTML."""
    return {needle, json.dumps(needle, ensure_ascii=False)[1:-1], json.dumps(needle)[1:-1], html.escape(needle)}


def skipped_tree(path: str, name: str) -> bool:
    return path in SKIPPED_TREES or name in PACKAGE_DIRS


def walk(roots: list[str]):
    """Every regular file under ``roots`` this process may open: (path, first bytes)."""
    todo = list(roots)
    while todo:
        top = todo.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if skipped_tree(entry.path, entry.name):
                        for package in COURSE_PACKAGES:  # the course's own package is scanned wherever it is
                            inside = os.path.join(entry.path, package)
                            if entry.name in PACKAGE_DIRS and os.path.isdir(inside) and not os.path.islink(inside):
                                todo.append(inside)
                        continue
                    todo.append(entry.path)
                elif entry.is_file(follow_symlinks=False) and stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                    yield entry.path
            except OSError:
                continue


def scan_sqlite(path: str, needles: list[str]) -> bool:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                    if isinstance(text, str) and any(n in text for n in needles):
                        return True
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return False


def scan_html(path: str, needles: list[str]) -> bool:
    with open(path, "rb") as fh:
        text = html.unescape(re.sub(r"<[^>]*>", "", fh.read().decode("utf-8", "replace")))
    return any(n in text for n in needles)


def holds(path: str, needles: list[str]) -> bool:
    """Whether the file at ``path`` holds one of ``needles``, in any of the forms the scan looks for."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC) and scan_sqlite(path, needles):
        return True
    if path.endswith((".html", ".htm")) and scan_html(path, needles):
        return True
    with open(path, "rb") as fh:
        data = fh.read()
    return any(v.encode() in data for n in needles for v in variants(n))


def main(roots: list[str], needles: dict[str, list[str]]) -> None:
    """Print the files holding any of ``needles`` (kind: strings), each with its owner, time and kinds found."""
    everything = [n for group in needles.values() for n in group]
    raw = sorted({v for n in everything for v in variants(n)})
    found, opaque, files = set(), 0, []
    for path in walk(roots):
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError:
            continue  # not readable by this user: that is the point
        if head.startswith(OPAQUE_MAGIC):
            opaque += 1
            continue
        files.append(path)
        if head.startswith(SQLITE_MAGIC) and scan_sqlite(path, everything):
            found.add(path)
        elif path.endswith((".html", ".htm")) and scan_html(path, everything):
            found.add(path)
    # the bytes of every file, by GNU grep's many-string search (fast enough to read all of it)
    with tempfile.TemporaryDirectory() as tmp:
        patterns = os.path.join(tmp, "needles")
        with open(patterns, "w", encoding="utf-8") as fh:
            fh.write("\n".join(raw) + "\n")
        grep = subprocess.run(["xargs", "-0", "grep", "-l", "-a", "-s", "-F", "-f", patterns, "--"],
                              input="\0".join(files).encode(), capture_output=True)
        found.update(line for line in grep.stdout.decode("utf-8", "replace").splitlines() if line)
    hits = []
    for path in sorted(found):
        info = os.stat(path)
        kinds = [kind for kind, group in needles.items() if holds(path, group)]
        hits.append({"path": path, "uid": info.st_uid, "mtime": info.st_mtime, "ctime": info.st_ctime,
                     "kinds": kinds})
    json.dump({"found": hits, "files": len(files), "opaque_skipped": opaque,
               "bytes": sum(os.path.getsize(f) for f in files if os.path.exists(f))}, sys.stdout)

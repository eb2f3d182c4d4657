"""What a student's install may carry: the public part of the course, written as a folder or as the image's .dockerignore.

``STUDENT_FILES`` is the one list. ``course bundle --student DEST`` copies exactly those files
(for the one-machine hub, where students read the course from /srv); ``course bundle
--dockerignore`` writes the image's build-context policy from the same list; and
``course bundle --scan DIR`` looks for solutions and hidden tests in any folder.
Never carried: ``source/`` (solutions, hidden tests, each question's answers), ``.work/``
(gradebooks, submissions, autograded notebooks, feedback), ``tests/`` (fixtures with solutions),
and anything not listed.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from course import manifest as manifests
from course import notebooks as nbs
from course.errors import CourseError
from course.paths import find_root

#: Files and folders (ending in /) of the repository that a student's install carries.
STUDENT_FILES = (
    "README.md",
    "pyproject.toml",  # the package installs from the bundle (pip install -e)
    "environment.yml",  # the image's packages
    "nbgrader_config.py",  # course check reads its limits
    "course/",  # the package, with its data sets
    "assignments/",  # the public manifests: ids, points, hints (answers live in source/<id>.yml)
    "release/",  # the student notebooks, as nbgrader generated them
    "deploy/jupyter/",  # each role's Jupyter configuration
    "deploy/jupyterhub/",  # the one-machine hub's configuration (no secret in it)
    "deploy/image/",  # the image's Dockerfile
    "docs/SYLLABUS.md",
)
#: Never carried, wherever they are inside the listed folders (Docker's ``**/`` patterns).
NEVER = ("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", ".work", "*.db")
#: Left in a bundle so that a later ``course bundle --student`` may replace it.
MARKER = ".course-bundle"
#: Folders whose presence alone means instructor material (nbgrader's course folders included).
PRIVATE_NAMES = ("source", ".work", "autograded", "submitted", "gradebook.db")

_MARKER_LINE = re.compile(r"""^[\s"']*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\b""")
#: Shorter lines (``x = 1``, ``]``) are too common to say that a solution leaked.
_MIN_SECRET = 16


@dataclass(frozen=True)
class Bundle:
    """A public tree written by :func:`write_student`."""

    dest: Path
    files: int

    def summary(self) -> str:
        return (f"Wrote {self.files} files to {self.dest}: the course package, release/, the public manifests and the "
                f"Jupyter configuration; no solution and no hidden test (checked).")


def _never(rel: str) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/") for pattern in NEVER)


def student_files(root: Path | str | None = None) -> list[str]:
    """The repository's files that a student's install carries, as sorted relative paths."""
    root = find_root(root)
    out = []
    for entry in STUDENT_FILES:
        path = root / entry.rstrip("/")
        if entry.endswith("/"):
            if not path.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(path):
                rel_dir = Path(dirpath).relative_to(root).as_posix()
                dirnames[:] = [d for d in dirnames if not _never(f"{rel_dir}/{d}")]
                out += [f"{rel_dir}/{f}" for f in filenames if not _never(f"{rel_dir}/{f}")]
        elif path.is_file():
            out.append(entry)
    return sorted(out)


def dockerignore_text() -> str:
    """The image's build-context policy (.dockerignore): everything out, then each listed file back in."""
    lines = ["# The image's build context: only what a student may read. Written by `course bundle --dockerignore`",
             "# from STUDENT_FILES in course/authoring/bundle.py: edit the list there, not this file.",
             "*"]
    lines += [f"!{entry.rstrip('/')}" for entry in STUDENT_FILES]
    lines += [f"**/{pattern}" for pattern in NEVER]
    return "\n".join(lines) + "\n"


def write_dockerignore(root: Path | str | None = None) -> Path:
    root = find_root(root)
    path = root / ".dockerignore"
    path.write_text(dockerignore_text(), encoding="utf-8")
    return path


def secret_lines(root: Path | str | None = None) -> set[str]:
    """Every line of a solution, a hidden test or a question's answers in ``source/``, as they could leak.

    Left out: short lines, and lines that are public anyway: in a released notebook (shared
    scaffolding) or in the course package that notebooks import (a helper a solution re-implements).
    """
    root = find_root(root)
    released = set()
    for path in (root / "release").rglob("*.ipynb"):
        for cell in nbs.read(path).cells:
            released.update(line.strip() for line in cell.source.splitlines())
    for path in (root / "course").rglob("*.py"):
        released.update(line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines())
    found = set()
    for path in (root / "source").rglob("*.ipynb"):
        for cell in nbs.read(path).cells:
            for begin, end in ((nbs.BEGIN_SOLUTION, nbs.END_SOLUTION), (nbs.BEGIN_HIDDEN, nbs.END_HIDDEN)):
                for body in nbs.blocks(cell.source, begin, end):
                    found.update(line.strip() for line in body.splitlines())
    for aid in manifests.available(root):
        for q in manifests.load(aid, root).questions:
            for text in (*(m.answer for m in q.mistakes), q.alternative):
                found.update(line.strip() for line in (text or "").splitlines())
    # a line without a letter or digit (a Markdown table rule, a row of quotes) cannot give an answer away
    return {line for line in found - released if len(line) >= _MIN_SECRET and re.search(r"[^\W_]", line)}


def _texts(path: Path) -> list[str]:
    """The lines a reader of ``path`` sees: a notebook's cell sources and outputs, else the file's text."""
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    if b"\0" in raw[:4096]:
        return []
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
        except ValueError:
            return lines
        for cell in nb.get("cells", []):
            source = cell.get("source", "")
            lines += ("".join(source) if isinstance(source, list) else str(source)).splitlines()
            for output in cell.get("outputs", []):
                for value in [output.get("text", ""), *output.get("data", {}).values()]:
                    lines += ("".join(value) if isinstance(value, list) else str(value)).splitlines()
    return lines


def _manifest_answers(path: Path) -> list[str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    questions = data.get("questions") if isinstance(data, dict) else None
    return [f"{q.get('id')} {key}" for q in questions or [] if isinstance(q, dict)
            for key in manifests.ANSWER_KEYS if key in q]


def find_secrets(folder: Path | str, root: Path | str | None = None, secrets: set[str] | None = None) -> list[str]:
    """Every file in ``folder`` that holds a solution or a hidden test, each as ``path: what``.

    Args:
        folder: what students can read (a bundle, an image's /srv, a home folder).
        root: the instructor's course repository, whose ``source/`` lines are looked for.
            Without one, only nbgrader's markers, public manifests and private folder names are checked.
        secrets: :func:`secret_lines` of ``root``, when already computed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"{folder} is not a folder: give the folder students read, e.g. /srv/social-design-lab.")
    if secrets is None:
        secrets = secret_lines(root) if root is not None else set()
    problems = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in sorted([*dirnames, *filenames]):
            if name in PRIVATE_NAMES:
                problems.append(f"{(here / name).relative_to(folder)}: instructor material ({name})")
        for name in sorted(filenames):
            path = here / name
            rel = path.relative_to(folder)
            if path.suffix == ".yml" and here.name == "assignments":
                problems += [f"{rel}: answers in a public manifest ({a})" for a in _manifest_answers(path)]
            for line in _texts(path):
                stripped = line.strip()
                if _MARKER_LINE.match(stripped):
                    problems.append(f"{rel}: nbgrader marker {stripped.strip(chr(34) + ',')!r}")
                    break
                if stripped in secrets:
                    problems.append(f"{rel}: a line of a solution or hidden test from source/: {stripped[:60]!r}")
                    break
    return problems


def write_student(dest: Path | str, root: Path | str | None = None) -> Bundle:
    """Write the public part of the course to ``dest``, world-readable, and check it holds no secret.

    Args:
        dest: an empty or missing folder, or one an earlier bundle wrote (it is replaced).
        root: the instructor's course repository.

    Raises:
        CourseError: ``dest`` holds other files, or a solution or hidden test was found in what was written.
    """
    root = find_root(root)
    dest = Path(dest).absolute()
    if dest == root or root in dest.parents:
        raise CourseError(f"{dest} is inside the course repository: give a folder outside it, e.g. /srv/social-design-lab.")
    if dest.exists():
        if not dest.is_dir() or (any(dest.iterdir()) and not (dest / MARKER).is_file()):
            raise CourseError(f"{dest} is not empty and not an earlier bundle: give an empty or new folder.")
        shutil.rmtree(dest)
    files = student_files(root)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, target)
        # readable by every user (students), whatever the operator's umask; only the owner writes
        target.chmod(0o755 if os.access(root / rel, os.X_OK) else 0o644)
    (dest / MARKER).write_text(f"Written by `course bundle --student` from {root}. Every file here is public.\n")
    for dirpath, _, _ in os.walk(dest):
        Path(dirpath).chmod(0o755)
    problems = find_secrets(dest, root)
    if problems:
        shutil.rmtree(dest)
        raise CourseError(f"the bundle would leak {problems[0]} (and {len(problems) - 1} more): nothing was written. "
                          f"Run `course release --check` and move answers to source/.")
    return Bundle(dest, len(files))

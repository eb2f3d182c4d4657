"""Where the course repository and its working area are on disk."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from course.errors import CourseError

#: Environment variable that points the tools at a course repository.
ROOT_ENV = "COURSE_ROOT"
#: Folder, inside the repository, for everything the tools make (ignored by git).
WORK_DIR = ".work"


def _looks_like_root(path: Path) -> bool:
    # an instructor's clone has source/; a student's copy (course bundle --student, the image) only release/
    return (path / "assignments").is_dir() and ((path / "source").is_dir() or (path / "release").is_dir())


def find_root(start: Path | str | None = None) -> Path:
    """Return the course repository: the folder holding ``assignments/`` and ``source/`` (or, on a student's install, ``release/``).

    Args:
        start: where to start looking. Defaults to ``$COURSE_ROOT``, then the current
            folder and its parents, then the folder this package was installed from.

    Raises:
        CourseError: no such folder was found.
    """
    if start is not None:
        candidates = [Path(start)]
    elif os.environ.get(ROOT_ENV):
        candidates = [Path(os.environ[ROOT_ENV])]
    else:
        cwd = Path.cwd().resolve()
        candidates = [cwd, *cwd.parents, Path(__file__).resolve().parents[1]]
    for path in candidates:
        if _looks_like_root(path):
            return path.resolve()
    where = ", ".join(str(p) for p in candidates[:2])
    raise CourseError(
        f"no course repository found at {where}: run this from the repository "
        f"(the folder with assignments/ and source/ or release/) or set {ROOT_ENV}."
    )


def work_dir(root: Path) -> Path:
    """Return (and create) the ignored working area of the repository at ``root``."""
    path = Path(root) / WORK_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_this_environment() -> None:
    """Make nbgrader and the kernels it starts use the Python environment the tools run in."""
    # nbgrader's Gradebook shells out to the `alembic` script; when the tools run from a
    # virtual environment that is not activated, its bin/ folder is not on PATH.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    # A "python3" kernel in the user's own Jupyter folder would otherwise win over this
    # environment's, and grade with other packages than the students have.
    kernels = str(Path(sys.prefix) / "share" / "jupyter")
    if kernels not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (kernels, os.environ.get("JUPYTER_PATH", "")) if p)

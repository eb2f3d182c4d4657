"""Shared fixtures: the repository, and a throw-away copy of the toy course for pipeline tests."""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY = REPO / "tests" / "fixtures" / "toy-course"

# `course check` keeps a learner's checker server alive for 10 minutes (course/grading/checkserver.py):
# tests check in their own process, so none is left behind; tests/e2e/test_selfcheck.py turns it on for
# the test of the server itself.
os.environ.setdefault("COURSE_CHECK_SERVER", "0")


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def module0_course(tmp_path: Path) -> Path:
    """A course holding module 0 only (manifest, instructor's manifest, source notebooks): a test may write
    its translation files without touching the repository."""
    aid = "00-python-pandas"
    for sub in ("assignments", "source"):
        (tmp_path / sub).mkdir()
    shutil.copy(REPO / "assignments" / f"{aid}.yml", tmp_path / "assignments")
    shutil.copy(REPO / "source" / f"{aid}.yml", tmp_path / "source")
    shutil.copytree(REPO / "source" / aid, tmp_path / "source" / aid)
    return tmp_path


def toy_copy(root: Path) -> Path:
    """A private copy of the two-question toy course at ``root``, with the repository's nbgrader_config.py."""
    shutil.copytree(TOY, root)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


def edit_toy_lab(root: Path, edits: dict[str, Callable[[str], str]]) -> None:
    """Rewrite cells of the toy course's source lab at ``root``: ``{grade_id: old source -> new source}``."""
    import nbformat

    path = root / "source" / "00-toy" / "00-toy-lab.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        edit = edits.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if edit is not None:
            cell.source = edit(cell.source)
    nbformat.write(nb, path)


@pytest.fixture
def toy_root(tmp_path: Path) -> Path:
    """A private copy of the two-question toy course, with the repository's nbgrader_config.py."""
    return toy_copy(tmp_path / "toy")


def _have_sandbox() -> bool:
    from course.grading import sandbox

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable:
        return False
    return True


#: True where bubblewrap can make a sandbox on this machine.
HAVE_SANDBOX = _have_sandbox()
#: Mark a test (or a module, via pytestmark) that needs the sandbox.
needs_sandbox = pytest.mark.skipif(not HAVE_SANDBOX, reason="no bubblewrap sandbox on this machine")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """Keep together, on one pytest-xdist worker, the tests that share state (make test runs two workers).

    A file's tests share its module fixtures, so each file stays on one worker; the hub and browser
    tests share throw-away system users and a hub, so they run on one worker, one after another. The
    notebook runs of tests/notebooks are independent of each other and are spread one by one.
    """
    tests = REPO / "tests"
    for item in items:
        parts = Path(item.fspath).relative_to(tests).parts
        if parts[0] == "notebooks":
            continue
        if parts[0] in ("hub", "browser"):
            group = "real-servers"
        elif "graded_toy_class" in getattr(item, "fixturenames", ()):
            group = "graded-toy-class"  # a session fixture (tests/e2e/conftest.py): made once, on one worker
        else:
            group = "/".join(parts)
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """On an xdist worker, stop if the groups above were not applied: tests sharing state would run at once."""
    config = session.config
    if hasattr(config, "workerinput") and config.getvalue("loadgroup"):
        grouped = [item for item in session.items if item.get_closest_marker("xdist_group")]
        if grouped and "@" not in grouped[0].nodeid:
            raise pytest.UsageError("pytest-xdist did not apply the test groups (--dist loadgroup), so tests that share "
                                    "system users or folders would run at once: install the pytest pinned in "
                                    "pyproject.toml (make install), or run with -n 0.")

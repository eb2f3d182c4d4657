"""Shared fixtures: the repository, and a throw-away copy of the toy course for pipeline tests."""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY = REPO / "tests" / "fixtures" / "toy-course"


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def toy_root(tmp_path: Path) -> Path:
    """A private copy of the two-question toy course, with the repository's nbgrader_config.py."""
    root = tmp_path / "toy"
    shutil.copytree(TOY, root)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


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

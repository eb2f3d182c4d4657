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

"""`course validate --mistakes`: which test catches each question's plausible mistake, made alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from course.authoring import release as releasing
from course.authoring import validate
from course.cli import main

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOY = REPO / "tests" / "fixtures" / "toy-course"
#: q2's mistake (doubled = SEED) is odd with SEED = 1: this visible test catches it and names it.
VISIBLE = "assert doubled % 2 == 0, 'doubled is odd: it should be twice SEED (2 * SEED), not SEED.'\n"


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    """The toy course with a visible test for q2's mistake and none for q1's, released by nbgrader."""
    root = tmp_path_factory.mktemp("mistakes") / "toy"
    shutil.copytree(TOY, root)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    path = root / "source" / "00-toy" / "00-toy-lab.ipynb"
    nb = nbformat.read(path, as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q2-tests")
    test.source = test.source.replace("### BEGIN HIDDEN TESTS", VISIBLE + "### BEGIN HIDDEN TESTS")
    nbformat.write(nb, path)
    releasing.release("00-toy", root)
    return root


def test_each_mistake_is_named_by_the_test_that_catches_it(toy):
    catches = {c.question: c for c in validate.mistakes("00-toy", root=toy, progress=None)}
    assert set(catches) == {"q1", "q2"}
    # q1's mistake (sum of 0..9 = 45) is a whole number: only the hidden value check catches it
    assert catches["q1"].by == validate.HIDDEN_ONLY and catches["q1"].message == ""
    assert catches["q2"].by == validate.VISIBLE and catches["q2"].message.startswith("doubled is odd")


def test_a_mistake_no_test_catches_is_said(toy, tmp_path):
    wrong = tmp_path / "toy"
    shutil.copytree(toy, wrong)
    manifest = wrong / "assignments" / "00-toy.yml"
    manifest.write_text(manifest.read_text().replace("total = sum(range(10))", "total = 55"))
    catches = {c.question: c.by for c in validate.mistakes("00-toy", root=wrong, progress=None)}
    assert catches == {"q1": validate.NOT_CAUGHT, "q2": validate.VISIBLE}


def test_the_command_prints_the_count(toy, capsys):
    main(["--root", str(toy), "validate", "00-toy", "--mistakes"])  # returns: no error
    out = capsys.readouterr().out
    assert "00-toy: 1 of 2 plausible mistakes fail a visible test" in out and "q1     hidden tests only" in out

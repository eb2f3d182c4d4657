"""course.notebooks: reading broken files clearly, and finding nbgrader cells."""

import pytest

from course import notebooks as nbs
from course.errors import NotebookError


def test_broken_json_names_the_line_and_the_fix(tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(NotebookError, match=r"lab.ipynb: not a valid notebook \(broken JSON at line 1\)\. Open it in JupyterLab"):
        nbs.read(path)


@pytest.mark.parametrize("content", ['{"hello": 1}', "[1, 2]"])
def test_json_that_is_not_a_notebook(tmp_path, content):
    path = tmp_path / "lab.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookError, match="not a notebook"):
        nbs.read(path)


def test_binary_file(tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(NotebookError, match="not a text file"):
        nbs.read(path)


def test_graded_and_solution_cells_of_the_toy(toy_root):
    nb = nbs.read(toy_root / "source" / "00-toy" / "00-toy-lab.ipynb")
    assert nbs.graded_cells(nb) == {"q1-tests": 2.0, "q2-tests": 1.0, "q3-answer": 2.0}
    assert nbs.solution_cells(nb) == ["q1-answer", "q2-answer", "q3-answer"]


def test_replace_solution_swaps_only_the_block(toy_root):
    nb = nbs.read(toy_root / "source" / "00-toy" / "00-toy-lab.ipynb")
    changed = nbs.replace_solution(nb, "q1-answer", "total = 0")
    src = nbs.find_cell(changed, "q1-answer").source
    assert src.startswith("total = ...") and src.endswith("total = 0")
    assert "BEGIN SOLUTION" not in src
    assert "sum(range" in nbs.find_cell(nb, "q1-answer").source  # the original is untouched
    with pytest.raises(NotebookError, match="no cell with grade_id"):
        nbs.find_cell(nb, "q9-answer")


def test_nbgraders_metadata_check_still_rejects_bad_metadata_with_the_cached_schema():
    from nbformat.v4 import new_code_cell
    from nbgrader.nbgraderformat import ValidationError, v3

    from course.grading.workspace import _CachedSchemaValidation, _check_metadata_with_cached_schema

    _check_metadata_with_cached_schema()
    from nbgrader.nbgraderformat import common

    assert isinstance(common.jsonschema, _CachedSchemaValidation)
    good = new_code_cell("x = 1")
    good.metadata["nbgrader"] = {"grade_id": "q1-tests", "grade": True, "solution": False, "locked": True,
                                 "points": 2, "schema_version": 3}
    v3.MetadataValidatorV3().validate_cell(good)
    bad = new_code_cell("x = 1")
    bad.metadata["nbgrader"] = {**good.metadata["nbgrader"], "points": "lots"}
    with pytest.raises(ValidationError):
        v3.MetadataValidatorV3().validate_cell(bad)

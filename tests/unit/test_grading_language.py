"""course.grading.language: a Japanese submission's test cells in Japanese for feedback, never a change to their code."""

from __future__ import annotations


import pytest

from course import notebooks as nbs
from course.grading import language
from course.translation import _skeleton_tokens
from tests import machine_translation

AID = "00-python-pandas"
LAB = f"{AID}-lab"


@pytest.fixture()
def books(module0_course):
    machine_translation.write(AID, module0_course)
    source = nbs.read(module0_course / "source" / AID / f"{LAB}.ipynb")
    submission = nbs.copy(source)  # as after nbgrader's overwrite: the test cells are the instructor's
    submission.metadata["course"] = {"lang": "ja"}
    return module0_course / "source", source, submission


def test_an_english_submission_is_left_as_it_is(books):
    root, source, submission = books
    submission.metadata["course"] = {"lang": "en"}
    assert language.in_submission_language(submission, source, AID, LAB, root) == (submission, source)


def test_a_japanese_submissions_test_cells_are_translated_and_their_code_kept(books):
    root, source, submission = books
    student_changed = next(c for c in submission.cells if nbs.is_test_cell(c))
    student_changed.source += "\n# mine"  # a cell that is not the instructor's English is never translated
    nb, trusted = language.in_submission_language(submission, source, AID, LAB, root)
    assert trusted.cells[0].source.startswith("import os\nos.environ['COURSE_LANG'] = 'ja'")
    tests = [c for c in trusted.cells[1:] if nbs.is_test_cell(c)]
    english = [c for c in source.cells if nbs.is_test_cell(c)]
    assert sum(machine_translation.MARK in c.source for c in tests) >= 3
    for ja, en in zip(tests, english):
        assert _skeleton_tokens(ja.source) == _skeleton_tokens(en.source)  # the same code: the same score
    assert nbs.find_cell(nb, nbs.grade_id(student_changed)).source.endswith("# mine")
    assert machine_translation.MARK not in nbs.find_cell(nb, nbs.grade_id(student_changed)).source
    assert source.cells[0].source != trusted.cells[0].source  # the instructor's notebook itself is not changed


def test_without_a_translation_file_feedback_stays_english_and_grading_goes_on(books):
    root, source, submission = books
    (root / f"{AID}.ja.yml").unlink()
    nb, trusted = language.in_submission_language(submission, source, AID, LAB, root)
    assert [c.source for c in trusted.cells[1:]] == [c.source for c in source.cells]

"""Grading is language-independent; feedback comes in the student's language.

Module 0, released in English and (with a machine-made translation, tests/machine_translation.py)
in Japanese; one student's answers (in turn the manifest's first plausible mistake, the solution
and the untouched answer cell, question by question) submitted from both releases, graded in one class by `course
grade`'s library call, sandboxed as in class. Two submissions, not four, to keep CI fast.
"""

from __future__ import annotations

import html
import re
import shutil

import pytest

from course import manifest as manifests
from course.authoring import release as releasing
from course.authoring.sample import build_submission
from course.grading import grade
from course.grading.grade import GRADED
from course.grading.workspace import Student, Workspace
from tests import machine_translation
from tests.conftest import REPO, needs_sandbox

pytestmark = [pytest.mark.slow, needs_sandbox]  # two submissions of module 0 and a Japanese release

AID = "00-python-pandas"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lang")
    root = tmp / "course"
    for sub in ("assignments", "source", "release"):
        (root / sub).mkdir(parents=True)
    shutil.copy(REPO / "assignments" / f"{AID}.yml", root / "assignments")
    shutil.copy(REPO / "source" / f"{AID}.yml", root / "source")
    shutil.copytree(REPO / "source" / AID, root / "source" / AID)
    shutil.copytree(REPO / "release" / AID, root / "release" / AID)
    shutil.copy(REPO / "nbgrader_config.py", root)
    machine_translation.write(AID, root)
    releasing.release(AID, root, lang="ja")
    m = manifests.load(AID, root)
    subs = tmp / "submissions"
    # blank cells too: the package's own check sentences (course.checks) must reach the feedback in Japanese
    answers = {q.id: ("wrong", "solution", "blank")[i % 3] for i, q in enumerate(m.questions)}
    for lang, folder in (("en", root / "release" / AID), ("ja", root / "release" / "ja" / AID)):
        dest = build_submission(m, root / "source" / AID, folder, subs / f"student-{lang}", answers)
        if (folder / releasing.LANG_FILE).is_file():  # a student hands in the folder they worked in
            shutil.copy(folder / releasing.LANG_FILE, dest)
    ws = Workspace(tmp / "work", repo=root)
    run = grade.grade_all(AID, roster=[Student(p.name) for p in sorted(subs.iterdir())], workspace=ws, submissions=subs,
                          collect=False, root=root, progress=None)
    return run, ws, m, answers


def test_the_same_answers_score_the_same_in_either_language(graded):
    run, _, m, answers = graded
    en, ja = run.result("student-en"), run.result("student-ja")
    assert en.status == ja.status == GRADED, (en.reason, ja.reason)
    assert ja.scores == en.scores  # cell by cell
    auto = [q for q in m.questions if q.kind == "auto"]
    # the comparison means something: cells that score full points and cells that lose them, in both languages
    # (a mistake may also cost a later question that builds on it: the same in either language)
    assert any(en.scores[q.id] == q.points for q in auto if answers[q.id] == "solution")
    assert any(en.scores[q.id] < q.points for q in auto if answers[q.id] == "wrong")


def _feedback(ws, student: str) -> str:
    page = ws.feedback_dir(AID, student) / f"{AID}-lab.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_feedback_is_in_the_language_the_student_worked_in(graded):
    _, ws, _, _ = graded
    ja, en = _feedback(ws, "student-ja"), _feedback(ws, "student-en")
    assert machine_translation.MARK in ja and machine_translation.MARK not in en  # the test cells' own messages
    # the checks' sentences, from the package's catalog, in the test run of the Japanese submission only
    package_ja = re.compile(r"期待される値ではありません|ありうる範囲|まだ `...` のまま|求められているのは")
    assert package_ja.search(ja), ja[-3000:]
    assert not package_ja.search(en)
    assert "### BEGIN HIDDEN TESTS" not in ja  # translated or not, feedback never shows hidden tests

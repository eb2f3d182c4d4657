"""A manifest in Japanese: assignments/<id>.ja.yml gives the student-facing strings, mirroring the English exactly."""

from __future__ import annotations

import shutil

import pytest
import yaml

from course import manifest as manifests
from course.authoring import syllabus
from course.errors import ManifestError
from tests import machine_translation
from tests.conftest import REPO

AID = "00-python-pandas"


@pytest.fixture()
def course(tmp_path):
    for sub in ("assignments", "source", "release"):
        (tmp_path / sub).mkdir()
    for aid in (AID, "01-problem-framing"):
        shutil.copy(REPO / "assignments" / f"{aid}.yml", tmp_path / "assignments")
        shutil.copy(REPO / "source" / f"{aid}.yml", tmp_path / "source")
    shutil.copytree(REPO / "release" / AID, tmp_path / "release" / AID)
    machine_translation.write_manifest(AID, tmp_path)
    return tmp_path


def test_the_japanese_manifest_replaces_the_student_facing_strings_and_nothing_that_grades(course):
    en = manifests.load(AID, course)
    ja = manifests.load(AID, course, lang="ja")
    assert ja.lang == "ja" and en.lang == "en"
    assert ja.title == machine_translation.MARK + en.title
    assert ja.learning_objectives == tuple(machine_translation.MARK + o for o in en.learning_objectives)
    hinted = next(q for q in en.questions if q.hints)
    assert ja.question(hinted.id).hints[0] == machine_translation.MARK + hinted.hints[0]
    assert [(q.id, q.points, q.kind, q.mistakes) for q in ja.questions] == [(q.id, q.points, q.kind, q.mistakes) for q in en.questions]
    assert (ja.due, ja.minutes, ja.timeout, ja.parameters) == (en.due, en.minutes, en.timeout, en.parameters)
    # a module with no translation yet stays English, and says so
    assert manifests.load("01-problem-framing", course, lang="ja").lang == "en"


def test_a_translation_is_not_read_as_a_manifest(course):
    assert manifests.available(course) == [AID, "01-problem-framing"]
    assert [m.id for m in manifests.load_all(course)] == [AID, "01-problem-framing"]
    assert manifests.unread_files(course) == []


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(points=3), "points cannot be translated here (only title, learning_objectives, prerequisites, questions, milestones): remove it."),
    (lambda d: d["learning_objectives"].pop(), "learning_objectives has 4 entries, the English has 5: translate each one, in order."),
    (lambda d: d["questions"].update(q99={"hints": ["x"]}), "question q99 is not in assignments/00-python-pandas.yml: remove it."),
    (lambda d: next(iter(d["questions"].values())).update(wrong="x = 1"), "may only hold hints (a list of sentences)."),
    (lambda d: next(iter(d["questions"].values()))["hints"].append("もう一つ"), "hints has"),
])
def test_a_translation_that_does_not_mirror_the_english_is_refused_in_one_line(course, change, message):
    path = manifests.translation_path(AID, "ja", course)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        manifests.load(AID, course, lang="ja")
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"assignments/{AID}.ja.yml: ")


def test_an_assignment_id_among_the_prerequisites_stays_as_it_is(course):
    path = manifests.translation_path("01-problem-framing", "ja", course)
    en = manifests.load("01-problem-framing", course)
    assert AID in en.prerequisites
    path.write_text(yaml.dump({"prerequisites": ["モジュール0" if p == AID else p for p in en.prerequisites]},
                              allow_unicode=True), encoding="utf-8")
    with pytest.raises(ManifestError, match=f"prerequisite {AID} is an assignment id: keep it as it is"):
        manifests.load("01-problem-framing", course, lang="ja")


def test_hint_in_a_japanese_notebook_gives_the_japanese_hints(course, monkeypatch):
    from course.learn.coach import Coach

    monkeypatch.setenv("COURSE_LANG", "ja")
    en = manifests.load(AID, course)
    hinted = next(q for q in en.questions if q.hints)
    said = Coach(AID, course).hint(hinted.id)
    assert machine_translation.MARK + hinted.hints[0] in said
    assert said.startswith(f"{hinted.id} のヒント 1/{len(hinted.hints)}")  # the framing too, from the package's catalog
    monkeypatch.delenv("COURSE_LANG")
    assert machine_translation.MARK not in Coach(AID, course).hint(hinted.id)


def test_the_japanese_syllabus_shows_translated_modules_and_marks_the_others(course):
    page = syllabus.render(course, "ja")
    assert f"## モジュール 0：{machine_translation.MARK}" in page
    assert page.count("このモジュールはまだ翻訳されていません") == 1  # module 1 here has no translation
    assert "（英語のみ）" in page and "../../assignments/00-python-pandas.yml" in page
    syllabus.write_all(course)
    assert (course / "docs" / "ja" / "SYLLABUS.md").read_text(encoding="utf-8") == page
    assert syllabus.check_all(course) == [course / "docs" / "SYLLABUS.md", course / "docs" / "ja" / "SYLLABUS.md"]

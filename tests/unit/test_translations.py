"""Every committed translation matches its English: nothing missing or stale, and no code changed (in make test).

One test lists every problem of every translation file, by file and cell, so a translator sees
all that is left at once (what `python -m course.authoring.translate check ID ja` prints).
"""

from __future__ import annotations

from course import manifest as manifests
from course import notebooks as nbs
from course.authoring import translate
from course.translation import _skeleton_tokens
from tests.conftest import REPO

NOTEBOOK_TRANSLATIONS = sorted((REPO / "source").glob("*.*.yml"))
MANIFEST_TRANSLATIONS = sorted(p for p in (REPO / "assignments").glob("*.*.yml"))


def _split(path):
    aid, _, lang = path.name[: -len(".yml")].rpartition(".")
    return aid, lang


def test_every_translation_file_is_complete_and_current():
    problems = []
    for path in NOTEBOOK_TRANSLATIONS:
        aid, lang = _split(path)
        problems += translate.problems(aid, lang, REPO)
    for path in MANIFEST_TRANSLATIONS:
        aid, lang = _split(path)
        problems += manifests.translation_problems(manifests.load(aid, REPO), lang, REPO)
    assert problems == [], "\n" + "\n".join(problems)


def test_the_translated_code_is_the_english_code_outside_literals_and_comments(tmp_path):
    changed = []
    for path in NOTEBOOK_TRANSLATIONS:
        aid, lang = _split(path)
        if translate.problems(aid, lang, REPO):
            continue  # reported, by cell, by the test above
        out = translate.translated_source(aid, lang, tmp_path / lang, REPO)
        for entry in manifests.load(aid, REPO).notebooks:
            english = nbs.read(REPO / "source" / aid / entry.file)
            translated = nbs.read(out / entry.file)
            assert [c.get("id") for c in translated.cells] == [c.get("id") for c in english.cells]
            for en, tr in zip(english.cells, translated.cells):
                if en.cell_type == "code" and _skeleton_tokens(en.source) != _skeleton_tokens(tr.source):
                    changed.append(f"{path.name}: {entry.file} cell {en.get('id')}")
                if en.cell_type == "code" and nbs.graded_cells(_one(english, en)) != nbs.graded_cells(_one(translated, tr)):
                    changed.append(f"{path.name}: {entry.file} cell {en.get('id')}: nbgrader metadata")
    assert changed == []


def _one(nb, cell):
    book = nbs.copy(nb)
    book.cells = [cell]
    return book


def test_a_translation_file_has_its_english_beside_it():
    for path in [*NOTEBOOK_TRANSLATIONS, *MANIFEST_TRANSLATIONS]:
        aid, lang = _split(path)
        assert lang in translate.LANGUAGES, f"{path.name}: {lang!r} is not in course.i18n.LANGUAGES"
        assert aid in manifests.available(REPO), f"{path.name}: no assignment {aid}"

"""docs/GLOSSARY.md: every term in both languages, defined in both, and taught where the table says; each module's
copy (GLOSSARY.md beside its released notebooks) is the glossary in the folder's language, and every link to it
from a released notebook opens that copy at a term it holds."""

from __future__ import annotations

import dataclasses
import re

import nbformat
import pytest

from course.authoring import glossary
from course.errors import ReleaseError
from tests.conftest import REPO

GLOSSARY = REPO / "docs" / "GLOSSARY.md"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _rows() -> list[list[str]]:
    """docs/GLOSSARY.md's rows as the copies read them (glossary.terms raises on a row without 5 columns)."""
    return [list(dataclasses.astuple(t)) for t in glossary.terms(REPO)]


def _key(term: str) -> str:
    """What a notebook must say: the term before any parenthesis, the first of 'A / B / C'."""
    return term.split(" (")[0].split(" / ")[0]


def _module_text(module: str) -> str:
    text = []
    for path in sorted(REPO.glob(f"source/0{module}-*/*.ipynb")):
        text += [cell.source for cell in nbformat.read(path, as_version=4).cells]
    return "\n".join(text)


def test_the_glossary_has_every_column_in_both_languages():
    rows = _rows()
    assert len(rows) >= 30
    for row in rows:
        assert len(row) == 5, row
        term, japanese, definition, teiji, module = row
        assert not JAPANESE.search(term) and not JAPANESE.search(definition), row
        assert JAPANESE.search(japanese) and JAPANESE.search(teiji), row
        assert teiji.endswith("。") and ("です" in teiji or "ます" in teiji), f"write the definition in です・ます: {row}"
        assert module in {"1", "2", "3", "4", "5", "6"}, row
    keys = [_key(r[0]).lower() for r in rows]
    assert len(keys) == len(set(keys)), "a term is listed twice"


@pytest.mark.parametrize("row", _rows(), ids=lambda row: _key(row[0]))
def test_each_term_is_taught_in_the_module_the_glossary_names(row):
    key, module = _key(row[0]), row[4]
    words = r"\s+".join(map(re.escape, key.split()))  # a line may break between the words
    pattern = re.compile(rf"(?<![A-Za-z]){words}s?(?![a-z])", 0 if key.isupper() else re.IGNORECASE)
    assert pattern.search(_module_text(module)), f"{key!r} does not appear in module {module}'s notebooks"


# ---------------------------------------------------------------- each module's copy (course.authoring.glossary)

RELEASES = sorted({p.parent for p in (REPO / "release").glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts})


def _glossary_links(folder):
    """Every link to a glossary in the folder's notebooks: (notebook, label, target file, anchor)."""
    links = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                links += [(path.name, *m.groups()) for m in glossary.LINK.finditer(cell.source)]
    return links


def test_every_release_folder_of_a_module_was_found():
    modules = sorted(p.stem for p in (REPO / "assignments").glob("*.yml") if p.stem.count(".") == 0)
    assert {p.name for p in RELEASES} == set(modules)
    assert any(p.parent.name == "ja" for p in RELEASES)


@pytest.mark.parametrize("folder", RELEASES, ids=lambda p: p.relative_to(REPO / "release").as_posix())
def test_each_glossary_link_of_a_released_notebook_opens_the_copy_beside_it_at_its_term(folder):
    """On the hub a student has only this folder: a link must name a file in it, and an anchor that file holds."""
    copy = folder / glossary.FILE
    assert copy.is_file(), f"{copy.relative_to(REPO)} is missing: run course release {folder.name}"
    anchors = glossary.anchors(copy.read_text(encoding="utf-8"))
    links = _glossary_links(folder)
    assert links, f"no notebook in {folder.relative_to(REPO)} links the glossary"
    for notebook, label, target, anchor in links:
        where = f"{folder.relative_to(REPO)}/{notebook}: [{label}]({target}#{anchor})"
        assert target == glossary.FILE, f"{where} must link {glossary.FILE}, the copy in the notebook's own folder"
        assert anchor in anchors, f"{where}: {glossary.FILE} has no term with this anchor ({', '.join(sorted(anchors))})"
    text = "\n".join(c.source for p in folder.glob("*.ipynb") for c in nbformat.read(p, as_version=4).cells)
    assert "docs/GLOSSARY.md" not in text, "docs/ is not there on the hub, in my-work/ or on Binder: link GLOSSARY.md#<term>"


@pytest.mark.parametrize("folder", RELEASES, ids=lambda p: p.relative_to(REPO / "release").as_posix())
def test_each_copy_is_the_glossary_in_its_folders_language(folder):
    lang = "ja" if folder.parent.name == "ja" else "en"
    text = (folder / glossary.FILE).read_text(encoding="utf-8")
    assert text == glossary.render(lang, REPO)
    assert text.startswith("# 用語集" if lang == "ja" else "# Glossary")
    assert glossary.anchors(text) == {glossary.anchor(r[0]) for r in _rows()}  # every term, each once
    assert (REPO / "source" / folder.name / glossary.FILE).read_text(encoding="utf-8") == glossary.render("en", REPO)


def test_a_japanese_copy_gives_the_japanese_term_first_and_the_japanese_definition():
    text = glossary.render("ja", REPO)
    assert '<a id="median"></a>**中央値**（median）：値を大きさの順に並べたときの真ん中の値です。' in text
    assert '<a id="median"></a>**median** (中央値): The middle value' in glossary.render("en", REPO)


def test_anchors_are_the_english_terms_words():
    assert [glossary.anchor(t) for t in ("KPI (key performance indicator)", "TAM / SAM / SOM", "precision at k")] == [
        "kpi", "tam-sam-som", "precision-at-k"]
    keys = [glossary.anchor(r[0]) for r in _rows()]
    assert len(keys) == len(set(keys)), "two terms share an anchor"


def test_a_copy_edited_by_hand_or_left_behind_fails_the_check_and_release_writes_it_again(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "GLOSSARY.md").write_text(GLOSSARY.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "source" / "01-x").mkdir(parents=True)
    (tmp_path / "assignments").mkdir()  # a course root
    with pytest.raises(ReleaseError, match=r"source/01-x/GLOSSARY.md is missing.*Run: course release 01-x"):
        glossary.check("01-x", tmp_path)
    glossary.write("01-x", tmp_path)
    glossary.check("01-x", tmp_path)
    copy = tmp_path / "source" / "01-x" / glossary.FILE
    copy.write_text(copy.read_text(encoding="utf-8").replace("middle value", "mean"), encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"differs from what docs/GLOSSARY.md gives.*Run: course release 01-x"):
        glossary.check("01-x", tmp_path)
    glossary.write("01-x", tmp_path)
    glossary.check("01-x", tmp_path)

"""docs/GLOSSARY.md: every term in both languages, defined in both, and taught where the table says."""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.conftest import REPO

GLOSSARY = REPO / "docs" / "GLOSSARY.md"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _rows() -> list[list[str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith("| term ") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


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

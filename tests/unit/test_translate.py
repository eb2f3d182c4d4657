"""Translation files (source/<id>.<lang>.yml): what they may change, and how a stale one is caught."""

from __future__ import annotations

import nbformat
import pytest
import yaml

from course.authoring import translate as tr

AID = "00-python-pandas"


def test_code_is_translated_only_inside_strings_and_comments():
    src = '# Count the visits\nvisits = df["visits"].sum()\nprint(f"Visits in total: {visits}")\n'
    out = tr.translate_code(src, [
        {"en": "Count the visits", "text": "来庁者数を数えます"},
        {"en": "Visits in total: {visits}", "text": "来庁者の合計: {visits}"},
    ])
    assert out == '# 来庁者数を数えます\nvisits = df["visits"].sum()\nprint(f"来庁者の合計: {visits}")\n'


def test_a_piece_that_is_code_not_text_is_refused():
    with pytest.raises(tr.TranslationError, match="none of the cell's strings"):
        tr.translate_code('visits = df["visits"].sum()\n', [{"en": "sum", "text": "合計"}])


def test_a_translation_that_breaks_the_code_is_refused():
    with pytest.raises(tr.TranslationError, match="code differs"):
        tr.translate_code('title = "Visits per month"\n', [{"en": "Visits per month", "text": 'ひと月の"来庁者"'}])
    with pytest.raises(tr.TranslationError, match="placeholders"):
        tr.translate_code('print(f"{n} visits")\n', [{"en": "{n} visits", "text": "来庁者数"}])


def test_nbgrader_markers_are_kept():
    src = "x = ...\n### BEGIN SOLUTION\nx = 1  # one\n### END SOLUTION\n"
    # the marker line is never rewritten, even if a piece matches inside it
    out = tr.translate_code(src, [{"en": "one", "text": "いち"}])
    assert "### BEGIN SOLUTION" in out and "# いち" in out
    with pytest.raises(tr.TranslationError, match="keep the line"):
        tr.translate_markdown("Why?\n\n=== BEGIN SOLUTION ===\nBecause.\n=== END SOLUTION ===", "なぜですか。\n\n理由です。")


def test_parity_lists_missing_and_stale_cells_and_a_full_translation_applies(module0_course, tmp_path):
    assert tr.problems(AID, "ja", module0_course)[0].endswith(f"skeleton {AID} ja).")
    tr.path(AID, "ja", module0_course).write_text(tr.skeleton(AID, "ja", module0_course), encoding="utf-8")
    data = yaml.safe_load(tr.path(AID, "ja", module0_course).read_text(encoding="utf-8"))
    for book in data["notebooks"].values():
        for entry in book["cells"].values():
            if "text" in entry:
                entry["text"] = "【訳】" + entry["text"]
    tr.path(AID, "ja", module0_course).write_text(yaml.dump(data, allow_unicode=True), encoding="utf-8")
    assert tr.problems(AID, "ja", module0_course) == []

    out = tr.translated_source(AID, "ja", tmp_path / "out", module0_course)
    lab = nbformat.read(out / f"{AID}-lab.ipynb", as_version=4)
    english = nbformat.read(module0_course / "source" / AID / f"{AID}-lab.ipynb", as_version=4)
    assert lab.metadata["course"]["lang"] == "ja"
    assert [c.cell_type for c in lab.cells] == [c.cell_type for c in english.cells]
    assert all(c.source.startswith("【訳】") for c in lab.cells if c.cell_type == "markdown" and c.source.strip())
    assert [c.source for c in lab.cells if c.cell_type == "code"] == [c.source for c in english.cells if c.cell_type == "code"]

    # the English changes: the translation of that cell is reported stale, and release refuses it
    book = module0_course / "source" / AID / f"{AID}-lab.ipynb"
    english.cells[0].source += "\nOne more sentence."
    nbformat.write(english, book)
    stale = tr.problems(AID, "ja", module0_course)
    assert len(stale) == 1 and "changed since it was translated" in stale[0] and english.cells[0].id in stale[0]
    with pytest.raises(tr.TranslationError, match="changed since"):
        tr.translated_source(AID, "ja", tmp_path / "out2", module0_course)

"""course.i18n: the package's own student-facing strings in the student's language, from committed gettext catalogs."""

from __future__ import annotations

import io
import string

import pytest

from course import checks, i18n


def test_the_language_is_course_lang_else_the_folders_course_lang_file_else_english(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert i18n.language() == "en"
    (tmp_path / ".course-lang").write_text("ja\n")
    assert i18n.language() == "ja"
    monkeypatch.setenv("COURSE_LANG", "en")
    assert i18n.language() == "en"  # the learner's or operator's own choice wins over the folder's
    for value, expected in (("ja_JP.UTF-8", "ja"), ("ja-JP", "ja"), ("fr", "en"), ("", "ja")):
        monkeypatch.setenv("COURSE_LANG", value)
        assert i18n.language() == expected, value


def test_a_check_speaks_the_notebooks_language(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match="^rent is infinite: did you divide by zero"):
        checks.check_number(float("inf"), "rent")
    (tmp_path / ".course-lang").write_text("ja\n")
    with pytest.raises(AssertionError, match="^rent が無限大になっています。0 で割っていませんか。"):
        checks.check_number(float("inf"), "rent")
    with pytest.raises(AssertionError, match=r"^rent は 1,234 で、ありうる範囲 \[0, 100\] の外です。 家賃の単位は千円です。$"):
        checks.check_number(1234, "rent", low=0, high=100, hint="家賃の単位は千円です。")
    with pytest.raises(AssertionError, match="まだ `...` のまま"):
        checks.check_answered(..., "rent")


def test_the_note_that_grading_never_passes_a_name_speaks_the_learners_language(monkeypatch):
    """check(), course check and course validate --mistakes print this one message (course.notebooks.unseen_message)."""
    from course.notebooks import unseen_message

    monkeypatch.setenv("COURSE_LANG", "en")
    assert unseen_message("helper", ["doubled"]).startswith("The tests read helper, which your notebook makes")
    assert "(they get only none)" in unseen_message("helper", [])
    monkeypatch.setenv("COURSE_LANG", "ja")
    assert unseen_message("helper", ["doubled", "total"]) == (
        "テストが helper を読んでいますが、これはあなたのノートブックで作られたもので、採点ではテストに渡されません"
        "（渡されるのは doubled, total だけです）。あなたではなくコース側の誤りなので、教員に知らせてください。")


def test_every_marked_string_has_its_japanese_with_the_same_placeholders():
    from babel.messages.pofile import read_po

    assert i18n.untranslated("ja") == [], "run python -m course.i18n update, translate, then compile"
    with i18n.po_file("ja").open("rb") as f:
        catalog = read_po(f, locale="ja")

    def fields(text):
        return sorted(name for _, name, spec, conv in string.Formatter().parse(text) if name is not None)

    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(fields(s) != fields(ids[0]) for s in strings):
            wrong.append(ids[0])
    assert wrong == [], "these translations lose or add a {placeholder}"


def test_the_committed_mo_is_its_po_compiled():
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in i18n.LANGUAGES:
        with i18n.po_file(lang).open("rb") as f:
            compiled = io.BytesIO()
            write_mo(compiled, read_po(f, locale=lang, domain=i18n.DOMAIN), use_fuzzy=False)
        assert i18n.po_file(lang).with_suffix(".mo").read_bytes() == compiled.getvalue(), \
            f"{lang}: run python -m course.i18n compile and commit course.mo"


def test_an_explorers_sliders_and_figure_speak_the_notebooks_language(tmp_path, monkeypatch):
    from course.explore import explore_npv

    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.chdir(tmp_path)
    english = explore_npv()
    assert english.discount_rate.description == "Discount rate"
    (tmp_path / ".course-lang").write_text("ja\n")
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # its Japanese figure draws every glyph
        warnings.simplefilter("always")
        japanese = explore_npv()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert japanese.discount_rate.description == "割引率"
    assert japanese.adoption.description == "利用率（手続きに占める割合）"

"""Feedback in the language the student worked in; grading itself never depends on it.

A submission made from a translated release (``release/ja/<id>/``) carries
``metadata.course.lang``. nbgrader grades it as any other: the test cells are restored from
the English gradebook, so its scores are exactly those of the same answers in English. Only
then, for feedback, :func:`in_submission_language` translates the test cells' messages with
the instructor's translation file (``source/<id>.<lang>.yml``, which holds the hidden tests'
messages too and so never leaves the instructor's side) and makes the test run speak that
language (``course.i18n``: the checks' own sentences). A cell is translated only where its
code is exactly the English the translation was made from; plain nbgrader, which knows
nothing of this, gives the same scores with English messages.
"""

from __future__ import annotations

from pathlib import Path

from nbformat.v4 import new_code_cell

from course import i18n, translation
from course import notebooks as nbs

#: The translated test run's first cell: the course package's own messages in the student's language.
_SPEAK = "import os\nos.environ[{env!r}] = {lang!r}  # feedback in the student's language (course.grading.language)\n"


def of_notebook(nb) -> str:
    """The language a notebook was released in (``metadata.course.lang``); English if none or unknown."""
    lang = str(((nb.get("metadata") or {}).get("course") or {}).get("lang") or i18n.ENGLISH)
    return lang if lang in i18n.LANGUAGES else i18n.ENGLISH


def translation_file(source_root: Path | str, assignment: str, lang: str) -> Path:
    """Where a grading workspace keeps an assignment's translation: beside its source folder, as in the repository."""
    return Path(source_root) / f"{assignment}.{lang}.yml"


def in_submission_language(nb, source_nb, assignment: str, notebook: str, source_root: Path | str):
    """The submission and the instructor's notebook with their test cells in the submission's language.

    Args:
        nb: the submission after nbgrader restored its test cells from the gradebook.
        source_nb: the instructor's notebook whose test cells the test run executes.
        assignment: the assignment id; ``notebook``: the notebook's name without ``.ipynb``.
        source_root: the folder holding ``<assignment>/`` and ``<assignment>.<lang>.yml``.

    Returns:
        ``(nb, source_nb)``: the same objects for an English submission, or where no translation
        applies; else copies whose test cells' strings and comments are translated, and whose
        test run starts by choosing the language. Code is never changed (course.translation).
    """
    lang = of_notebook(nb)
    if lang == i18n.ENGLISH:
        return nb, source_nb
    try:
        found = translation.load_file(translation_file(source_root, assignment, lang), assignment, lang)
    except translation.TranslationError:
        found = None  # a broken translation file: the messages stay English, the grades are the same
    entries = found.notebooks.get(f"{notebook}.ipynb", {}) if found else {}
    english = {nbs.grade_id(c): c.source for c in source_nb.cells if nbs.is_test_cell(c)}
    said = {gid: _translated(src, source_nb, entries) for gid, src in english.items()}
    nb, source_nb = nbs.copy(nb), nbs.copy(source_nb)
    for book in (source_nb, nb):
        for cell in book.cells:
            gid = nbs.grade_id(cell)
            if nbs.is_test_cell(cell) and cell.source == english.get(gid):  # never a cell the student changed
                cell.source = said[gid]
    source_nb.cells.insert(0, new_code_cell(_SPEAK.format(env=i18n.LANG_ENV, lang=lang)))
    return nb, source_nb


def _translated(source: str, source_nb, entries: dict) -> str:
    cell = next(c for c in source_nb.cells if c.source == source)
    entry = entries.get(cell.get("id", ""))
    if not entry or entry.get("en_sha") != translation.cell_sha(source) or not entry.get("strings"):
        return source  # untranslated, or translated from an older English: the English message is the true one
    try:
        return translation.translate_code(source, list(entry["strings"]))
    except translation.TranslationError:
        return source

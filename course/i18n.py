"""The course package's own student-facing strings in the student's language (Python's gettext catalogs).

The language is, in this order: ``COURSE_LANG`` (the hub's or ``make lab LANG=ja``'s setting),
else the ``.course-lang`` file in the kernel's folder (a translated release carries one:
``course.authoring.release``), else English. Strings are marked ``_("...")`` in the package
and translated in ``course/locale/<lang>/LC_MESSAGES/course.po``; the compiled ``course.mo``
beside it is what runs (stdlib gettext only, no dependency in a student's kernel). After
editing a .po file, compile it (``python -m course.i18n compile``, which needs Babel, a
test dependency): tests/unit/test_i18n.py fails while a .mo is older than its .po.
"""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

#: The languages the course is translated into (English is the source): notebooks, manifests and catalogs.
LANGUAGES = ("ja",)
ENGLISH = "en"
#: The operator's or learner's choice of language.
LANG_ENV = "COURSE_LANG"
#: A file in a notebook's folder naming its language (written into release/<lang>/<id>/).
LANG_FILE = ".course-lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "course"

_catalogs: dict[str, gettext.NullTranslations] = {}


def language(folder: Path | str | None = None) -> str:
    """The language to speak: ``COURSE_LANG``, else ``.course-lang`` in ``folder`` (the current folder), else English.

    A value that is not a known language counts as English: a typo never stops a notebook.
    """
    chosen = os.environ.get(LANG_ENV, "").strip().lower()
    if not chosen:
        try:
            chosen = (Path(folder or ".") / LANG_FILE).read_text(encoding="utf-8").strip().lower()
        except (OSError, UnicodeDecodeError):
            chosen = ""
    chosen = chosen.split("_")[0].split("-")[0]  # ja_JP, ja-JP -> ja
    return chosen if chosen in LANGUAGES else ENGLISH


def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English and a missing catalog give the strings as they are)."""
    if lang not in _catalogs:
        _catalogs[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return _catalogs[lang]


def _(message: str) -> str:
    """``message`` in the current language (a marked string of the package; English if it has no translation)."""
    return catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(language()).ngettext(singular, plural, n)


def po_file(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogs() -> list[Path]:
    """Compile every ``course.po`` into its ``course.mo`` with Babel (a test dependency). Returns the .mo files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out = []
    for lang in LANGUAGES:
        po = po_file(lang)
        with po.open("rb") as f:
            cat = read_po(f, locale=lang, domain=DOMAIN)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, cat, use_fuzzy=False)
        out.append(mo)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv != ["compile"]:
        print("usage: python -m course.i18n compile   (course/locale/*/LC_MESSAGES/course.po -> course.mo)", file=sys.stderr)
        return 2
    for mo in compile_catalogs():
        print(f"wrote {mo.relative_to(LOCALE_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

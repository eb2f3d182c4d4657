"""The course package's own student-facing strings in the student's language (Python's gettext catalogs).

The language is, in this order: ``COURSE_LANG`` (the hub's or ``make lab LANG=ja``'s setting),
else the ``.course-lang`` file in the kernel's folder (a translated release carries one:
``course.authoring.release``), else English. Strings are marked ``_("...")`` in the package
and translated in ``course/locale/<lang>/LC_MESSAGES/course.po``; the compiled ``course.mo``
beside it is what runs (stdlib gettext only, no dependency in a student's kernel). After
marking a string, ``python -m course.i18n update`` adds it to each .po; translate it there,
then ``python -m course.i18n compile`` (both need Babel, a pinned test dependency).
tests/unit/test_i18n.py fails while a marked string is untranslated or a .mo is not its .po compiled.
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
    """``singular`` or ``plural`` for ``n``, in the current language."""
    return catalog(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog where it is defined (a constant); ``_()`` translates it where it is shown."""
    return message


def po_file(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


#: The package's files whose marked strings are in the catalogs (what ``update`` extracts).
SOURCES = ("course/checks.py", "course/notebooks.py", "course/assertions.py", "course/capstone.py", "course/learn/coach.py", "course/grading/selfcheck.py",
           "course/explore/capacity.py", "course/explore/front_desk.py", "course/explore/npv.py",
           "course/explore/service_desk.py", "course/explore/venture.py")
_KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract():
    """The catalog template: every string marked in SOURCES (needs Babel)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file

    template = Catalog(domain=DOMAIN, project="Social Design Lab")
    base = LOCALE_DIR.parent.parent
    for name in SOURCES:
        for lineno, message, comments, context in extract_from_file("python", base / name, keywords=_KEYWORDS):
            template.add(message, None, [(name, lineno)], auto_comments=comments, context=context)
    return template


def update_catalogs() -> list[Path]:
    """Bring every ``course.po`` up to date with the marked strings: new ones empty, removed ones dropped (needs Babel)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = extract()
    out = []
    for lang in LANGUAGES:
        po = po_file(lang)
        if po.is_file():
            with po.open("rb") as f:
                cat = read_po(f, locale=lang, domain=DOMAIN)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, domain=DOMAIN, project="Social Design Lab")
        cat.update(template, no_fuzzy_matching=True)
        cat.fuzzy = False  # the header: its flag would keep the whole catalog from compiling
        cat.obsolete.clear()
        with po.open("wb") as f:
            write_po(f, cat, width=0, omit_header=False, include_previous=False, sort_output=False)
        out.append(po)
    return out


def untranslated(lang: str) -> list[str]:
    """The marked strings that ``lang``'s catalog leaves untranslated (needs Babel)."""
    from babel.messages.pofile import read_po

    with po_file(lang).open("rb") as f:
        cat = read_po(f, locale=lang, domain=DOMAIN)
    out = []
    for message in extract():
        if not message.id:
            continue
        found = cat.get(message.id)
        strings = [] if found is None else (list(found.string) if isinstance(found.string, tuple) else [found.string])
        if found is None or found.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


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
    if argv not in (["update"], ["compile"]):
        print("usage: python -m course.i18n update    (the marked strings of the package -> each course.po)\n"
              "       python -m course.i18n compile   (each course.po -> course.mo, what runs)", file=sys.stderr)
        return 2
    base = LOCALE_DIR.parent.parent
    for path in update_catalogs() if argv == ["update"] else compile_catalogs():
        print(f"wrote {path.relative_to(base)}")
    if argv == ["update"]:
        for lang in LANGUAGES:
            left = untranslated(lang)
            print(f"{lang}: {len(left)} strings to translate" + "".join(f"\n  {m}" for m in left[:20]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Each module's copy of the glossary: ``GLOSSARY.md`` beside its notebooks, made from docs/GLOSSARY.md.

A notebook links a term's first use to ``GLOSSARY.md#<anchor>``, a file in its own folder, so the
link opens wherever the notebooks are: a clone, the hub (a student has only the fetched folder),
``make lab``'s my-work/, Binder, and the course website (``course.authoring.site`` points it at
the site's glossary page). docs/GLOSSARY.md is the one source; the copies are generated:

    >>> from course.authoring import glossary
    >>> print(glossary.render("ja"))                 # the Japanese copy, as text
    >>> glossary.write("01-problem-framing")         # source/01-problem-framing/GLOSSARY.md (English)
    >>> glossary.check("01-problem-framing")         # raises ReleaseError if that copy is out of date

``course release`` writes the English copy into ``source/<id>/`` (nbgrader's generate_assignment
copies it to ``release/<id>/``) and the copy in a translation's language into that release
(``release/ja/<id>/GLOSSARY.md``: Japanese term first, Japanese definitions); ``course release
--check`` fails when a copy differs from what docs/GLOSSARY.md gives. Markdown, because JupyterLab
opens a link to a ``.md`` file from a notebook in its Markdown Preview and scrolls to the element
the link's fragment names (an ``id``, which JupyterLab keeps as ``data-jupyter-id`` in untrusted
content); each term carries one (``<a id="median"></a>``), the same in every language, so a
translated notebook links the same anchors. GitHub and the course website (a MyST target) resolve them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course import i18n
from course.errors import ReleaseError
from course.paths import find_root

#: The one source, relative to the repository.
SOURCE = Path("docs") / "GLOSSARY.md"
#: Each module's copy, beside its notebooks.
FILE = "GLOSSARY.md"
#: A notebook's link to a term in the module's copy: [label](GLOSSARY.md#anchor).
LINK = re.compile(r"\[([^\]]*)\]\(((?:[^()\s]*/)?" + re.escape(FILE) + r")(?:#([^)\s]*))?\)")  # a label may break a line
#: A term's anchor in a copy.
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')

_TEXT = {
    i18n.ENGLISH: {
        "title": "# Glossary",
        "intro": ("The course's technical terms, each with a one-line definition and its Japanese term, in the order "
                  "the course meets them. A notebook's link to a term opens this file there."),
        "module": "Module {n}",
    },
    "ja": {
        "title": "# 用語集",
        "intro": ("本コースの専門用語を、コースで出てくる順に、一行の定義と英語の用語とともに示します。"
                  "ノートブックの用語のリンクを開くと、この資料のその用語の箇所が表示されます。"),
        "module": "モジュール{n}",
    },
}
_GENERATED = ("<!-- Made from docs/GLOSSARY.md by `course release`: do not edit this copy. Change docs/GLOSSARY.md, "
              "then run `course release` (`course release --check` fails while a copy is out of date). -->")


@dataclass(frozen=True)
class Term:
    """One row of docs/GLOSSARY.md."""

    term: str
    japanese: str
    definition: str
    teigi: str  # the Japanese definition
    module: str

    @property
    def anchor(self) -> str:
        return anchor(self.term)


def anchor(term: str) -> str:
    """A term's anchor, the same in every language: its English words before any parenthesis, lower case,
    joined by hyphens ("KPI (key performance indicator)" → ``kpi``, "TAM / SAM / SOM" → ``tam-sam-som``)."""
    return re.sub(r"[^a-z0-9]+", "-", term.split(" (")[0].lower()).strip("-")


def source(root: Path | None = None) -> Path:
    return find_root(root) / SOURCE


def terms(root: Path | None = None) -> list[Term]:
    """Every term of docs/GLOSSARY.md in its order (none when the course has no glossary)."""
    path = source(root)
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not line.startswith(("| term ", "| ---")):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            if len(cells) != 5:
                raise ReleaseError(f"{SOURCE}: a row has {len(cells)} columns, not 5 (term | 用語 | definition | 定義 | module): "
                                   f"{line[:60]!r}. Fix the row.")
            rows.append(Term(*cells))
    return rows


def render(lang: str = i18n.ENGLISH, root: Path | None = None) -> str:
    """A module's copy of the glossary in ``lang``: every term, grouped by the module that teaches it, with its anchor."""
    japanese = lang == "ja"  # the glossary's two languages; any other is given the English
    words = _TEXT["ja" if japanese else i18n.ENGLISH]
    lines = [words["title"], "", words["intro"], "", _GENERATED]
    module = None
    for t in terms(root):
        if t.module != module:
            module = t.module
            lines += ["", f"## {words['module'].format(n=module)}"]
        if japanese:  # the English in brackets, unless the Japanese term already shows it: 重要業績評価指標（KPI）
            english = "" if t.term.split(" (")[0] in t.japanese else f"（{t.term}）"
            entry = f"**{t.japanese}**{english}：{t.teigi}"
        else:
            entry = f"**{t.term}** ({t.japanese}): {t.definition}"
        lines += ["", f'<a id="{t.anchor}"></a>{entry}']
    return "\n".join(lines) + "\n"


def anchors(text: str) -> set[str]:
    """The term anchors a copy holds."""
    return set(ANCHOR.findall(text))


def copy_path(assignment_id: str, root: Path | None = None) -> Path:
    """The module's English copy: source/<id>/GLOSSARY.md."""
    return find_root(root) / "source" / assignment_id / FILE


def write_into(folder: Path, lang: str = i18n.ENGLISH, root: Path | None = None) -> Path | None:
    """Write the copy in ``lang`` into ``folder`` (a module's notebooks' folder); None when the course has no glossary."""
    if not source(root).is_file() or not Path(folder).is_dir():
        return None
    path = Path(folder) / FILE
    text = render(lang, root)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def write(assignment_id: str, root: Path | None = None) -> Path | None:
    """Write source/<id>/GLOSSARY.md (English) from docs/GLOSSARY.md; None when the course has no glossary."""
    return write_into(copy_path(assignment_id, root).parent, i18n.ENGLISH, root)


def check(assignment_id: str, root: Path | None = None) -> None:
    """Raise ReleaseError unless source/<id>/GLOSSARY.md is what docs/GLOSSARY.md gives."""
    if not source(root).is_file():
        return
    path = copy_path(assignment_id, root)
    if not path.is_file() or path.read_text(encoding="utf-8") != render(i18n.ENGLISH, root):
        state = "is missing" if not path.is_file() else "differs from what docs/GLOSSARY.md gives"
        raise ReleaseError(f"source/{assignment_id}/{FILE} {state}: it is generated, never edited. Run: course release {assignment_id}")

"""One translation file (``source/<id>.<lang>.yml``) and what it does to a cell: read, check and apply.

The shared core of ``course.authoring.translate`` (the translator's tools, release) and
``course.grading.language`` (feedback in the student's language): a code cell changes only
inside its string literals and comments, and only where the English it was translated from
(``en_sha``) is still the cell's source.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from course import i18n
from course import notebooks as nbs
from course.errors import CourseError
from course.paths import find_root

#: The languages a translation file may give (English is the source): course.i18n's.
LANGUAGES = i18n.LANGUAGES
#: Placeholders of str.format and f-strings: a translation keeps each of them.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: Lines of nbgrader's that a translation must keep as they are.
_KEEP = (*nbs.MARKERS, "YOUR ANSWER HERE", "YOUR CODE HERE", "raise NotImplementedError")


class TranslationError(CourseError):
    """A translation file that cannot be applied as it is."""


def cell_sha(source: str) -> str:
    """The short hash of an English cell's source that a translation entry records."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]


def path(assignment_id: str, lang: str, root: Path | None = None) -> Path:
    """Where the translation of ``assignment_id`` into ``lang`` lives."""
    return find_root(root) / "source" / f"{assignment_id}.{lang}.yml"


@dataclass
class Translation:
    """One translation file: notebook file name -> cell id -> entry."""

    assignment: str
    lang: str
    notebooks: dict[str, dict[str, dict]] = field(default_factory=dict)


def load(assignment_id: str, lang: str, root: Path | None = None) -> Translation | None:
    """The translation of ``assignment_id`` into ``lang``, or None when there is none."""
    if lang not in LANGUAGES:
        raise TranslationError(f"no language {lang!r}: use one of {', '.join(LANGUAGES)} (English is the source).")
    return load_file(path(assignment_id, lang, root), assignment_id, lang)


def load_file(file: Path, assignment_id: str, lang: str) -> Translation | None:
    """The translation in ``file`` (None if there is no such file).

    Raises:
        TranslationError: the file is not valid YAML, or names another language.
    """
    file = Path(file)
    if not file.exists():
        return None
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TranslationError(f"{file.name}: not valid YAML ({str(exc).splitlines()[0]}). Fix the file and run again.") from None
    if data.get("lang") != lang:
        raise TranslationError(f"{file.name}: says lang: {data.get('lang')!r}, expected {lang!r}.")
    books = data.get("notebooks") or {}
    return Translation(assignment_id, lang, {name: dict((book or {}).get("cells") or {}) for name, book in books.items()})


# ---------------------------------------------------------------- one cell


def _spans(source: str) -> list[tuple[int, int]]:
    """Offsets of the string literals and comments of a code cell (IPython % and ! lines are left out)."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    code = "".join("\n" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    kinds = {tokenize.STRING, tokenize.COMMENT} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    spans = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type in kinds:
                (r0, c0), (r1, c1) = tok.start, tok.end
                spans.append((starts[r0 - 1] + c0, starts[r1 - 1] + c1))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise TranslationError(f"a code cell that Python cannot read ({exc}): fix the English cell first.") from None
    return spans


def _skeleton_tokens(source: str) -> list[tuple[int, str]]:
    """Every token of a code cell but its literals and comments: what a translation must leave alone."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        # FSTRING_MIDDLE: the text of an f-string, a token of its own from Python 3.12 on
        if tok.type in (tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)):
            out.append((tok.type, ""))
        else:
            out.append((tok.type, tok.string))
    return out


def translate_code(source: str, pieces: list[dict], where: str = "") -> str:
    """``source`` with each piece's ``en`` replaced by its ``text`` inside literals and comments only."""
    spans = _spans(source)
    out, last, used = [], 0, [0] * len(pieces)
    for a, b in spans:
        chunk = source[a:b]
        if not any(k in chunk for k in _KEEP):
            for i, piece in enumerate(pieces):
                en, text = str(piece.get("en", "")), str(piece.get("text", ""))
                if en and en in chunk:
                    chunk = chunk.replace(en, text)
                    used[i] += 1
        out.append(source[last:a])
        out.append(chunk)
        last = b
    out.append(source[last:])
    result = "".join(out)
    for i, piece in enumerate(pieces):
        en, text = str(piece.get("en", "")), str(piece.get("text", ""))
        if not used[i]:
            raise TranslationError(f"{where}: {en[:60]!r} is in none of the cell's strings or comments. Copy it exactly from the English cell.")
        if sorted(_PLACEHOLDER.findall(en)) != sorted(_PLACEHOLDER.findall(text)):
            raise TranslationError(f"{where}: the translation of {en[:60]!r} must keep its placeholders {_PLACEHOLDER.findall(en)}.")
    try:
        same = _skeleton_tokens(result) == _skeleton_tokens(source)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        same = False
    if not same:
        raise TranslationError(f"{where}: the translated cell's code differs from the English (a quote or # inside a translation?). Escape it or change the wording.")
    return result


def translate_markdown(source: str, text: str, where: str = "") -> str:
    """``text``, after checking it keeps the nbgrader lines of the English ``source``."""
    for line in source.splitlines():
        if any(k in line for k in _KEEP) and line not in text.splitlines():
            raise TranslationError(f"{where}: the translation must keep the line {line.strip()!r} as it is.")
    return text.rstrip("\n") if not source.endswith("\n") else text


def needs_entry(cell) -> bool:
    """Whether a cell has text for a translator: every markdown cell, and code with a comment or words in a string."""
    if cell.cell_type == "markdown":
        return bool(cell.source.strip())
    if cell.cell_type != "code":
        return False
    try:
        spans = _spans(cell.source)
    except TranslationError:
        return False
    for a, b in spans:
        chunk = cell.source[a:b]
        if any(k in chunk for k in _KEEP):
            continue
        if chunk.startswith("#") or re.search(r"[A-Za-z]+[ ,.:;!?'-]+[A-Za-z]+", chunk):
            return True
    return False



# ---------------------------------------------------------------- whole notebooks


def translate_notebook(nb, entries: dict[str, dict], lang: str, where: str = ""):
    """A translated copy of ``nb``; cells without an entry stay as they are. Marks ``metadata.course.lang``."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        entry = entries.get(cell.get("id", ""))
        if not entry:
            continue
        at = f"{where} cell {cell.get('id')}"
        if cell.cell_type == "markdown" and "text" in entry:
            cell.source = translate_markdown(cell.source, str(entry["text"]), at)
        elif cell.cell_type == "code" and entry.get("strings"):
            cell.source = translate_code(cell.source, list(entry["strings"]), at)
    out.metadata.setdefault("course", {})["lang"] = lang
    return out

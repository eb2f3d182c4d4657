"""A module's notebooks in another language, from one source: ``source/<id>.<lang>.yml``.

The English notebooks in ``source/<id>/`` are the source of truth. A translation file beside
them gives, cell by cell (keyed by the cell's nbformat id):

- a markdown cell's whole text in the other language (``text``), and
- a code cell's translated pieces (``strings``): each ``en`` is a piece of text inside one of the
  cell's string literals or comments, replaced there by ``text``. Code outside literals and
  comments is never touched, so a solution or a test is fixed once, in English, for every language.

Each entry records ``en_sha``, the hash of the English cell it was translated from: when the
English cell changes, :func:`problems` reports the translation as stale until a translator
updates it. The file lives beside the source, not in ``source/<id>/``, because nbgrader copies
that folder to students, and a lab's translation holds its hidden tests' messages.

From a shell (what a translator runs):

    python -m course.authoring.translate skeleton 01-problem-framing ja   # new or missing entries, in English
    python -m course.authoring.translate check 01-problem-framing ja      # what is missing, stale or wrong
    python -m course.authoring.translate apply 01-problem-framing ja OUT  # translated source notebooks in OUT
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from course import notebooks as nbs
from course.errors import CourseError
from course.paths import find_root

#: The languages a translation file may give (English is the source).
LANGUAGES = ("ja",)
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
    file = path(assignment_id, lang, root)
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


def problems(assignment_id: str, lang: str, root: Path | None = None) -> list[str]:
    """What keeps the translation of ``assignment_id`` from matching its English source, one line each."""
    from course import manifest as manifests

    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    tr = load(assignment_id, lang, root)
    name = path(assignment_id, lang, root).name
    if tr is None:
        return [f"{name}: no translation file (python -m course.authoring.translate skeleton {assignment_id} {lang})."]
    out = []
    files = [e.file for e in manifest.notebooks]
    for extra in sorted(set(tr.notebooks) - set(files)):
        out.append(f"{name}: {extra} is not a notebook of {assignment_id}.")
    for file in files:
        nb = nbs.read(manifest.source_dir(root) / file)
        entries = tr.notebooks.get(file, {})
        ids = {c.get("id") for c in nb.cells}
        for cid in sorted(set(entries) - ids):
            out.append(f"{name}: {file} has no cell {cid} (removed from the English?): delete its entry.")
        for i, cell in enumerate(nb.cells, 1):
            cid = cell.get("id", "")
            entry = entries.get(cid)
            at = f"{name}: {file} cell {i} ({cid})"
            if entry is None:
                if needs_entry(cell):
                    out.append(f"{at}: not translated.")
                continue
            if entry.get("en_sha") != cell_sha(cell.source):
                out.append(f"{at}: the English cell changed since it was translated (update the translation, then en_sha: {cell_sha(cell.source)}).")
                continue
            if cell.cell_type == "markdown" and not str(entry.get("text", "")).strip():
                out.append(f"{at}: no text.")
            try:
                translate_notebook(_one(nb, cell), {cid: entry}, lang, f"{name}: {file}")
            except TranslationError as exc:
                out.append(str(exc))
    return out


def _one(nb, cell):
    book = copy.copy(nb)
    book.cells = [cell]
    return book


def translated_source(assignment_id: str, lang: str, dest: Path, root: Path | None = None) -> Path:
    """Write ``source/<id>/`` translated into ``lang`` to ``dest/<id>/`` (other files copied as they are).

    Raises:
        TranslationError: the translation is missing, stale or cannot be applied.
    """
    import shutil

    from course import manifest as manifests

    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    issues = problems(assignment_id, lang, root)
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise TranslationError(f"{issues[0]}{more}: python -m course.authoring.translate check {assignment_id} {lang} lists them all.")
    tr = load(assignment_id, lang, root)
    src = manifest.source_dir(root)
    out = dest / assignment_id
    shutil.copytree(src, out, dirs_exist_ok=True)
    for entry in manifest.notebooks:
        nb = nbs.read(src / entry.file)
        done = translate_notebook(nb, tr.notebooks.get(entry.file, {}), lang, entry.file)
        nbs.write(done, out / entry.file)
    return out


# ---------------------------------------------------------------- for translators


def _literal_pieces(source: str) -> list[str]:
    pieces = []
    for a, b in _spans(source):
        chunk = source[a:b]
        if any(k in chunk for k in _KEEP):
            continue
        if chunk.startswith("#"):
            body = chunk.lstrip("#").strip()
        else:
            body = re.sub(r"^[rbfuRBFU]*('''|\"\"\"|'|\")", "", chunk)
            body = re.sub(r"('''|\"\"\"|'|\")$", "", body)
        if body and re.search(r"[A-Za-z]{2,}", body) and body not in pieces:
            pieces.append(body)
    return pieces


def skeleton(assignment_id: str, lang: str, root: Path | None = None) -> str:
    """The translation file with an English placeholder for every cell that has no current entry."""
    from course import manifest as manifests

    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    tr = load(assignment_id, lang, root) or Translation(assignment_id, lang)
    books = {}
    for entry in manifest.notebooks:
        nb = nbs.read(manifest.source_dir(root) / entry.file)
        have = tr.notebooks.get(entry.file, {})
        cells = {}
        for cell in nb.cells:
            cid = cell.get("id", "")
            if cid in have:
                cells[cid] = have[cid]
            elif needs_entry(cell):
                if cell.cell_type == "markdown":
                    cells[cid] = {"en_sha": cell_sha(cell.source), "text": cell.source}
                else:
                    cells[cid] = {"en_sha": cell_sha(cell.source), "strings": [{"en": p, "text": p} for p in _literal_pieces(cell.source)]}
        books[entry.file] = {"cells": cells}
    return yaml.dump({"lang": lang, "notebooks": books}, allow_unicode=True, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m course.authoring.translate {skeleton|check|apply} ASSIGNMENT LANG [OUT]"
    if len(argv) < 3 or argv[0] not in ("skeleton", "check", "apply") or (argv[0] == "apply" and len(argv) < 4):
        print(usage, file=sys.stderr)
        return 2
    what, aid, lang = argv[:3]
    try:
        if what == "skeleton":
            target = path(aid, lang)
            target.write_text(skeleton(aid, lang), encoding="utf-8")
            print(f"wrote {target}: translate each text (keep en, en_sha and the code as they are).")
        elif what == "check":
            found = problems(aid, lang)
            for line in found:
                print(line)
            print(f"{aid} ({lang}): {'no problems' if not found else f'{len(found)} problems'}.")
            return 1 if found else 0
        else:
            out = translated_source(aid, lang, Path(argv[3]))
            print(f"wrote {out}")
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

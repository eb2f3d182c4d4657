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

import re
import sys
from pathlib import Path

import yaml

from course import notebooks as nbs
from course.errors import CourseError
from course.paths import find_root
from course.translation import (  # noqa: F401  (the core, in course.translation; translators and tests reach it here)
    _KEEP,
    LANGUAGES,
    Translation,
    TranslationError,
    _spans,
    cell_sha,
    load,
    load_file,
    needs_entry,
    path,
    translate_code,
    translate_markdown,
    translate_notebook,
)


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
    import copy

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

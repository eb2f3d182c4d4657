"""The course website: the student notebooks and the course's guides as a static site in English and Japanese, built offline.

Built with Sphinx and MyST-NB (the stack of Jupyter Book 1, all from PyPI): Jupyter Book 2's
``mystmd`` downloads its site template from the web on every fresh build, and no package
registry carries that template. One Sphinx build per language: English at the site's root,
Japanese under ``ja/``, each page with a link to the same page in the other language.

What a page is made from, and only from what students already have:

- teaching notebooks (the manifest's ungraded notebooks) from ``release/<id>/``
  (``release/ja/<id>/`` for Japanese), run with the course's executor in a build folder, so
  their figures and tables show; ``release/`` itself is never written;
- labs (graded notebooks) from the same folders, as students receive them, not run;
- docs/SYLLABUS.md (docs/ja/SYLLABUS.md or docs/SYLLABUS.ja.md for Japanese, when present),
  the glossary in the page's language (``course.authoring.glossary``: the copy each module carries,
  made from docs/GLOSSARY.md, so a notebook's ``GLOSSARY.md#<term>`` link opens the site's
  glossary at that term) and docs/SEMINAR.md.

``source/`` is never read for content. After the build, :func:`find_secrets` reads every file
of the site for each line of every solution and hidden test in ``source/`` (the lines
``course bundle`` looks for) and for nbgrader's markers, and the build fails naming the file
and line.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course import manifest as manifests
from course import notebooks as nbs
from course.authoring import bundle, execute, glossary
from course.errors import CourseError
from course.paths import find_root, use_this_environment

#: The site's languages, English first (at the root); the others in a folder of their name.
LANGUAGES = ("en", "ja")
#: Where ``course site`` writes the site unless told otherwise (relative to the repository).
DEFAULT_OUT = Path(".work") / "site" / "html"
#: Where the staged pages, executed notebooks and Sphinx's caches go (relative to the repository; a folder per output folder).
WORK = Path(".work") / "site" / "build"
#: Sphinx's configuration, templates and style (copied beside the staged pages).
CONFIG = Path("docs") / "site"
#: Left in the output folder so that a later build may replace it.
MARKER = ".course-site"
#: Seconds any one cell of a teaching notebook may take.
DEFAULT_TIMEOUT = 300

#: A code line that opens one of the course's explorers (course.explore.explore_<what>(...)).
_EXPLORER = re.compile(r"^\s*(?:\w+\s*=\s*)?(?:[\w.]+\.)?explore_\w+\(", re.MULTILINE)
#: A Markdown link or image: [text](target "title").
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)((?:\s+\"[^\"]*\")?)\)")  # a label may break a line
#: A letter or digit (of any script): a secret line without one says nothing.
_WORD = re.compile(r"[^\W_]")
#: Widget outputs: a static page cannot show them (they need a kernel).
_WIDGET = "application/vnd.jupyter.widget-view+json"

TEXT = {
    "en": {
        "title": "Social Design Lab",
        "label": "English",
        "intro": (
            "The course's notebooks and guides. Teaching notebooks are shown run, with their figures and "
            "tables; labs are shown as you receive them, with the questions and without answers. To work on "
            "a notebook, open it in JupyterLab (on the hub, on Binder, or with `make lab`)."
        ),
        "modules": "Modules",
        "guides": "Guides",
        "teaching": "teaching notebook (run)",
        "lab": "lab (to do in JupyterLab)",
        "explorer": (
            ":::{note}\nThe explorer below needs a running Python kernel: on this website its controls do "
            "nothing. Open this notebook in JupyterLab and run its cells to use it.\n:::"
        ),
        "untranslated": "",
        "fallback_doc": "",
    },
    "ja": {
        "title": "Social Design Lab（ソーシャルデザイン・ラボ）",
        "label": "日本語",
        "intro": (
            "本コースのノートブックと資料です。授業ノートブックは実行済みで、図や表も表示されます。演習（lab）は"
            "配布されるときのまま、問題だけで解答は含みません。ノートブックに取り組むときは JupyterLab"
            "（ハブ、Binder、または `make lab`）で開いてください。"
        ),
        "modules": "モジュール",
        "guides": "資料",
        "teaching": "授業ノートブック（実行済み）",
        "lab": "演習（JupyterLab で取り組みます）",
        "explorer": (
            ":::{note}\n下のエクスプローラーを動かすには、Python のカーネルが必要です。このウェブサイト上では"
            "操作しても何も変わりません。JupyterLab でこのノートブックを開き、セルを実行してから使ってください。\n:::"
        ),
        "untranslated": (
            ":::{note}\nこのノートブックの日本語版はまだありません。英語版を表示しています。\n:::"
        ),
        "fallback_doc": (
            ":::{note}\nこの資料の日本語版はまだありません。英語版を表示しています。\n:::"
        ),
    },
}


@dataclass(frozen=True)
class Site:
    """A website written by :func:`build`."""

    out: Path
    languages: tuple[str, ...]
    modules: tuple[str, ...]
    pages: int
    files: int
    bytes: int
    seconds: float
    skipped: str = ""

    def summary(self) -> str:
        text = (f"Wrote the course website to {self.out}: {self.pages} pages in {', '.join(self.languages)} "
                f"for {len(self.modules)} module(s), {self.files} files, {self.bytes / 1e6:.1f} MB, in {self.seconds:.0f} s; "
                f"no solution and no hidden test (checked). Open {self.out / 'index.html'} or serve the folder as static files.")
        return text + (f"\n{self.skipped}" if self.skipped else "")


@dataclass(frozen=True)
class _Page:
    """One page of one language's site: what it is made from and where it goes."""

    name: str  # the page's path in the site, without suffix (Sphinx's docname)
    kind: str  # teaching, lab or doc
    module: str | None
    title: str


# ---------------------------------------------------------------- what the site holds


def release_folder(root: Path, aid: str, language: str) -> Path | None:
    """The released notebooks of ``aid`` in ``language`` (``release/<id>/`` or ``release/<lang>/<id>/``), or None."""
    folder = root / "release" / aid if language == "en" else root / "release" / language / aid
    return folder if folder.is_dir() and any(folder.glob("*.ipynb")) else None


def doc_source(root: Path, name: str, language: str) -> tuple[Path, bool]:
    """The file a guide (``SYLLABUS``, ``GLOSSARY``, ``SEMINAR``) is read from in ``language``, and whether it is in that language."""
    english = root / "docs" / f"{name}.md"
    if language != "en":
        for path in (root / "docs" / language / f"{name}.md", root / "docs" / f"{name}.{language}.md"):
            if path.is_file():
                return path, True
        if name == "GLOSSARY":  # one table in both languages
            return english, True
    return english, language == "en"


def _modules(root: Path, modules: list[str] | None) -> list[str]:
    released = [aid for aid in manifests.available(root) if release_folder(root, aid, "en")]
    if not modules:
        if not released:
            raise CourseError("release/ has no student notebooks: run `course release` first.")
        return released
    unknown = [m for m in modules if m not in released]
    if unknown:
        raise CourseError(f'no released module "{unknown[0]}": choose from {", ".join(released)} '
                          f"(or run `course release {unknown[0]}` first).")
    return [m for m in released if m in modules]


def _languages(root: Path, modules: list[str], languages: list[str] | None) -> tuple[list[str], str]:
    bad = [lang for lang in languages or [] if lang not in LANGUAGES]
    if bad:
        raise CourseError(f'no language "{bad[0]}" for the website: choose from {", ".join(LANGUAGES)}.')
    has = {lang: [m for m in modules if release_folder(root, m, lang)] for lang in LANGUAGES}
    if languages:
        missing = [lang for lang in languages if not has[lang]]
        if missing:
            raise CourseError(f"no {missing[0]} release of {', '.join(modules)}: run `course release --lang {missing[0]}` first.")
        return [lang for lang in LANGUAGES if lang in languages], ""
    chosen = [lang for lang in LANGUAGES if has[lang]]
    skipped = [lang for lang in LANGUAGES if not has[lang]]
    note = (f"Not built: {', '.join(skipped)} (no release/{skipped[0]}/ for these modules yet: "
            f"`course release --lang {skipped[0]}` makes it).") if skipped else ""
    return chosen, note


# ---------------------------------------------------------------- links


def rewrite_links(text: str, here: Path, page_dir: str, targets: dict[str, str], root: Path) -> str:
    """Point the Markdown links of ``text`` at the site's own pages; unlink what the site does not hold.

    Args:
        text: Markdown (a guide, or a notebook's Markdown cell).
        here: the folder of the file ``text`` comes from (links are relative to it).
        page_dir: the page's folder in the site ("" at the top, or a module's id).
        targets: repository paths (relative, POSIX) → site page files, e.g. ``docs/GLOSSARY.md``
            → ``glossary.md``; ``module:<id>`` → the module's first page (its manifest's,
            release's and source's paths link there).
        root: the repository.

    Links with a scheme (``https:``, ``mailto:``) and same-page anchors are kept as they are.
    """

    def sub(match: re.Match) -> str:
        bang, label, target, title = match.groups()
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        try:
            rel = (here / path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = path
        page = targets.get(rel)
        parts = rel.split("/")
        if page is None and len(parts) > 1:
            if parts[0] == "assignments":
                aid = parts[1].removesuffix(".yml")
            elif parts[0] in ("release", "source"):
                aid = parts[2] if parts[1] in LANGUAGES and len(parts) > 2 else parts[1]
            else:
                aid = ""
            page = targets.get(f"module:{aid}")
        if page is None:
            return label if not bang else ""
        link = os.path.relpath(page, page_dir or ".")
        return f"{bang}[{label}]({link}{'#' + anchor if anchor else ''}{title})"

    return _LINK.sub(sub, text)


# ---------------------------------------------------------------- staging


def _note_cell(text: str):
    return nbformat.v4.new_markdown_cell(text)


def _prepare_notebook(nb, language: str, fallback: bool, here: Path, page_dir: str, targets: dict, root: Path):
    """A notebook made ready for a static page: widget outputs out, a note where an explorer opens, links in the site."""
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    cells = []
    if fallback and TEXT[language]["untranslated"]:
        cells.append(_note_cell(TEXT[language]["untranslated"]))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = rewrite_links(cell.source, here, page_dir, targets, root)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if _WIDGET in output.get("data", {}):
                    output["data"] = {k: v for k, v in output["data"].items() if k != _WIDGET}
                    output["data"].pop("text/plain", None)  # a widget's repr ("interactive(children=...)") says nothing to a reader
            cell["outputs"] = [o for o in cell.get("outputs", []) if o.get("output_type") not in ("display_data", "execute_result")
                               or o.get("data")]
            if _EXPLORER.search(cell.source):
                cells.append(_note_cell(TEXT[language]["explorer"]))
        cell.get("metadata", {}).pop("papermill", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _stage_language(root: Path, language: str, modules: list[str], work: Path, execute_teaching: bool,
                    timeout: int, progress, executed: dict[Path, Path]) -> list[_Page]:
    src = work / f"src-{language}"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(root / CONFIG, src)
    pages: list[_Page] = []
    targets: dict[str, str] = {}
    guides = (("SYLLABUS", "syllabus"), ("GLOSSARY", "glossary"), ("SEMINAR", "seminar"))
    for name, page in guides:
        for lang in LANGUAGES:
            path, _ = doc_source(root, name, lang)
            targets[path.relative_to(root).as_posix()] = f"{page}.md"
    plan = []
    for aid in modules:
        folder = release_folder(root, aid, language)
        fallback = folder is None
        folder = folder or release_folder(root, aid, "en")
        entries = manifests.load(aid, root).notebooks
        # teaching notebooks first, then the labs, each in the manifest's order
        ordered = [e for e in entries if not e.graded] + [e for e in entries if e.graded]
        files = [(e, folder / e.file) for e in ordered if (folder / e.file).is_file()]
        if files:
            targets[f"module:{aid}"] = f"{aid}/{files[0][1].name}"
        for lang in LANGUAGES:  # the module's copy of the glossary (GLOSSARY.md#<term>): the site's glossary page
            targets[(manifests.release_path(aid, lang, root) / glossary.FILE).relative_to(root).as_posix()] = "glossary.md"
        plan.append((aid, folder, fallback, files))
    for aid, folder, fallback, files in plan:
        (src / aid).mkdir(parents=True)
        for entry, path in files:
            name = f"{aid}/{path.stem}"
            if entry.graded or not execute_teaching:
                nb = nbs.read(path)
            else:
                if path not in executed:  # an English notebook shown on a Japanese page runs once
                    progress(f"running {language}: {path.relative_to(root)}")
                    run_dir = work / f"run-{language}" / aid
                    shutil.rmtree(run_dir, ignore_errors=True)
                    shutil.copytree(folder, run_dir)  # the run may write files: never into release/
                    executed[path] = run_dir / f".executed-{path.name}"
                    execute.run_notebook(run_dir / path.name, executed[path], timeout=timeout, cwd=run_dir)
                nb = nbs.read(executed[path])
            nb = _prepare_notebook(nb, language, fallback, path.parent, aid, targets, root)
            nbs.write(nb, src / f"{name}.ipynb")
            pages.append(_Page(name, "lab" if entry.graded else "teaching", aid, _title(nb, path.stem)))
    for name, page in guides:
        path, native = doc_source(root, name, language)
        if not path.is_file():  # a course without this guide
            continue
        text = glossary_page(language, root) if name == "GLOSSARY" else path.read_text(encoding="utf-8")
        text = rewrite_links(text, path.parent, "", targets, root)
        if not native and TEXT[language]["fallback_doc"]:
            first, _, rest = text.partition("\n")
            text = f"{first}\n\n{TEXT[language]['fallback_doc']}\n{rest}"
        (src / f"{page}.md").write_text(text, encoding="utf-8")
        pages.append(_Page(page, "doc", None, page))
    (src / "index.md").write_text(_index(language, pages), encoding="utf-8")
    pages.insert(0, _Page("index", "doc", None, TEXT[language]["title"]))
    return pages


def glossary_page(language: str, root: Path) -> str:
    """The site's glossary page: the modules' copy in ``language``, each term's anchor made a MyST target, so that
    ``glossary.md#median`` resolves in Sphinx as ``GLOSSARY.md#median`` does in JupyterLab."""
    return glossary.ANCHOR.sub(lambda m: f"({m.group(1)})=\n", glossary.render(language, root))


def _index(language: str, pages: list[_Page]) -> str:
    t = TEXT[language]
    lines = [f"# {t['title']}", "", t["intro"], "", f"## {t['modules']}", ""]
    toc = []
    for page in pages:
        if page.module is None:
            continue
        kind = t["teaching"] if page.kind == "teaching" else t["lab"]
        lines.append(f"- [{page.title}]({page.name}.ipynb) — {kind}")  # the title names the module
        toc.append(page.name)
    lines += ["", f"## {t['guides']}", ""]
    guides = [p for p in pages if p.module is None]
    lines += [f"- []({page.name}.md)" for page in guides]  # an empty label: MyST shows the page's title
    lines += ["", "```{toctree}", ":hidden:", f":caption: {t['modules']}", "", *toc, "```", "",
              "```{toctree}", ":hidden:", f":caption: {t['guides']}", "", *[p.name for p in guides], "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- building


def _sphinx(src: Path, out: Path, doctrees: Path, site: dict) -> None:
    (src / "_site.json").write_text(json.dumps(site, ensure_ascii=False, indent=1), encoding="utf-8")
    use_this_environment()
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-d", str(doctrees), str(src), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
        if "No module named sphinx" in done.stderr:
            raise CourseError("Sphinx is not installed: pip install -e '.[site]' (make site does).")
        raise CourseError(f"the {site['language']} website did not build: {(lines or ['no message'])[-1][:300]} "
                          f"(the staged pages are in {src}).")


def _clear_out(out: Path, root: Path) -> None:
    if out.resolve() in (root.resolve(), *root.resolve().parents) or (root / "release").resolve() in (out.resolve(), *out.resolve().parents):
        raise CourseError(f"{out} would overwrite the course: give a new folder, e.g. {root / DEFAULT_OUT}.")
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file()):
            raise CourseError(f"{out} is not empty and not an earlier website: give an empty or new folder.")
        shutil.rmtree(out)
    out.mkdir(parents=True)


def build(root: Path | str | None = None, modules: list[str] | None = None, out: Path | str | None = None,
          languages: list[str] | None = None, *, execute_teaching: bool = True, timeout: int = DEFAULT_TIMEOUT,
          progress=lambda message: None) -> Site:
    """Build the course website: each language's pages from ``release/``, then check it holds no secret.

    Args:
        root: the course repository.
        modules: assignment ids to include (default: every released module).
        out: the output folder (default ``.work/site/html``); replaced if an earlier build wrote it.
        languages: ``en``, ``ja`` (default: every language with a release of these modules).
        execute_teaching: run the teaching notebooks so that their figures show (False: as released).
        timeout: seconds any one cell of a teaching notebook may take.
        progress: called with a line saying what runs now.

    Returns:
        The :class:`Site` written.

    Raises:
        CourseError: an unknown module or language, a teaching notebook that fails to run, a
            Sphinx error, or solution or hidden-test text found in the site (nothing is kept then).
    """
    started = time.perf_counter()
    root = find_root(root)
    modules = _modules(root, modules)
    chosen, skipped = _languages(root, modules, languages)
    out = Path(out) if out else root / DEFAULT_OUT
    out = out if out.is_absolute() else Path.cwd() / out
    _clear_out(out, root)
    # one build folder per output folder: two builds at once (tests in parallel) never share one
    work = root / WORK / hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:12]
    work.mkdir(parents=True, exist_ok=True)
    executed: dict[Path, Path] = {}
    staged = {lang: _stage_language(root, lang, modules, work, execute_teaching, timeout, progress, executed) for lang in chosen}
    count = 0
    for lang in chosen:
        other = next((o for o in chosen if o != lang), None)
        site = {"language": lang, "title": TEXT[lang]["title"]}
        if other:
            site.update(other_language=other, other_label=TEXT[other]["label"],
                        other_root=f"{other}/" if lang == "en" else "../",
                        other_pages=[p.name for p in staged[other]] + ["genindex", "search"])
        progress(f"building the {lang} pages")
        target = out if lang == "en" else out / lang
        _sphinx(work / f"src-{lang}", target, work / f"doctrees-{lang}", site)
        shutil.rmtree(target / ".doctrees", ignore_errors=True)
        (target / ".buildinfo").unlink(missing_ok=True)
        count += len(staged[lang])
    (out / MARKER).write_text("Written by `course site` from release/ and docs/. Every file here is public.\n")
    problems = find_secrets(out, root)
    if problems:
        shutil.rmtree(out)
        raise CourseError(f"the website would show {problems[0]} (and {len(problems) - 1} more): nothing was kept. "
                          f"Run `course release --check` and move answers to source/.")
    shutil.rmtree(work, ignore_errors=True)  # kept only when a build fails: the staged pages say what went wrong
    files = [p for p in out.rglob("*") if p.is_file()]
    return Site(out, tuple(chosen), tuple(modules), count, len(files), sum(p.stat().st_size for p in files),
                time.perf_counter() - started, skipped)


# ---------------------------------------------------------------- the check


def _lines(path: Path) -> list[tuple[str, str]]:
    """What a reader of ``path`` sees, as (where, text) pairs: the file's lines, an HTML line's text without
    tags, a notebook's cells and outputs line by line ("cell N")."""
    raw = path.read_bytes()
    if b"\0" in raw[:4096]:
        return []
    text = raw.decode("utf-8", errors="replace")
    lines = [(str(n), line) for n, line in enumerate(text.splitlines(), 1)]
    if path.suffix in (".html", ".htm"):
        # Pygments splits highlighted code into spans: the text without tags is what the reader sees
        return [(n, html.unescape(re.sub(r"<[^>]*>", "", line))) for n, line in lines]
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
        except ValueError:
            return lines
        cells = []
        for i, cell in enumerate(nb.get("cells", []), 1):
            values = [cell.get("source", "")]
            values += [v for o in cell.get("outputs", []) for v in [o.get("text", ""), *o.get("data", {}).values()]]
            cells += [(f"cell {i}", line) for value in values for line in _joined(value).splitlines()]
        return cells + lines  # the cells first: "cell 3" says more than a line of JSON
    return lines


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def find_secrets(folder: Path | str, root: Path | str | None = None, secrets: set[str] | None = None) -> list[str]:
    """Every place in a built site that shows a solution or hidden-test line, or one of nbgrader's markers.

    Args:
        folder: the built site.
        root: the course repository whose ``source/`` holds the solutions and hidden tests.
        secrets: the lines to look for (default: :func:`course.authoring.bundle.secret_lines` of ``root``).

    Returns:
        ``path:line: what`` for each file that shows one (the first found in that file), paths relative to ``folder``.
    """
    folder = Path(folder)
    if secrets is None:
        secrets = bundle.secret_lines(root)
    # a line of punctuation alone (a Markdown table's "| --- | --- |" in a written answer) is in every table
    secrets = {line for line in secrets if _WORD.search(line)}
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        for number, line in _lines(path):
            stripped = line.strip()
            marker = next((m for m in nbs.MARKERS if m in stripped), None)
            if marker:
                problems.append(f"{rel}:{number}: nbgrader marker {marker!r}")
                break
            if stripped in secrets:
                problems.append(f"{rel}:{number}: a line of a solution or hidden test from source/: {stripped[:60]!r}")
                break
    return problems

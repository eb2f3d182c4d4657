"""The steps nbgrader runs for us: SandboxedExecute in place of its Execute step, the late-penalty plugin, and the list.

nbgrader's ``autograde`` is an ordered list of preprocessors. The course changes exactly one
entry, its ``Execute`` step, for :class:`SandboxedExecute`; the list itself is read from the
installed nbgrader (or the instructor's own configuration), never copied, so it follows
nbgrader's upgrades. Restoring test cells, saving grades and late penalties stay nbgrader's.

Nothing passes between steps or batches through class attributes: everything a step needs
is a configurable trait set by the workspace (the engine, the limits), and what it reports travels in the graded notebook's metadata.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

import jinja2
import nbformat
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.base import NbGraderPreprocessor
from traitlets import Any, Bool, Float, Integer, Unicode

from course import notebooks as nbs
from course import seeds
from course.errors import GradingError
from course.grading import language
from course.grading.autograde import _short, grade_notebook
from course.limits import Limits

#: The graded notebook's metadata key for the notes on how its runs ended (read by course.grading.grade).
NOTES_KEY = "course_grading_notes"


def autograde_preprocessors(configured: list | None = None) -> list:
    """nbgrader's autograde list (the configured one, else nbgrader's default) with its Execute step swapped for ours.

    Raises:
        GradingError: the list has no Execute step, so there is nothing to sandbox.
    """
    from nbgrader.converters import Autograde

    steps = list(configured) if configured else list(Autograde.class_traits()["autograde_preprocessors"].default())

    def is_execute(step) -> bool:
        name = step if isinstance(step, str) else f"{step.__module__}.{step.__qualname__}"
        return step is Execute or name in ("nbgrader.preprocessors.Execute", "nbgrader.preprocessors.execute.Execute")

    if not any(is_execute(step) for step in steps):
        raise GradingError("Autograde.autograde_preprocessors has no Execute step to sandbox: "
                           "restore nbgrader's Execute in nbgrader_config.py, or grade with --unsandboxed.")
    return [SandboxedExecute if is_execute(step) else step for step in steps]


def _seed_cell(seed: int) -> nbformat.NotebookNode:
    cell = new_code_cell(f"# Parameters set by the grader: this student's own seed\nSEED = {seed}\n")
    cell.metadata["tags"] = ["injected-parameters"]
    return cell


class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader preprocessor: execute a submission in two sandboxed runs (``course.grading.autograde``)."""

    engine = Any(None, help="The engine that runs notebooks (course.grading.engine); set by the workspace.").tag(config=True)
    per_student_seed = Bool(False, help="Set SEED to the student's own seed (course.seeds) in both runs.").tag(config=True)
    source_root = Unicode("", help="Folder holding source/<assignment>/<notebook>.ipynb (the instructor's copy).").tag(config=True)
    wall_seconds = Integer(Limits.wall_seconds, help="Seconds for a whole notebook run.").tag(config=True)
    cell_seconds = Integer(Limits.cell_seconds, help="Seconds for any one cell (the manifest's timeout).").tag(config=True)
    cpu_seconds = Integer(Limits.cpu_seconds, help="CPU seconds for each process.").tag(config=True)
    memory_mb = Integer(Limits.memory_mb, help="Address space (MB) of each process.").tag(config=True)
    processes = Integer(Limits.processes, help="Processes and threads in the sandbox.").tag(config=True)
    output_mb = Integer(Limits.output_mb, help="MB of files written and of notebook output.").tag(config=True)

    def limits(self) -> Limits:
        return Limits(**{name: getattr(self, name) for name in Limits.fields()})

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        if self.engine is None:
            raise GradingError("SandboxedExecute has no engine: grade through course.grading.workspace.Workspace.")
        source = Path(self.source_root) / info["assignment"] / f"{info['notebook']}.ipynb"
        source_nb = nbformat.read(str(source), as_version=4)
        nb, source_nb = language.in_submission_language(nb, source_nb, info["assignment"], info["notebook"], self.source_root)
        params = next((c for c in nb.cells if "injected-parameters" in nbs.tags(c)), None)
        if self.per_student_seed:
            params = _seed_cell(seeds.student_seed(info["assignment"], info["student"]))
            nb.cells = [c for c in nb.cells if "injected-parameters" not in nbs.tags(c)]
            at = next((i + 1 for i, c in enumerate(nb.cells) if nbs.is_parameters_cell(c)), 0)
            nb.cells.insert(at, params)
        here = resources.get("metadata", {}).get("path") or None  # nbgrader's autograded folder for this student
        nb, notes = grade_notebook(nb, source_nb, self.limits(), self.engine, params,
                                   student_files=Path(here) if here else None, test_files=source.parent)
        nb.metadata[NOTES_KEY] = notes
        return nb, resources


class StripHiddenTests(NbGraderPreprocessor):
    """nbgrader preprocessor for feedback: every hidden-test block is removed from the notebook shown to the student.

    An error such a cell raised is cut to its last line too: a traceback quotes the failing test's lines
    (plain nbgrader's autograde, e.g. from the formgrader, keeps whole tracebacks).
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and nbs.blocks(cell.source):
            cell.source = nbs.strip_hidden(cell.source)
            cell.outputs = [_short(o) for o in cell.get("outputs", [])]
        return cell, resources


PENDING_TAG = "course-pending-hand-grading"


class PendingHandGrading(NbGraderPreprocessor):
    """nbgrader preprocessor for feedback: a short note at the top while questions await grading by hand.

    nbgrader shows a question graded by hand as 0 until the grader gives it a grade; the note says
    "7 points still to be graded by hand" and the score so far out of the points graded so far, so
    that no student reads a pending 0 as final. Nothing is added once every grade is in.
    """

    def preprocess(self, nb, resources):
        from nbformat.v4 import new_markdown_cell
        from nbgrader.api import Gradebook, MissingEntry

        from course.grading.lms import is_pending

        info = resources["nbgrader"]
        nb.cells = [c for c in nb.cells if PENDING_TAG not in nbs.tags(c)]
        with Gradebook(info["db_url"]) as gb:  # as nbgrader's GetGrades opens it
            try:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            except MissingEntry:
                return nb, resources
            waiting = [g for g in notebook.grades if is_pending(g)]
            if not waiting:
                return nb, resources
            pending = sum(float(g.max_score or 0) for g in waiting)
            whole = float(notebook.max_score or 0)
            score = max(0.0, float(notebook.score or 0) - float(notebook.late_submission_penalty or 0))
            names = ", ".join(sorted(g.name for g in waiting))  # read while the session is open
        text = (f"**{pending:g} point{'' if pending == 1 else 's'} still to be graded by hand** ({names}). "
                f"Your score so far: {score:g} of the {whole - pending:g} points graded so far "
                f"({score:g}/{whole:g} of the whole, which is not final). Those answers show 0 below until "
                "they are graded; this feedback is updated then.")
        cell = new_markdown_cell(text)
        cell.metadata["tags"] = [PENDING_TAG]
        nb.cells.insert(0, cell)
        return nb, resources


def notes_of(graded_notebook: Path) -> list[str]:
    """The notes SandboxedExecute left in a graded notebook (empty if none, or if it cannot be read)."""
    try:
        notes = json.loads(Path(graded_notebook).read_text(encoding="utf-8")).get("metadata", {}).get(NOTES_KEY, [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(n) for n in notes] if isinstance(notes, list) else []


class ManifestLatePenalty(LateSubmissionPlugin):
    """Take ``per_day`` percent of the earned score off for each started day late; zero after ``max_days``.

    Set from the manifest's ``late_policy: {per_day: 10, max_days: 5}``; with no policy, late
    work is graded in full and its lateness is reported.
    """

    per_day = Float(0.0, help="Percent of the earned score taken off per started day late.").tag(config=True)
    max_days = Integer(0, help="Days late after which the score is zero (0: no limit).").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if total_seconds_late <= 0 or (self.per_day <= 0 and self.max_days <= 0):
            return None
        days = math.ceil(total_seconds_late / 86400)
        if self.max_days and days > self.max_days:
            return score
        return round(min(score, score * self.per_day / 100 * days), 4)


def late_penalty(per_day: float, max_days: int, score: float, seconds_late: float) -> float:
    """The same rule as a plain function (for reports and tests)."""
    plugin = ManifestLatePenalty(per_day=per_day, max_days=max_days)
    return plugin.late_submission_penalty("", score, seconds_late) or 0.0


class _TemplateBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory, shared by every environment of this process."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = _TemplateBytecode()


#: SHA-256 (first 16 hex digits) of the source of nbconvert's ``HTMLExporter.from_notebook_node`` that
#: ``FeedbackExporter.from_notebook_node`` follows step by step (nbconvert 7.17); any other falls back to nbconvert's own.
_NBCONVERT_HTML_STEPS = "3dccafff45cc4e74"


@functools.lru_cache(maxsize=None)
def _follows_nbconvert() -> bool:
    import hashlib
    import inspect

    try:
        source = inspect.getsource(HTMLExporter.from_notebook_node)
    except (OSError, TypeError):
        return False
    return hashlib.sha256(source.encode()).hexdigest()[:16] == _NBCONVERT_HTML_STEPS


#: What nbconvert's ``HTMLExporter`` gives an image that has no alternative text.
_NO_ALT = "No description has been provided for this image"


def _mark_for_screen_readers(soup) -> int | None:
    """What nbconvert's three ``soup.select`` calls do to a page, by one walk over its tags; the images given an alt.

    nbconvert sets ``alt`` on every ``img:not([alt])`` and ``tabindex="0"`` on every
    ``.jp-Notebook div.jp-Cell-inputWrapper`` and ``.jp-Notebook div.jp-OutputArea-output``; its CSS
    selector engine (soupsieve) spends a tenth of a second per feedback page finding them. The same
    elements, in the same order, get the same attributes here. Returns None, having changed nothing,
    for a page where the two could differ (a ``<template>``, whose contents soupsieve treats apart,
    or a class attribute not parsed into a list): the caller then uses nbconvert's own selectors.
    """
    tags = soup.find_all(True)
    wrappers = []
    for tag in tags:
        if tag.name == "template":
            return None
        if tag.name == "div":
            classes = tag.attrs.get("class", [])
            if not isinstance(classes, list):
                return None
            if "jp-Cell-inputWrapper" in classes or "jp-OutputArea-output" in classes:
                wrappers.append(tag)
    missing = [tag for tag in tags if tag.name == "img" and "alt" not in tag.attrs]
    for parent in {id(p): p for w in wrappers for p in w.parents}.values():
        if not isinstance(parent.attrs.get("class", []), list):
            return None
    for tag in missing:
        tag.attrs["alt"] = _NO_ALT
    for tag in wrappers:
        if any("jp-Notebook" in p.attrs.get("class", ()) for p in tag.parents if p is not soup):
            tag.attrs["tabindex"] = "0"
    return len(missing)


@functools.lru_cache(maxsize=2048)
def _clean_html_of(text: str) -> str:
    from nbconvert.filters.strings import clean_html

    return clean_html(text)


def cached_clean_html(element) -> str:
    """nbconvert's ``clean_html`` filter (bleach), its result kept for the same input.

    nbconvert's templates pass every code cell's highlighted source through it, and sanitizing is
    a third of a feedback page's cost; most cells (the instructions, the given code, the tests)
    are the same in every student's page. ``bleach.clean`` with fixed settings is a function of
    its input alone, so a kept result is the one it would make again.
    """
    return _clean_html_of(element.decode() if isinstance(element, bytes) else str(element))


_HIGHLIGHTED: dict[tuple, str] = {}
_HIGHLIGHTED_MAX = 2048


class _CachedHighlight:
    """nbconvert's ``Highlight2HTML`` filter, its result kept for the same source, language and formatter options.

    Pygments' output depends on nothing else (the cell's metadata only through ``magics_language``).
    """

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, source, language=None, metadata=None):
        magics = metadata["magics_language"] if metadata and "magics_language" in metadata else None
        key = (source, language or self.inner.pygments_lexer, magics,
               json.dumps(self.inner.extra_formatter_options, sort_keys=True, default=repr))
        if key not in _HIGHLIGHTED:
            if len(_HIGHLIGHTED) >= _HIGHLIGHTED_MAX:
                _HIGHLIGHTED.pop(next(iter(_HIGHLIGHTED)))  # the oldest
            _HIGHLIGHTED[key] = self.inner(source, language, metadata)
        return _HIGHLIGHTED[key]


#: Tags the parser keeps apart (their text is not markup) or that the page's marking for screen readers looks at:
#: a block of highlighted source holding any of them is parsed with its page (:func:`_parsed_alone`).
_NOT_ALONE = frozenset({"img", "template", "script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                        "noframes", "noscript", "plaintext"})


@functools.lru_cache(maxsize=2048)
def _parsed_alone(html: str) -> str | None:
    """``html`` as BeautifulSoup's html.parser writes it back, if it reads the same alone as inside a page's ``<div>``.

    That holds for a fragment whose end tags each close the last tag left open, that leaves none
    open, and that holds no tag :data:`_NOT_ALONE` nor a ``div`` the page's marking looks for:
    the parser then builds the same subtree for it wherever it stands in content, and writes it
    back the same (its formatter escapes text alike in every ``div``). Else None.
    """
    from html.parser import HTMLParser

    from bs4 import BeautifulSoup
    from bs4.builder import HTMLTreeBuilder

    void = HTMLTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS
    marked = ("jp-Cell-inputWrapper", "jp-OutputArea-output")

    class Balance(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.open: list[str] = []
            self.ok = True

        @staticmethod
        def _apart(tag, attrs) -> bool:
            classes = " ".join(v or "" for k, v in attrs if k == "class").split()
            return tag in _NOT_ALONE or (tag == "div" and any(c in classes for c in marked))

        def handle_starttag(self, tag, attrs):
            if self._apart(tag, attrs):
                self.ok = False
            elif tag not in void:
                self.open.append(tag)

        def handle_startendtag(self, tag, attrs):  # <x/>: opens and closes itself
            if self._apart(tag, attrs):
                self.ok = False

        def handle_endtag(self, tag):
            if tag in void:
                self.ok = False  # html.parser's builder treats a stray </br> apart
            elif self.open and self.open[-1] == tag:
                self.open.pop()
            else:
                self.ok = False

        def unknown_decl(self, data):
            self.ok = False

        def handle_pi(self, data):
            self.ok = False

        def handle_decl(self, decl):
            self.ok = False

    check = Balance()
    check.feed(html)
    check.close()
    if not check.ok or check.open or check.rawdata:
        return None
    return str(BeautifulSoup(html, features="html.parser"))


class _SetAside:
    """nbconvert's ``highlight_code`` filter for one page, each block it makes set aside behind a token.

    A feedback page is mostly highlighted source, two thirds of its tags, and the same in every
    student's page; BeautifulSoup parsed and wrote it all again for each. Here each block stands
    in the page as a token (a random nonce: no output can forge it) while the page is parsed, and
    goes back in parsed alone, as it was parsed before (:func:`_parsed_alone`, kept per block).
    """

    def __init__(self, highlight, escape):
        import secrets

        self.highlight, self.blocks = highlight, []
        self.escape, self.data = escape, []
        self.nonce, self.data_nonce = secrets.token_hex(12), secrets.token_hex(12)

    def _token(self, i: int) -> str:
        return f"\ue000{self.nonce}-{i}\ue001"

    def _data_token(self, i: int) -> str:
        return f"course{self.data_nonce}data{i}"

    def __call__(self, source, language=None, metadata=None):
        self.blocks.append(self.highlight(source, language, metadata))
        return self._token(len(self.blocks) - 1)

    def escape_html(self, value) -> str:
        """nbconvert's ``escape_html`` filter; a long run of base64 (an image's bytes) stands in as a token.

        ``html.escape`` leaves such text as it is, and so do BeautifulSoup's parser and writer, in
        an attribute or in text: it goes back into the written page unchanged.
        """
        text = str(value)
        if len(text) >= _DATA_MIN and _BASE64.fullmatch(text):
            self.data.append(text)
            return self._data_token(len(self.data) - 1)
        return self.escape(value)

    def put_back(self, soup) -> str | None:
        """``str(soup)`` with every block back in place, as the parse of the whole page would write it; else None.

        None (the caller then parses the page whole) unless every token stands once, in order, in
        a ``div``'s text outside any ``<pre>``, and every block reads the same alone. The parser
        writes a run of whitespace alone between two tags as one newline or space: the whitespace
        at a block's ends joins the text beside its token, as it would in the whole page.
        """
        from bs4 import NavigableString

        texts = soup.find_all(string=lambda text: self.nonce in text) if self.blocks else []
        if len(texts) != len(self.blocks):
            return None
        parsed = []
        for i, (text, block) in enumerate(zip(texts, self.blocks)):
            token, cleaned = self._token(i), cached_clean_html(block)
            core = cleaned.strip(_ASCII_SPACES)
            alone = _parsed_alone(core) if core.startswith("<") and core.endswith(">") else None
            value = str(text)
            if alone is None or type(text) is not NavigableString or text.parent is None or text.parent.name != "div" \
                    or value.count(self.nonce) != 1 or token not in value \
                    or any(p.name in ("pre", "textarea") for p in text.parents):
                return None
            before, after = value.split(token)
            start = len(cleaned) - len(cleaned.lstrip(_ASCII_SPACES))
            lead, trail = cleaned[:start], cleaned[start + len(core):]
            text.replace_with(NavigableString(_as_parsed(before + lead) + token + _as_parsed(trail + after)))
            parsed.append(alone)
        page = str(soup)
        for i, block in enumerate(parsed):
            token = self._token(i)
            if page.count(token) != 1:
                return None
            page = page.replace(token, block, 1)
        for i, data in enumerate(self.data):
            token = self._data_token(i)
            if page.count(token) != 1:
                return None
            page = page.replace(token, data, 1)
        return page


#: What BeautifulSoup counts as whitespace in a run of text between two tags.
_ASCII_SPACES = " \n\t\f\r"
#: Base64 text (with line breaks), and how long it must be to be set aside while a feedback page is parsed.
_BASE64 = re.compile(r"[A-Za-z0-9+/=\n]+")
_DATA_MIN = 2048


def _as_parsed(text: str) -> str:
    """A run of text between two tags as BeautifulSoup keeps it outside ``<pre>``: whitespace alone becomes one newline or space."""
    if text and all(ch in _ASCII_SPACES for ch in text):
        return "\n" if "\n" in text else " "
    return text


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter for feedback pages, with its templates compiled once per process.

    nbconvert makes a new Jinja environment for every exporter, and nbgrader a new exporter for
    every feedback run: a worker that writes one student's feedback at a time compiled the same
    templates again for each (0.15-0.2 s). Jinja's own bytecode cache, shared by those
    environments, keys each template by name and checks its source's checksum, so a changed
    template is compiled again; the HTML is the same. Configured as ``GenerateFeedback.exporter_class``
    (``Workspace``); settings for ``HTMLExporter`` apply to it as to its parent.

    Its ``clean_html`` and ``highlight_code`` filters keep what they made for the same input
    (:func:`cached_clean_html`, ``_CachedHighlight``): most cells are the same in every student's page. Its
    :meth:`from_notebook_node` is nbconvert's, step by step, but finds the elements that get
    ``alt`` and ``tabindex`` by one walk over the page (``_mark_for_screen_readers``) instead of
    three CSS selector searches; the page is the same, byte for byte (``tests/unit/test_compiled_templates.py``).
    With another version of nbconvert's method than the one followed here, nbconvert's own runs.
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = TEMPLATE_BYTECODE
        return environment

    def default_filters(self):
        from nbconvert.filters.strings import clean_html

        for name, value in super().default_filters():
            yield name, cached_clean_html if (name == "clean_html" and value is clean_html) else value

    def from_notebook_node(self, nb, resources=None, **kw):
        if not _follows_nbconvert():
            return super().from_notebook_node(nb, resources, **kw)
        from bs4 import BeautifulSoup
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        # nbconvert 7.17's HTMLExporter.from_notebook_node, but for the three soup.select calls
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        if type(highlight_code) is Highlight2HTML:  # nbconvert's own, not one configured
            highlight_code = _CachedHighlight(highlight_code)
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("filter_data_type", filter_data_type)
        page = None
        escape = self.environment.filters["escape_html"]
        for aside in (_SetAside(highlight_code, escape), None):  # highlighted blocks and images set aside; else parsed whole
            self.register_filter("highlight_code", aside or highlight_code)
            self.register_filter("escape_html", aside.escape_html if aside is not None else escape)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            soup = BeautifulSoup(html, features="html.parser")
            missing_alt = _mark_for_screen_readers(soup)
            if missing_alt is None:  # nbconvert's own selectors
                missing_alt = 0
                for elem in soup.select("img:not([alt])"):
                    elem.attrs["alt"] = _NO_ALT
                    missing_alt += 1
                for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
                    elem.attrs["tabindex"] = "0"
                for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
                    elem.attrs["tabindex"] = "0"
            page = aside.put_back(soup) if aside is not None else str(soup)
            if page is not None:
                break
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("escape_html", escape)
        if missing_alt:
            self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
        return page, resources

"""nbconvert's templates are compiled once per process (Jinja's bytecode cache), and the HTML is the same."""

from __future__ import annotations

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.grading import steps


def _notebook():
    nb = new_notebook(cells=[new_markdown_cell("# Feedback\n\n**Question 1** (2 points)"),
                               new_code_cell("total = 55\ntotal", outputs=[new_output("execute_result", {"text/plain": "55"},
                                                                                        execution_count=1)])])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # fixed ids: the two pages are compared
    return nb


def test_a_second_exporter_compiles_nothing_and_writes_the_same_html(monkeypatch):
    before, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(_notebook()))
    steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(_notebook()))  # fills the cache
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    after, _ = steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(_notebook()))
    assert [name for name in compiled if name] == []  # every file template came from the cache
    assert steps.TEMPLATE_BYTECODE.store  # the cache holds them
    HTMLExporter().from_notebook_node(nbformat.from_dict(_notebook()))
    assert [name for name in compiled if name]  # nbconvert's own exporter still compiles: the count above can fail
    assert after == before


def test_the_grading_workspace_writes_feedback_with_it(tmp_path):
    from course.grading.workspace import Workspace

    ws = Workspace(tmp_path / "course", sandboxed=False)
    assert ws.config.GenerateFeedback.exporter_class is steps.FeedbackExporter


def _tricky_notebook(template: bool = False):
    """Images with and without alt text, and outputs whose HTML nests nbconvert's own classes (a student can print any)."""
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    html = ('<div class="jp-Notebook extra"><div class="x jp-Cell-inputWrapper">in</div>'
            '<DIV CLASS="jp-OutputArea-output">out</DIV><img src="a.png"><IMG SRC="b.png" ALT="b"></div>'
            '<div class="jp-Cell-inputWrapper">outside any notebook</div><p>unclosed <b>bold</div>')
    if template:
        html += '<div class="jp-Notebook"><template><div class="jp-Cell-inputWrapper">t</div></template></div>'
    nb = new_notebook(cells=[
        new_markdown_cell("# Feedback\n\n![a chart](chart.png) and <img src='x.png'> and <img src='y.png' alt='y'>"),
        new_code_cell("import pandas as pd\npd.DataFrame({'a': [1, 2]})",
                      outputs=[new_output("execute_result", {"text/html": "<table><tr><td>1</td></tr></table>",
                                                             "text/plain": "a"}, execution_count=1)]),
        new_code_cell("display(HTML(...))", outputs=[new_output("display_data", {"text/html": html, "text/plain": "x"}),
                                                     new_output("display_data", {"image/png": png, "text/plain": "fig"})]),
        new_code_cell("1 / 0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                   traceback=["ZeroDivisionError: division by zero"])]),
    ])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


def test_the_feedback_page_is_nbconverts_byte_for_byte_without_its_css_selector_searches(monkeypatch):
    """FeedbackExporter marks images and cells for screen readers by one walk, and keeps its filters' results for the
    same cells: the page is HTMLExporter's, byte for byte, the first time and the next."""
    import soupsieve

    for template in (False, True):
        want, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(_tricky_notebook(template)))
        searched = []
        real = soupsieve.select
        monkeypatch.setattr(soupsieve, "select", lambda *a, **k: searched.append(a[0]) or real(*a, **k))
        got, _ = steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(_tricky_notebook(template)))
        again, _ = steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(_tricky_notebook(template)))
        monkeypatch.setattr(soupsieve, "select", real)
        assert got == want and again == want  # the second from the filters' kept results
        assert 'alt="No description has been provided for this image"' in got and 'tabindex="0"' in got
        # a <template> is the one case left to nbconvert's own selectors
        assert bool(searched) == template


_PIECES = ["x = 1", "</div>", "<pre>", "</pre>", "<b>", "&amp;", "&quot;", "'", '"', "\r\n", "\n", "\n\n", "   ", "\t",
           "\x0c", "# コメント", "print('<img src=x>')", "<!-- c -->", "<![CDATA[", "<?pi?>", "\ue000", "\ue001",
           "%%html\n", "!ls", "def f():\n    return 2", "<script>alert(1)</script>", "&#x27;", "<textarea>", "é", ""]


def _fuzzed_notebook(seed: int):
    import random

    rng = random.Random(seed)
    cells = []
    for i in range(12):
        source = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8)))
        kind = rng.random()
        if kind < 0.2:
            cells.append(new_markdown_cell(source))
        else:
            outputs = []
            if kind > 0.6:
                outputs.append(new_output("display_data", {"text/html": "".join(rng.choice(_PIECES) for _ in range(5)),
                                                           "text/plain": "x"}))
            if kind > 0.8:
                outputs.append(new_output("stream", name="stdout", text=source))
            if kind > 0.5:  # an image, long enough to be set aside (base64 with line breaks, as some writers make)
                import base64

                data = base64.encodebytes(rng.randbytes(rng.randint(1000, 6000))).decode()
                mime = rng.choice(["image/png", "image/jpeg"])
                outputs.append(new_output("display_data", {mime: data, "text/plain": data[:4000]},
                                          metadata={mime: {"width": 10}} if rng.random() < 0.3 else {}))
            cells.append(new_code_cell(source, outputs=outputs))
    nb = new_notebook(cells=cells)
    if seed % 3 == 0:
        nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    return nb


def test_highlighted_source_set_aside_while_the_page_is_parsed_gives_the_same_page(monkeypatch):
    """The page's highlighted blocks stand in as tokens while BeautifulSoup parses it, and go back parsed alone:
    byte for byte nbconvert's page, on the course's own notebooks and on sources made of the pieces that could differ."""
    from pathlib import Path

    used = []
    put_back = steps._SetAside.put_back
    monkeypatch.setattr(steps._SetAside, "put_back", lambda self, soup: used.append(put_back(self, soup)) or used[-1])
    root = Path(__file__).resolve().parents[2]
    notebooks = [nbformat.read(str(p), as_version=4) for p in sorted((root / "source").glob("0[01]*/*-lab.ipynb"))]
    notebooks += [_tricky_notebook(), *[_fuzzed_notebook(seed) for seed in range(40)]]
    for nb in notebooks:
        want, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(nb))
        got, _ = steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(nb))
        assert got == want
    assert all(page is not None for page in used)  # the blocks were set aside every time


def test_a_page_whose_blocks_cannot_be_set_aside_is_parsed_whole(monkeypatch):
    nb = _tricky_notebook()
    want, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(nb))
    monkeypatch.setattr(steps, "_parsed_alone", lambda html: None)
    got, _ = steps.FeedbackExporter().from_notebook_node(nbformat.from_dict(nb))
    assert got == want


def test_a_block_is_parsed_alone_only_when_it_reads_the_same_there():
    assert steps._parsed_alone('<div class="highlight"><pre><span>a &quot;b&quot;</span>\n</pre></div>') == \
        '<div class="highlight"><pre><span>a "b"</span>\n</pre></div>'
    for html in ("<div><span></div>", "<div></span></div>", "<div>", "</div>", '<div><img src="x"></div>',
                 '<div class="jp-OutputArea-output"></div>', '<div><div class="x jp-Cell-inputWrapper"/></div>',
                 "<div><script>x</script></div>", "<div></br></div>"):
        assert steps._parsed_alone(html) is None, html

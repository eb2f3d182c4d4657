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

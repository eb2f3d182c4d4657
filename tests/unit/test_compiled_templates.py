"""nbconvert's templates are compiled once per process (Jinja's bytecode cache), and the HTML is the same."""

from __future__ import annotations

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.grading import workspace


def _notebook():
    nb = new_notebook(cells=[new_markdown_cell("# Feedback\n\n**Question 1** (2 points)"),
                               new_code_cell("total = 55\ntotal", outputs=[new_output("execute_result", {"text/plain": "55"},
                                                                                        execution_count=1)])])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # fixed ids: the two pages are compared
    return nb


def test_a_second_exporter_compiles_nothing_and_writes_the_same_html(monkeypatch):
    before, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(_notebook()))
    workspace._CompiledTemplates.install()
    workspace._CompiledTemplates.install()  # twice: still one cache, one wrapper
    HTMLExporter().from_notebook_node(nbformat.from_dict(_notebook()))  # fills the cache
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    after, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(_notebook()))
    assert [name for name in compiled if name] == []  # every file template came from the cache
    assert workspace._CompiledTemplates._instance.store  # the cache holds them
    assert after == before

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

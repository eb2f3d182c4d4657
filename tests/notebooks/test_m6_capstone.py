"""Module 6 (capstone): every plausible mistake listed in source/06-capstone.yml fails a visible test.

Fast stand-in for `course validate 06-capstone --mistakes` (which grades each mistake in the
sandbox, ~10 s each): here the project notebook's own cells run in one process, the mistake
replaces the answer cell, and the question's visible test cell must raise a one-line
CheckFailed, while the solution passes it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml

from course import notebooks as nbs
from course.assertions import CheckFailed

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "source" / "06-capstone" / "06-capstone-project.ipynb"
ANSWERS = ROOT / "source" / "06-capstone.yml"
QUESTIONS = ("q1", "q2", "q3", "q7")


def _cells() -> dict[str, str]:
    """grade_id -> source for the answer and test cells; '' -> the set-up code before Question 1."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    out, setup = {}, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = nbs.grade_id(cell)
        if gid:
            out[gid] = cell.source
        elif not out:
            setup.append(cell.source)
    out[""] = "\n".join(setup).replace("plots.set_theme()", "")
    return out


def _mistakes() -> list[tuple[str, str, str]]:
    data = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))["questions"]
    rows = []
    for qid in QUESTIONS:
        wrong = data[qid]["wrong"]
        for item in wrong if isinstance(wrong, list) else [{"answer": wrong, "name": "the first mistake"}]:
            if not item.get("hidden_only"):
                rows.append((qid, item["name"], item["answer"]))
    return rows


@pytest.fixture(scope="module")
def solved():
    """The namespace after every answer cell of the solution has run, question by question."""
    import matplotlib

    matplotlib.use("Agg")
    cells = _cells()
    spaces: dict[str, dict] = {}
    ns: dict = {}
    exec(cells[""], ns)  # noqa: S102  (the course's own notebook)
    for qid in QUESTIONS:
        spaces[qid] = dict(ns)  # the state a student's answer to qid starts from
        exec(cells[f"{qid}-answer"], ns)  # noqa: S102
        ns["DATA"], ns["KEY_NUMBERS"] = ns["project_data"], dict(ns.get("key_numbers") or {})
    return cells, spaces


@pytest.mark.parametrize("qid", QUESTIONS)
def test_solution_passes_visible_test(solved, qid):
    cells, spaces = solved
    ns = dict(spaces[qid])
    exec(cells[f"{qid}-answer"], ns)  # noqa: S102
    ns.setdefault("DATA", ns["project_data"])
    if qid == "q7":
        ns["KEY_NUMBERS"] = dict(ns["key_numbers"])
    exec(cells[f"{qid}-tests"], ns)  # noqa: S102


def test_every_question_lists_three_mistakes():
    data = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))["questions"]
    for qid in QUESTIONS:
        wrong = data[qid]["wrong"]
        assert isinstance(wrong, list) and len(wrong) >= 3, f"{qid} lists fewer than three plausible mistakes"


@pytest.mark.parametrize("qid,name,answer", _mistakes(), ids=[f"{q}-{n}" for q, n, _ in _mistakes()])
def test_mistake_fails_visible_test(solved, qid, name, answer):
    cells, spaces = solved
    ns = dict(spaces[qid])
    exec(answer, ns)  # noqa: S102
    if qid == "q1":
        project_data = ns.get("project_data")
        ns["DATA"] = project_data if hasattr(project_data, "columns") else None
    if qid == "q7":
        ns["KEY_NUMBERS"] = dict(ns["key_numbers"])
    with pytest.raises(CheckFailed) as failed:
        exec(cells[f"{qid}-tests"], ns)  # noqa: S102
    message = str(failed.value)
    assert "\n" not in message.strip() and len(message) < 400, f"{qid} '{name}': the message is not one short line: {message!r}"


@pytest.mark.parametrize("qid,name,words", [
    ("q2", "difference taken the wrong way round (after minus before)", "opposite sign"),
    ("q2", "visits counted over both periods, not only after", "over all rows"),
    ("q2", "mean computed, median declared", "It is the mean of those rows"),
])
def test_mistake_message_names_it(solved, qid, name, words):
    cells, spaces = solved
    answer = next(a for q, n, a in _mistakes() if (q, n) == (qid, name))
    ns = dict(spaces[qid])
    exec(answer, ns)  # noqa: S102
    with pytest.raises(CheckFailed, match=words):
        exec(cells[f"{qid}-tests"], ns)  # noqa: S102

"""Module 5's lab (05-venture-leadership): each plausible mistake its manifest lists fails a visible test.

The fast tests run the source lab's own code cells in this process, with the default parameters
(solutions and every test pass), then replace one answer with a listed mistake and run that question's test cell without its
hidden tests (what a student sees) and with them. They stand in for the sandboxed grader only for
speed: `course validate 05-venture-leadership --mistakes` checks the same mistakes as a student runs
the test cells, and `tests/notebooks/test_modules.py` holds every module to that rule in CI (Question 11's
median, the hidden-test survivor of issue 17, among them).
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course import manifest, notebooks  # noqa: E402
from tests.conftest import REPO  # noqa: E402

AID = "05-venture-leadership"
MANIFEST = manifest.load(AID, REPO)
LAB = REPO / "source" / AID / f"{AID}-lab.ipynb"
AUTO = [q for q in MANIFEST.questions if q.kind == "auto"]


def _cells() -> list[dict]:
    return [c for c in json.loads(LAB.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def _grade_id(cell: dict) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _run_lab(seed: int, frac: float) -> dict:
    """The lab's namespace after running every code cell (solutions and all tests) with these parameters."""
    namespace: dict = {}
    for cell in _cells():
        code = "".join(cell["source"])
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            code = f"SEED = {seed}\nSAMPLE_FRAC = {frac}\n"
        exec(compile(code, _grade_id(cell) or "cell", "exec"), namespace)  # noqa: S102
        plt.close("all")
    return namespace


@pytest.fixture(scope="module")
def lab() -> dict:
    """The default parameters (`course validate` runs the solution under the others)."""
    default = MANIFEST.parameters[0].values
    return _run_lab(default["SEED"], default["SAMPLE_FRAC"])


def _test_cell(qid: str, visible_only: bool) -> str:
    (cell,) = [c for c in _cells() if _grade_id(c) == f"{qid}-tests"]
    code = "".join(cell["source"])
    return notebooks.strip_hidden(code, None) if visible_only else code


MISTAKES = [pytest.param(q.id, n, m, id=f"{q.id}-{n}") for q in AUTO for n, m in enumerate(q.mistakes, 1)]


@pytest.mark.parametrize("qid, n, mistake", MISTAKES)
def test_each_listed_mistake_fails_a_visible_test_unless_marked_hidden_only(lab, qid, n, mistake):
    namespace = dict(lab)
    exec(mistake.answer, namespace)  # noqa: S102
    suite = _test_cell(qid, visible_only=not mistake.hidden_only)
    with pytest.raises(AssertionError) as caught:
        exec(suite, namespace)  # noqa: S102
    if not mistake.hidden_only:
        assert str(caught.value).strip(), f"{qid} mistake {n} ({mistake.name}) fails without a message"


def test_every_question_lists_at_least_three_mistakes_and_few_are_hidden_only():
    assert all(len(q.mistakes) >= 3 for q in AUTO), [q.id for q in AUTO if len(q.mistakes) < 3]
    hidden = [m for q in AUTO for m in q.mistakes if m.hidden_only]
    assert all(sum(bool(m.hidden_only) for m in q.mistakes) <= 1 for q in AUTO)
    assert len(hidden) <= 0.15 * sum(len(q.mistakes) for q in AUTO)


def test_the_discounted_answers_differ_from_the_undiscounted_ones(lab):
    """Issue 17: the graded LTV/CAC and cash curve are discounted at Module 3's 4%."""
    assert lab["DISCOUNT_RATE"] == 0.04
    undiscounted_ratio = (lab["PRICE"] - lab["COST_TO_SERVE"]) / lab["CHURN"] / (lab["PILOT_COST"] / lab["CONVERSION"])
    assert lab["ltv_to_cac"] == pytest.approx(5.191, abs=1e-3) and undiscounted_ratio == pytest.approx(6.4)
    assert lab["cash_curve"].min() == pytest.approx(-28.24e6, abs=0.01e6) and lab["breakeven_year"] == 8
    assert "28 million" in lab["plan"].text() and "4% discount rate" in lab["plan"].text()

"""The capstone's worked answers say what its own figures show: each notebook runs, and its text quotes its printed numbers.

Students copy worked answers, so a sentence that points the other way from the figure above it is a bug.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course import datasets
from course import notebooks as nbs
from course.authoring.execute import run_notebook

pytestmark = pytest.mark.slow  # runs both source notebooks: 42 s of setup measured on a shared 2-core machine

FOLDER = Path(__file__).resolve().parents[2] / "source" / "06-capstone"


def _run(name: str, tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("capstone") / name
    run_notebook(FOLDER / name, out, timeout=120)
    return nbs.read(out)["cells"]


def _printed(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        parts.append("".join(output.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def _text(cells: list[dict]) -> str:
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown").replace("\n> ", " ").replace("\n", " ")


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    return _run("06-capstone-worked-example.ipynb", tmp_path_factory)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return _run("06-capstone-project.ipynb", tmp_path_factory)


def test_the_audit_remedy_aims_at_the_group_the_list_misses(worked):
    printed = "".join(_printed(c) for c in worked)
    shares = re.search(r"flagged: (\d+)% without a card, (\d+)% from card holders; the list misses (.+?) more often", printed)
    assert shares, "the audit cell prints both shares and the group the list misses"
    no_card, holder, missed = shares.groups()
    text = _text(worked)
    assert missed == "card holders" and f"about {no_card}%" in text and f"about {holder}%" in text
    assert "second rule for card holders" in text
    assert "reserve part of the list for applicants without a card" not in text
    assert "share of the list is reserved for applicants without a card" not in text


def test_the_model_leaves_age_out_as_module_2_does(worked):
    model_cell = next("".join(c["source"]) for c in worked if "LogisticRegression(" in "".join(c["source"]))
    features = re.search(r"features = \[(.*?)\]", model_cell, flags=re.DOTALL).group(1)
    assert "age_group" not in features and "age_group" not in model_cell.split("categorical =")[1].split("\n")[0]


def test_each_did_estimate_is_quoted_under_its_own_name_with_a_permutation_p_value(worked):
    printed = "".join(_printed(c) for c in worked)
    twfe = int(re.search(r"Two-way fixed effects estimate: ([+-]\d+) minutes", printed).group(1))
    two_by_two = float(re.search(r"did_minutes\s+(-?\d+\.\d)", printed).group(1))
    p_value = float(re.search(r"permutation p-value (\d\.\d+)", printed).group(1))
    text = _text(worked)
    assert twfe != round(two_by_two), "the two estimates differ, so the text must keep them apart"
    assert f"about −{-twfe} minutes per case (two-way fixed effects" in text
    assert f"the 2×2 of FY2018 and FY2021 gives −{-round(two_by_two)}" in text
    assert p_value == pytest.approx(1 / 12, abs=5e-4) and "p-value is 1/12" in text
    assert "clustered interval above" not in text and "cov_type=\"cluster\"" not in "".join(
        "".join(c["source"]) for c in worked if c["cell_type"] == "code")
    assert "Conley & Taber, 2011" in text


def test_the_template_scales_one_year_of_visits_from_residents_not_from_the_example_city(template):
    key_cell = next(c for c in template if nbs.grade_id(c) == "q2-answer")
    scale_cell = next(c for c in template if nbs.grade_id(c) == "q7-answer")
    visits = float(re.search(r"'visits_fy2024': (\d+\.?\d*)", _printed(key_cell)).group(1))
    estimate = float(_printed(scale_cell))
    assert 1330 <= visits <= 1500, "one fiscal year of visits, not two"
    text = _text(template)
    assert f"{visits:,.0f} visits a year" in text and "2,600" not in text
    residents = round(126_146_099 / 1741, -2)   # the 2020 census over 1,741 municipalities (wards included)
    assert f"about {residents:,.0f} residents" in text and f"about {estimate / 1e6:.2f} million hours" in text
    assert "1719" not in text and "1,719" not in text, "the capstone divides by the 1,741 municipalities the datasheet explains"
    assert text.count(f"{estimate / 1e6:.2f} million hours") >= 2, "the scale answer and the summary quote the same estimate"


def test_the_template_alt_text_names_the_slowest_procedure():
    visits = datasets.load_service_desk_visits()
    medians = visits.groupby(["period", "procedure"])["minutes"].median()
    slowest = {medians[period].idxmax() for period in ("before", "after")}
    assert len(slowest) == 1, "the alt text says one procedure is slowest in both periods"
    source = nbs.read(FOLDER / "06-capstone-project.ipynb")
    answer = "".join(next(c for c in source["cells"] if nbs.grade_id(c) == "q3-answer")["source"])
    assert f"{slowest.pop()} is the slowest procedure in both periods" in answer

"""Module 3's two-way fixed-effects question (q16): its test cell judges the manifest's answers, and the
numbers its note and takeaway quote reproduce from the synthetic town panel.

The cells run in this process (not a kernel) on the real data set: the question needs only pandas,
statsmodels and the panel, so a few seconds suffice where a notebook run takes a minute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from course import checks, datasets, manifest
from course import notebooks as nbs
from tests.conftest import REPO

AID = "03-policy-design"
LAB = REPO / "source" / AID / f"{AID}-lab.ipynb"
FORMULA = "median_minutes ~ one_stop + C(town) + C(quarter)"


@pytest.fixture(scope="module")
def lab():
    return nbs.read(LAB)


@pytest.fixture(scope="module")
def q16():
    return next(q for q in manifest.load(AID, REPO).questions if q.id == "q16")


def _cell(lab, cell_id: str) -> str:
    return next(c.source for c in lab.cells if c.get("id") == cell_id)


def _run(answer: str, test: str) -> None:
    """Run one answer and the test cell after it, as the lab does: `panel` loaded, the usual imports."""
    ns = {"np": np, "pd": pd, "smf": smf, "checks": checks, "datasets": datasets,
          "panel": datasets.load_onestop_town_panel()}
    exec(answer, ns)  # noqa: S102  (the course's own answers)
    exec(test, ns)  # noqa: S102


def _visible(test: str) -> str:
    return test.split("### BEGIN HIDDEN TESTS")[0]


def test_the_solution_and_the_alternative_pass_every_test(lab, q16):
    test = _cell(lab, "q16-tests")
    solution = _cell(lab, "q16-answer").split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    _run(solution, test)
    _run(q16.alternative, test)


def test_each_listed_mistake_fails_a_visible_test_that_names_it(lab, q16):
    visible = _visible(_cell(lab, "q16-tests"))
    # a word of the message that names each mistake, in the manifest's order
    named = ["quarter effects", "treated indicator", "ordinary standard error", "HC1", "clustered by quarter"]
    assert [m.name for m in q16.mistakes][:1] == ["no quarter effects"] and len(q16.mistakes) == len(named)
    for mistake, words in zip(q16.mistakes, named):
        with pytest.raises(AssertionError, match=words):
            _run(mistake.answer, visible)


def test_the_hidden_tests_reject_every_listed_mistake(lab, q16):
    hidden_only = "from course import checks\n" + _cell(lab, "q16-tests").split("### BEGIN HIDDEN TESTS")[1]
    for mistake in q16.mistakes:
        with pytest.raises(AssertionError):
            _run(mistake.answer, hidden_only)


def test_the_numbers_the_lab_quotes_reproduce():
    panel = datasets.load_onestop_town_panel()
    cluster = smf.ols(FORMULA, data=panel).fit(cov_type="cluster", cov_kwds={"groups": panel["town"]})
    ordinary = smf.ols(FORMULA, data=panel).fit()
    after, city = panel["quarter"] >= pd.Timestamp("2019-04-01"), panel["group"] == "one-stop city"
    m = panel.groupby([city, after])["median_minutes"].mean()
    did = (m[(True, True)] - m[(True, False)]) - (m[(False, True)] - m[(False, False)])
    assert cluster.params["one_stop"] == pytest.approx(did, abs=1e-9)  # TWFE is the all-quarters DiD here

    comparison = panel[~city]
    placebo = pd.Series({
        town: smf.ols(FORMULA, data=comparison.assign(
            one_stop=((comparison["town"] == town) & (comparison["quarter"] >= pd.Timestamp("2019-04-01"))).astype(int)
        )).fit().params["one_stop"]
        for town in comparison["town"].unique()
    })
    text = " ".join(_cell(nbs.read(LAB), c) for c in ("lab-q16-note", "lab-q16-takeaway")).replace("\n", " ")
    assert f"about −{-did:.0f} minutes" in text
    assert f"standard error (about {cluster.bse['one_stop']:.1f} minutes)" in text
    assert f"ordinary one (about {ordinary.bse['one_stop']:.1f})" in text
    assert f"−{-placebo.min():.1f} to +{placebo.max():.1f} minutes" in text
    assert f"standard deviation of about {placebo.std():.1f} minutes" in text
    assert placebo.std() > 3 * cluster.bse["one_stop"]  # "more than three times the clustered standard error"
    assert (placebo.abs() < abs(did)).all()  # City A first of 12: the smallest p-value, 1/12
    assert f"1/{len(placebo) + 1}, about {1 / (len(placebo) + 1):.2f}" in text

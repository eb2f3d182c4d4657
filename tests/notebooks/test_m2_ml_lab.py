"""Module 2 (02-ml-lab): the plausible mistakes its manifest lists, and the facts its visible tests and text rest on."""

from __future__ import annotations

import ast
import json
from pathlib import Path


from course import datasets

AID = "02-ml-lab"
REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "source" / AID / f"{AID}-lab.ipynb"


def _lab_cell(start: str) -> str:
    """The source of the one code cell of the lab that starts with ``start``."""
    found = [
        "".join(c["source"]) for c in json.loads(LAB.read_text())["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).startswith(start)
    ]
    assert len(found) == 1, f"{len(found)} cells of the lab start with {start!r}"
    return found[0]


def _lab_features() -> dict[str, list[str]]:
    """The lab's lists of columns (its cell ``CATEGORIES = [...]``), and FEATURES, their concatenation as there."""
    cell = _lab_cell("CATEGORIES = ")
    lists = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(cell).body
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.List)}
    assert "FEATURES = CATEGORIES + YES_NO + NUMBERS" in cell
    return {**lists, "FEATURES": lists["CATEGORIES"] + lists["YES_NO"] + lists["NUMBERS"]}


def test_q10s_visible_test_finds_in_the_datasheet_exactly_one_feature_recorded_after_the_decision():
    """Question 10's visible test reads each column's 'when recorded' from the datasheet to name a column removed
    although it is known on receipt; a change of the datasheet's wording must not turn that test against the answer."""
    names = _lab_features()
    when = {
        line.split("|")[1].strip(" `"): line.split("|")[-2].strip()
        for line in datasets.datasheet("application_returns").splitlines() if line.startswith("| `")
    }
    late = [c for c in names["FEATURES"] if not when[c].startswith(("on receipt", "at intake"))]
    assert late == ["documents_on_file"]


def _honest_model_scores():
    """The lab's honest model (Question 11) at the default parameters: (train, test, its scores for test)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from threadpoolctl import threadpool_limits

    names = _lab_features()
    apps = datasets.load_application_returns(sample_frac=1.0, seed=2026)
    train, test = apps[apps["submitted_date"] < "2024-04-01"], apps[apps["submitted_date"] >= "2024-04-01"]
    honest = [c for c in names["FEATURES"] if c != "documents_on_file"]
    numbers = [c for c in names["NUMBERS"] + names["YES_NO"] if c in honest]
    fill = Pipeline([("fill", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler())])
    prepare = ColumnTransformer([
        ("numbers", fill, numbers),
        ("categories", OneHotEncoder(handle_unknown="ignore", sparse_output=False), names["CATEGORIES"]),
    ])
    with threadpool_limits(1):  # as the notebooks do: one thread is faster on data this small
        model = Pipeline([("prepare", prepare), ("model", LogisticRegression(max_iter=1000))]).fit(train[honest], train["returned"])
    return train, test, model.predict_proba(test[honest])[:, 1]


def test_the_lab_quotes_the_false_negative_rates_the_age_quota_gives():
    """The lab says plainly that the age quota barely helps 18-39: their false negative rate falls only from about
    0.90 to about 0.87. Recomputed here from the data at the default parameters (the honest model of Question 11,
    the selection of section 6, the quotas of Question 14), so a change of data or model that moves them fails."""
    import numpy as np

    from course import metrics

    train, test, score = _honest_model_scores()
    plain = np.asarray(metrics.top_k(score, 10, per=test["week_start"]))
    shares = train.groupby("age_group")["returned"].sum() / train["returned"].sum()
    aware = np.asarray(metrics.top_k_with_quotas(score, 10, test["week_start"], test["age_group"], shares))
    young = (test["age_group"] == "18-39").to_numpy() & (test["returned"] == 1).to_numpy()
    assert (round(1 - plain[young].mean(), 2), round(1 - aware[young].mean(), 2)) == (0.90, 0.87)
    text = "".join("".join(c["source"]) for c in json.loads(LAB.read_text())["cells"] if c["cell_type"] == "markdown")
    assert "falls only from about 0.90 to about 0.87" in text
    assert "top_k_with_quotas" in _lab_cell("if isinstance(aware_precision, float)")  # the lab prints them too


def test_the_lab_quotes_what_equal_places_do():
    """Question 18's note (and the seminar guide) quote, on the full data, the overall precision at k of the highest
    scores and of equal places per age group, and the false negative rates of 18-39 and 75+ under both."""
    import numpy as np

    from course import metrics

    _, test, score = _honest_model_scores()
    returned = (test["returned"] == 1).to_numpy()
    plain = np.asarray(metrics.top_k(score, 10, per=test["week_start"]))
    groups = sorted(test["age_group"].unique())
    equal = np.asarray(metrics.top_k_with_quotas(score, 10, test["week_start"], test["age_group"], {g: 1 for g in groups}))

    def missed(selected, group):
        rows = (test["age_group"] == group).to_numpy() & returned
        return round(1 - selected[rows].mean(), 2)

    assert (round(returned[plain].mean(), 2), round(returned[equal].mean(), 2)) == (0.39, 0.34)
    assert (missed(plain, "18-39"), missed(equal, "18-39"), missed(plain, "75+"), missed(equal, "75+")) == (0.90, 0.82, 0.25, 0.52)
    assert metrics.precision_at_k(test["returned"], score, 20, per=test["week_start"]) < returned[plain].mean()  # q17: it falls
    text = " ".join("".join(c["source"]) for c in json.loads(LAB.read_text())["cells"] if c["cell_type"] == "markdown")
    text = " ".join(text.split())
    assert "from about 0.39 (highest scores) to about 0.34" in text
    assert "falls from about 0.90 to about 0.82" in text and "from about 0.25 to about 0.52" in text

"""Tests for course.explore: the summary function's numbers, and a widget whose output follows its controls."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import datasets, explore, metrics  # noqa: E402


@pytest.fixture(scope="module")
def visits():
    return datasets.load_service_desk_visits()


def test_median_minutes_baseline_is_the_median_of_pre_reform_visits(visits):
    summary = explore.explorer_summary(visits, "median minutes per visit", "North")
    north = visits[visits["branch"] == "North"]
    assert summary.baseline == north.loc[north["period"] == "before", "minutes"].median()
    assert summary.after == north.loc[north["period"] == "after", "minutes"].median()
    assert summary.n_visits == len(north)
    assert len(summary.monthly) == 36
    assert set(summary.monthly["period"]) == {"before", "after"}
    assert summary.reform_months == {"North": pd.Timestamp("2023-07-01")}


def test_monthly_values_are_per_month_medians(visits):
    summary = explore.explorer_summary(visits, "median minutes per visit", "Central", "2022-04", "2022-06")
    central = visits[(visits["branch"] == "Central") & (visits["visit_date"] < "2022-07-01")]
    expected = central.groupby(central["visit_date"].dt.to_period("M"))["minutes"].median().to_numpy()
    assert summary.monthly["value"].tolist() == pytest.approx(expected.tolist())
    assert summary.after != summary.after, "no post-reform months selected gives NaN"
    assert "no post-reform visits selected" in summary.text()


def test_visits_per_1000_pools_visits_over_residents_and_months(visits):
    summary = explore.explorer_summary(visits, "visits per 1,000 residents", "West", "2022-04", "2023-03")
    west = visits[(visits["branch"] == "West") & (visits["visit_date"] <= "2023-03-31")]
    assert summary.baseline == pytest.approx(len(west) / 12 / 12_500 * 1000)
    assert summary.monthly["value"].sum() == pytest.approx(len(west) / 12_500 * 1000)


def test_all_branches_marks_months_that_are_partly_reformed(visits):
    summary = explore.explorer_summary(visits, "forms filled per visit")
    assert set(summary.monthly["period"]) == {"before", "partly reformed", "after"}
    assert summary.baseline == pytest.approx(visits.loc[visits["period"] == "before", "forms_filled"].mean())


def test_rates_from_a_sample_are_rescaled_to_the_full_data(visits):
    sample = datasets.load_service_desk_visits(sample_frac=0.5, seed=1)
    full = explore.explorer_summary(visits, "visits per 1,000 residents")
    half = explore.explorer_summary(sample, "visits per 1,000 residents")
    assert half.baseline == pytest.approx(full.baseline, rel=0.1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "mean minutes"}, "unknown metric"),
        ({"branch": "Nowhere"}, "unknown branch"),
        ({"start": "2024-01", "end": "2023-01"}, "is after end"),
    ],
)
def test_bad_choices_raise_a_clear_error(visits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.explorer_summary(visits, **kwargs)


def test_widget_exposes_its_controls_and_updates_when_they_change(visits):
    widget = explore.explore_service_desk(visits)
    assert widget.metric in widget.children[0].children and widget.months in widget.children
    first = widget.summary_html.value
    assert "All branches, median minutes per visit" in first

    widget.branch.value = "East"
    assert widget.summary.branch == "East" and widget.summary_html.value != first
    assert "East" in widget.summary_html.value

    widget.metric.value = "forms filled per visit"
    assert widget.summary.metric == "forms filled per visit"

    widget.months.value = ("2022-04", "2022-12")
    assert len(widget.summary.monthly) == 9
    assert "no post-reform visits selected" in widget.summary_html.value


def test_drawing_a_summary_makes_a_labelled_course_figure(visits):
    ax = explore.draw_summary(explore.explorer_summary(visits, "median minutes per visit", "South"), show=False)
    assert "South" in ax.get_title() and "synthetic" in ax.get_title()
    assert ax.get_xlabel() == "Month" and ax.get_ylabel()
    assert "pre-reform baseline" in " ".join(t.get_text() for t in ax.texts)
    plt.close("all")


@pytest.fixture(scope="module")
def scored():
    """FY2024 applications with a made-up score (higher for older applicants) and the clerk's score."""
    apps = datasets.load_application_returns()
    test = apps[apps["fiscal_year"] == 2024].copy()
    rank = test["age_group"].map({"18-39": 0, "40-64": 1, "65-74": 2, "75+": 3})
    test["score"] = rank + pd.Series(range(len(test)), index=test.index) % 7 / 10
    test["clerk"] = test["blank_fields"].fillna(0) * 100 + test["forms_in_bundle"]
    return test


def test_capacity_summary_matches_a_selection_made_by_hand(scored):
    summary = explore.capacity_summary(scored, 5, score="score")
    selected = metrics.top_k(scored["score"], 5, per=scored["week_start"])
    returned = scored["returned"].to_numpy() == 1
    assert summary.n_selected == selected.sum() == 5 * scored["week_start"].nunique()
    assert summary.precision == pytest.approx(returned[selected].mean())
    assert summary.recall == pytest.approx(returned[selected].sum() / returned.sum())
    young = (scored["age_group"] == "18-39").to_numpy()
    row = summary.by_group.loc["18-39"]
    assert row["cases"] == young.sum() and row["selection_rate"] == pytest.approx(selected[young].mean())
    assert row["false_negative_rate"] == pytest.approx((returned & young & ~selected).sum() / (returned & young).sum())
    assert math.isnan(row["precision"]) == (not selected[young].any())
    assert "synthetic data" in summary.text() and "precision" in summary.text()


def test_group_shares_move_places_to_the_groups_a_score_neglects(scored):
    shares = {"18-39": 0.25, "40-64": 0.25, "65-74": 0.25, "75+": 0.25}
    plain = explore.capacity_summary(scored, 8, score="score")
    by_share = explore.capacity_summary(scored, 8, score="score", allocation="group shares", shares=shares)
    assert plain.by_group.loc["18-39", "selected"] == 0, "this score ranks young applicants last"
    assert by_share.by_group.loc["18-39", "selected"] > 0 and by_share.n_selected == plain.n_selected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": "nope"}, "no column 'nope'"),
        ({"allocation": "lottery"}, "unknown allocation"),
        ({"allocation": "group shares"}, "needs shares"),
    ],
)
def test_capacity_summary_refuses_bad_choices(scored, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.capacity_summary(scored, 5, **kwargs)


def test_capacity_widget_updates_when_its_controls_change(scored):
    widget = explore.explore_capacity(scored, scores=["score", "clerk"], shares={"18-39": 1, "75+": 1}, k=10)
    assert widget.k in widget.children[0].children and widget.allocation in widget.children
    first = widget.summary_html.value
    assert widget.summary.k == 10 and "10 checks a week" in first and "<table" in widget.table_html.value

    widget.k.value = 3
    assert widget.summary.n_selected == 3 * scored["week_start"].nunique() and widget.summary_html.value != first

    widget.score.value = "clerk"
    assert widget.summary.score == "clerk"

    widget.allocation.value = "group shares"
    assert widget.summary.allocation == "group shares"
    assert widget.summary.by_group.loc["18-39", "selected"] > 0


def test_capacity_widget_without_shares_offers_only_the_highest_scores(scored):
    widget = explore.explore_capacity(scored)
    assert list(widget.allocation.options) == ["highest scores"]


def test_drawing_a_capacity_summary_makes_a_labelled_course_figure(scored):
    ax = explore.draw_capacity(explore.capacity_summary(scored, 10), show=False)
    assert "10 checks a week" in ax.get_title() and "synthetic" in ax.get_title()
    assert ax.get_ylabel() and ax.get_xlabel() == "Age group"
    assert "false negative rate" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")


def test_service_desk_figure_is_an_image_that_follows_the_controls(visits):
    widget = explore.ServiceDeskExplorer(visits, draw=True)
    first = bytes(widget.figure.value)
    assert first.startswith(b"\x89PNG") and "Figure:" in widget.summary_html.value
    widget.branch.value = sorted(visits["branch"].unique())[0]
    assert bytes(widget.figure.value) != first


def test_capacity_figure_is_an_image_that_follows_the_controls(scored):
    widget = explore.CapacityExplorer(scored, draw=True)
    first = bytes(widget.figure.value)
    assert first.startswith(b"\x89PNG") and "Figure:" in widget.summary_html.value
    widget.k.value = widget.k.value + 5
    assert bytes(widget.figure.value) != first


def test_a_selection_without_post_reform_months_never_prints_nan(visits):
    """Issue 17: the figure's alt text said "after the reform nan." when no post-reform month was selected."""
    from course import plots

    summary = explore.explorer_summary(visits, "median minutes per visit", "West", "2022-04", "2022-12")
    ax = explore.draw_summary(summary, show=False)
    alt = plots.alt_text(ax)
    assert "nan" not in alt.lower() and "nan" not in summary.text().lower()
    assert "no post-reform visits selected" in alt
    plt.close("all")


def test_the_baseline_is_rounded_the_same_in_the_text_and_on_the_chart(visits):
    """Issue 17: the text said 175.5 where the chart's baseline label said 176 (or the like)."""
    from course import plots

    for branch in ["All branches", "North", "South"]:
        summary = explore.explorer_summary(visits, "median minutes per visit", branch)
        ax = explore.draw_summary(summary, show=False)
        label = next(t.get_text() for t in ax.texts if t.get_text().startswith("pre-reform baseline"))
        shown = label.split(": ", 1)[1]
        assert f"pre-reform baseline {shown};" in summary.text(), (label, summary.text())
        assert f"baseline {shown}" in plots.alt_text(ax).lower()
        plt.close("all")

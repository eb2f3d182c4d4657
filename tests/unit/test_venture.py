"""Tests for module 5 (05-venture-leadership): its data sets, unit economics, stakeholder map and venture simulator."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import datasets, explore, metrics, plots  # noqa: E402
from course.errors import DatasetError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    plots.set_theme()
    yield
    plt.close("all")


# -- data sets ---------------------------------------------------------------------------

def test_municipality_counts_add_up_to_the_1741_municipalities_japan_administers():
    counts = datasets.load_municipalities_by_type().set_index("municipality_type")["count"]
    assert counts.sum() == 1741
    assert counts["designated city"] + counts["core city"] + counts["other city"] == 792, "792 cities (MIC via note.com)"
    assert (counts["town"], counts["village"], counts["special ward"]) == (743, 183, 23)


def test_synthetic_municipalities_follow_the_real_counts_and_the_2020_census():
    table = datasets.load_municipal_task_costs()
    real = datasets.load_municipalities_by_type().set_index("municipality_type")["count"]
    assert table["municipality_type"].value_counts().sort_index().equals(real.sort_index().rename("count"))
    assert table["population"].sum() == 126_146_099, "scaled to the 2020 census total"
    assert table["municipality_id"].is_unique
    by_type = table.groupby("municipality_type")["population"]
    assert by_type.min()["core city"] >= 200_000 and by_type.min()["designated city"] >= 500_000, "legal size rules"


def test_task_cost_is_cases_times_staff_hours_times_hourly_cost():
    table = datasets.load_municipal_task_costs()
    recomputed = table["cases_per_year"] * table["staff_minutes_per_case"] / 60 * table["staff_cost_per_hour"]
    assert np.allclose(table["annual_task_cost_yen"], recomputed, atol=1_000), "rounding to the thousand yen only"


def test_municipal_task_costs_sample_is_reproducible():
    a = datasets.load_municipal_task_costs(sample_frac=0.5, seed=7)
    b = datasets.load_municipal_task_costs(sample_frac=0.5, seed=7)
    assert a.equals(b) and len(a) == round(1741 * 0.5)
    with pytest.raises(DatasetError, match="sample_frac"):
        datasets.load_municipal_task_costs(sample_frac=0)


def test_egov_index_keeps_japan_2024_and_leaves_unreported_scores_empty():
    egdi = datasets.load_egov_index()
    japan = egdi[egdi["country"] == "Japan"].set_index("year")
    assert japan.loc[2024, "egdi"] == pytest.approx(0.9351) and japan.loc[2024, "rank"] == 13
    assert math.isnan(japan.loc[2014, "egdi"]) and japan.loc[2014, "rank"] == 6
    top = egdi[egdi["year"] == 2024].dropna(subset=["rank"]).sort_values("rank")
    assert top["egdi"].is_monotonic_decreasing, "ranks follow the scores"
    assert egdi.loc[egdi["country"] == "World average", "rank"].isna().all()


# -- metrics -----------------------------------------------------------------------------

def test_payback_months_divides_the_acquisition_cost_by_the_monthly_margin():
    assert metrics.payback_months(2_400_000, 1_200_000) == pytest.approx(24)
    assert metrics.payback_months(0, 1_000) == 0
    assert metrics.payback_months(1_000, 0) == math.inf and metrics.payback_months(1_000, -5) == math.inf


@pytest.mark.parametrize("args, message", [((-1, 10), "cannot be negative"), (("a", 10), "finite number"), ((1, float("nan")), "finite number")])
def test_payback_months_refuses_bad_amounts(args, message):
    with pytest.raises(ValueError, match=message):
        metrics.payback_months(*args)


def test_customers_by_year_follows_the_funnel_recurrence_and_its_closed_form():
    customers = metrics.customers_by_year(10, 0.4, 0.1, 6)
    assert list(customers.index) == [1, 2, 3, 4, 5, 6] and customers.index.name == "year"
    assert customers[1] == pytest.approx(4) and customers[2] == pytest.approx(4 * 0.9 + 4)
    closed = 4 * (1 - 0.9 ** np.arange(1, 7)) / 0.1
    assert np.allclose(customers.to_numpy(), closed)
    assert metrics.customers_by_year(10, 0.4, 0.0, 3).tolist() == [4, 8, 12], "no churn: customers add up"


@pytest.mark.parametrize("kwargs, message", [
    ({"conversion": 40}, "conversion is a share"), ({"churn": -0.1}, "churn is a share"),
    ({"pilots_per_year": -1}, "cannot be negative"), ({"years": 0}, "at least 1"),
])
def test_customers_by_year_refuses_bad_inputs(kwargs, message):
    args = {"pilots_per_year": 10, "conversion": 0.4, "churn": 0.1, "years": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        metrics.customers_by_year(**args)


def test_stakeholder_quadrant_uses_power_and_interest_with_the_threshold_inclusive():
    quadrants = metrics.stakeholder_quadrant([9, 9, 2, 2, 5.5], [9, 2, 9, 2, 5.5])
    assert list(quadrants) == ["manage closely", "keep satisfied", "keep informed", "monitor", "manage closely"]
    assert list(metrics.stakeholder_quadrant([6], [6], threshold=7)) == ["monitor"]
    with pytest.raises(ValueError, match="one value per case"):
        metrics.stakeholder_quadrant([1, 2], [1])
    with pytest.raises(ValueError, match="missing"):
        metrics.stakeholder_quadrant([1, np.nan], [1, 2])


# -- plots -------------------------------------------------------------------------------

MAP = pd.DataFrame({"who": ["Mayor", "Desk staff", "Vendor", "Press"], "power": [9, 3, 8, 2], "interest": [8, 9, 2, 3]})
LABELS = {"title": "Who matters", "xlabel": "Interest (1-10)", "ylabel": "Power (1-10)", "alt": "The mayor sits top right."}


def test_stakeholder_map_names_every_point_and_every_quadrant():
    data = MAP.assign(quadrant=metrics.stakeholder_quadrant(MAP["power"], MAP["interest"]))
    ax = plots.plot_stakeholder_map(data, "interest", "power", "who", quadrant="quadrant", **LABELS)
    texts = [t.get_text() for t in ax.texts]
    assert {"Mayor", "Desk staff", "Vendor", "Press"} <= set(texts)
    assert {"MANAGE CLOSELY", "KEEP SATISFIED", "KEEP INFORMED", "MONITOR"} <= set(texts)
    assert plots.alt_text(ax) == LABELS["alt"] and ax.get_xlabel() == "Interest (1-10)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["manage closely", "keep satisfied", "keep informed", "monitor"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() not in ("-", "None", "")]
    assert len(dashed) == 2, "one dashed line per axis at the threshold"


def test_stakeholder_map_puts_keep_satisfied_top_left():
    ax = plots.plot_stakeholder_map(MAP, "interest", "power", "who", **LABELS)
    corner = next(t for t in ax.texts if t.get_text() == "KEEP SATISFIED")
    x, y = corner.xy
    assert x < 5.5 < y, "high power and low interest: top left"


@pytest.mark.parametrize("missing", ["title", "xlabel", "ylabel", "alt"])
def test_stakeholder_map_refuses_a_figure_without_labels(missing):
    with pytest.raises(ValueError, match=f"{missing} must be a non-empty sentence"):
        plots.plot_stakeholder_map(MAP, "interest", "power", "who", **{**LABELS, missing: ""})


def test_stakeholder_map_names_a_misspelt_column():
    with pytest.raises(ValueError, match="no column 'powr'"):
        plots.plot_stakeholder_map(MAP, "interest", "powr", "who", **LABELS)


# -- the venture simulator ---------------------------------------------------------------

def test_venture_summary_matches_a_calculation_by_hand():
    s = explore.venture_summary(pilots_per_year=10, conversion=0.5, churn=0.1, price=2e6, cost_to_serve=5e5,
                                pilot_cost=1e6, fixed_cost=1e7, years=3)
    customers = [5, 5 * 0.9 + 5, (5 * 0.9 + 5) * 0.9 + 5]
    net = [c * 1.5e6 - 10 * 1e6 - 1e7 for c in customers]
    discounted = [n / 1.04 ** t for t, n in enumerate(net, 1)]  # module 3's 4%, each year's net at its end
    assert np.allclose(s.by_year["customers"], customers) and np.allclose(s.by_year["net"], net)
    assert np.allclose(s.by_year["discounted_net"], discounted)
    assert np.allclose(s.by_year["cumulative"], np.cumsum(discounted))
    assert s.acquisition_cost == pytest.approx(2e6) and s.yearly_margin == pytest.approx(1.5e6)
    ltv = sum(1.5e6 / 1.04 ** t for t in range(1, 11))  # a 10-year expected life (churn 0.1), discounted
    assert s.payback_months == pytest.approx(16) and s.ltv == pytest.approx(ltv) and s.ltv_to_cac == pytest.approx(ltv / 2e6)
    assert s.breakeven_year is None and "still negative" in s.text() and "4% discount rate" in s.text()


def test_the_lab_venture_breaks_even_later_and_is_worth_less_once_discounted():
    """Issue 17: the cash curve and LTV were undiscounted right after module 3 taught discounting."""
    lab = {"pilots_per_year": 10, "conversion": 0.4, "churn": 0.1, "price": 2e6, "cost_to_serve": 4e5,
           "pilot_cost": 1e6, "fixed_cost": 12e6, "years": 10}
    s, flat = explore.venture_summary(**lab), explore.venture_summary(**lab, discount_rate=0.0)
    assert flat.ltv_to_cac == pytest.approx(1.6e6 / 0.1 / 2.5e6) and s.ltv_to_cac == pytest.approx(5.191, abs=1e-3)
    assert s.by_year["cumulative"].min() == pytest.approx(-28.24e6, abs=0.01e6)
    assert flat.by_year["cumulative"].min() == pytest.approx(-30.10e6, abs=0.01e6)
    assert s.breakeven_year == flat.breakeven_year == 8
    assert s.by_year["cumulative"].iloc[-1] < flat.by_year["cumulative"].iloc[-1]


def test_lifetime_value_is_the_discounted_sum_of_margins_over_the_expected_life():
    assert metrics.lifetime_value(100, 0.25, 0.0) == pytest.approx(400)
    assert metrics.lifetime_value(100, 0.25, 0.1) == pytest.approx(sum(100 / 1.1 ** t for t in range(1, 5)))
    assert metrics.lifetime_value(100, 0.0, 0.05) == pytest.approx(2000), "no churn: a perpetuity"
    assert metrics.lifetime_value(100, 0.0, 0.0) == math.inf
    between = metrics.lifetime_value(100, 0.08, 0.04)  # a life of 12.5 years
    assert metrics.lifetime_value(100, 1 / 12, 0.04) < between < metrics.lifetime_value(100, 1 / 13, 0.04)
    with pytest.raises(ValueError, match="write 4% as 0.04"):
        metrics.lifetime_value(100, 0.1, -1)
    with pytest.raises(ValueError, match="churn is a share"):
        metrics.lifetime_value(100, 10, 0.04)


def test_venture_breaks_even_in_the_first_year_with_positive_cumulative_cash():
    s = explore.venture_summary(fixed_cost=0.0, pilot_cost=0.0, years=3)
    assert s.breakeven_year == 1 and math.isnan(s.ltv_to_cac)
    assert explore.venture_summary(discount_rate=0.0, years=12).breakeven_year == 11, "discounting delays it a year"
    assert explore.venture_summary(conversion=0.0).payback_months == math.inf


@pytest.mark.parametrize("kwargs, message", [
    ({"prize": 1}, "unknown parameter 'prize'"), ({"price": -1}, "price cannot be negative"),
    ({"churn": 2}, "churn is a share"), ({"years": 2.5}, "whole number"), ({"discount_rate": -1}, "write 4% as 0.04"),
])
def test_venture_summary_refuses_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.venture_summary(**kwargs)


def test_drawing_a_venture_makes_a_labelled_cash_curve():
    ax = explore.draw_venture(explore.venture_summary(), show=False)
    assert "assumed" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "year 12" in plots.alt_text(ax) and "break-even" in " ".join(t.get_text() for t in ax.texts)
    assert "discounted at 4%" in ax.get_title() and "discounted" in ax.get_ylabel()


def test_venture_widget_updates_its_numbers_and_image_when_a_slider_moves():
    widget = explore.explore_venture(draw=True, churn=0.05)
    assert widget.churn.value == pytest.approx(0.05)
    first_text, first_image = widget.summary_html.value, bytes(widget.figure.value)
    assert first_image.startswith(b"\x89PNG") and "Figure:" in first_text
    widget.price.value = 3.0
    assert widget.summary.parameters["price"] == pytest.approx(3e6)
    assert widget.summary_html.value != first_text and bytes(widget.figure.value) != first_image
    widget.churn.value = 0.3
    assert widget.summary.parameters["churn"] == pytest.approx(0.3)
    widget.discount_rate.value = 0.1
    assert widget.summary.parameters["discount_rate"] == pytest.approx(0.1)


def test_venture_widget_without_drawing_leaves_the_image_empty():
    widget = explore.VentureSimulator(draw=False)
    assert not widget.figure.value and "pays it back" in widget.summary_html.value


def test_the_egdi_rank_chart_is_shown_with_the_best_rank_at_the_top(monkeypatch):
    """Issue 17: the teaching notebook flipped the rank axis after the figure had been shown.

    Runs the notebook's own cell, recording each figure at the moment it is shown."""
    import json
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course import plots

    path = Path(__file__).resolve().parents[2] / "source" / "05-venture-leadership" / "05-venture-leadership-teaching.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = next("".join(c["source"]) for c in cells if c["cell_type"] == "code" and 'japan, "year", "rank"' in "".join(c["source"]))
    shown = []
    monkeypatch.setattr(plots, "_in_notebook", lambda: True)
    monkeypatch.setattr(plots, "_show", lambda fig, alt: shown.append(fig.axes[0].yaxis_inverted()))
    from course import datasets

    exec(code, {"plots": plots, "datasets": datasets, "egov": datasets.load_egov_index()})
    assert shown == [True], "the rank chart must be shown once, after its axis is inverted (rank 1 on top)"
    plt.close("all")

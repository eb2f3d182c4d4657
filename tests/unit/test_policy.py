"""Module 3 (03-policy-design): its synthetic data sets, the cost-benefit simulator, and the estimates figure."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import datasets, explore, plots  # noqa: E402
from course.errors import DatasetError  # noqa: E402

DATA = Path(datasets.__file__).parent / "data"
MODULE_3_DATA = ["onestop_town_panel", "outreach_households"]


@pytest.fixture(autouse=True)
def _close_figures():
    plots.set_theme()
    yield
    plt.close("all")


# -- data sets ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULE_3_DATA)
def test_data_set_is_registered_synthetic_with_checksum_and_datasheet(name):
    spec = datasets.REGISTRY[name]
    assert spec.synthetic and spec.file == f"{name}_synthetic.csv"
    assert hashlib.sha256((DATA / name / spec.file).read_bytes()).hexdigest() == spec.sha256
    sheet = datasets.datasheet(name)
    assert "SYNTHETIC" in sheet and spec.sha256 in sheet
    words = " ".join(sheet.split())
    assert "TV Tokyo BIZ via News On Japan" in words or "MIC via ITmedia" in words, "the datasheet names its calibration source"
    frame = datasets.load(name)
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert frame.attrs["synthetic"] is True


@pytest.mark.parametrize("name", MODULE_3_DATA)
def test_generator_reproduces_the_shipped_file_byte_for_byte(name, tmp_path):
    spec = datasets.REGISTRY[name]
    script = DATA / name / f"make_{name}.py"
    module_spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    out = module.main(["--out", str(tmp_path / spec.file)])
    assert out.read_bytes() == (DATA / name / spec.file).read_bytes()


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("onestop_town_panel", ",one-stop city,", ",treated,", r'column "group" has "treated"'),
        ("onestop_town_panel", "2017-04-01,2017,1,0,", "2017-04-01,2017,5,0,", r'"fiscal_quarter" should be at most 4'),
        ("outreach_households", ",0.250120,", ",1.250120,", r'"risk_score" should be at most 1'),
        ("outreach_households", ",False,False,", ",no,False,", r'"lives_alone" should hold True or False'),
    ],
)
def test_a_file_that_breaks_the_schema_is_refused(monkeypatch, tmp_path, name, old, new, message):
    spec = datasets.REGISTRY[name]
    copy = tmp_path / spec.file
    shutil.copy(DATA / name / spec.file, copy)
    text = copy.read_text(encoding="utf-8")
    assert old in text
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setitem(datasets.REGISTRY, name, dataclasses.replace(spec, sha256=hashlib.sha256(copy.read_bytes()).hexdigest()))
    monkeypatch.setattr(datasets, "_data_path", lambda s: copy if s.name == name else DATA / s.name / s.file)
    with pytest.raises(DatasetError, match=message):
        datasets.load(name)


def test_town_panel_is_balanced_and_only_city_a_reforms_in_fiscal_2019():
    panel = datasets.load_onestop_town_panel()
    assert panel["town"].nunique() == 12 and panel["quarter"].nunique() == 20 and len(panel) == 240
    city_a = panel[panel["group"] == "one-stop city"]
    assert set(city_a["town"]) == {"City A"} and city_a["population"].iloc[0] == 164_500, "about Miyakonojo's 164,506"
    assert panel.loc[panel["group"] == "comparison", "one_stop"].eq(0).all()
    assert (city_a["one_stop"] == (city_a["quarter"] >= "2019-04-01")).all(), "FY2019, as jichitai.works reports"


def test_town_panel_matches_the_reported_three_hours_and_45_minutes():
    panel = datasets.load_onestop_town_panel()
    city_a = panel[panel["group"] == "one-stop city"].groupby("fiscal_year")["median_minutes"].mean()
    assert 170 <= city_a[2018] <= 190, "about three hours before (TV Tokyo BIZ via News On Japan)"
    assert 40 <= city_a[2021] <= 50, "about 45 minutes after (TV Tokyo BIZ via News On Japan)"


def test_town_panel_difference_in_differences_is_smaller_than_before_and_after():
    panel = datasets.load_onestop_town_panel()
    two = panel[panel["fiscal_year"].isin([2018, 2021])]
    m = two.groupby(["group", "fiscal_year"])["median_minutes"].mean()
    before_after = m[("one-stop city", 2021)] - m[("one-stop city", 2018)]
    did = before_after - (m[("comparison", 2021)] - m[("comparison", 2018)])
    assert -135 < did < -115 and did > before_after, "the comparison towns improve a little too"


def test_outreach_households_card_share_and_built_in_bias():
    households = datasets.load_outreach_households()
    assert len(households) == 6000 and households["household_id"].is_unique
    assert households["risk_score"].is_unique, "unique scores: a budget cut-off never falls on a tie"
    assert 0.87 <= households["has_card"].mean() <= 0.90, "close to Miyakonojo's 89.2% (MIC via ITmedia)"
    by_card = households.groupby("has_card")[["risk_score", "missed_claim"]].mean()
    assert by_card.loc[False, "risk_score"] < by_card.loc[False, "missed_claim"] - 0.1, "scores too low without a card"
    assert abs(by_card.loc[True, "risk_score"] - by_card.loc[True, "missed_claim"]) < 0.05


def test_outreach_households_sampling_is_reproducible():
    first = datasets.load_outreach_households(sample_frac=0.5, seed=7)
    again = datasets.load_outreach_households(sample_frac=0.5, seed=7)
    other = datasets.load_outreach_households(sample_frac=0.5, seed=8)
    assert first.equals(again) and not first.index.equals(other.index)
    assert len(first) == 3000 and first.index.is_monotonic_increasing
    with pytest.raises(DatasetError, match="sample_frac must be"):
        datasets.load_outreach_households(sample_frac=0)
    with pytest.raises(DatasetError, match="does not take sample_frac"):
        datasets.load("onestop_town_panel", sample_frac=0.5)


# -- the cost-benefit simulator --------------------------------------------------------------


def _hand_npv(p):
    per_case = p["resident_minutes_saved"] / 60 * p["resident_value_per_hour"] + p["staff_minutes_saved"] / 60 * p["staff_cost_per_hour"]
    net = p["cases_per_year"] * p["adoption"] * per_case - p["running_cost"]
    return -p["system_cost"] + sum(net / (1 + p["discount_rate"]) ** t for t in range(1, p["years"] + 1))


def test_npv_of_the_base_case_matches_the_formula():
    summary = explore.npv_summary()
    assert summary.npv == pytest.approx(_hand_npv(explore.NPV_DEFAULTS))
    assert summary.npv == pytest.approx(18_970_045.64, abs=1)
    assert summary.benefit_per_case == pytest.approx(135 / 60 * 1500 + 90 / 60 * 4000)
    flows = summary.cash_flows
    assert list(flows["year"]) == [0, 1, 2, 3, 4, 5]
    assert flows.loc[0, "present_value"] == -30_000_000 and flows.loc[0, "discount_factor"] == 1
    assert flows["cumulative"].iloc[-1] == pytest.approx(summary.npv)
    assert summary.payback_year == 3


@pytest.mark.parametrize(
    "changes",
    [{}, {"discount_rate": 0.0}, {"discount_rate": 0.1, "years": 8}, {"cases_per_year": 600, "system_cost": 12e6, "running_cost": 1.5e6}],
)
def test_break_even_adoption_gives_an_npv_of_zero(changes):
    summary = explore.npv_summary(**changes)
    assert summary.npv == pytest.approx(_hand_npv({**explore.NPV_DEFAULTS, **changes}))
    if summary.break_even_adoption <= 1:
        at_break_even = explore.npv_summary(**changes, adoption=summary.break_even_adoption)
        assert at_break_even.npv == pytest.approx(0, abs=1e-3)


def test_npv_text_covers_a_loss_and_a_reform_that_cannot_break_even():
    budget_only = explore.npv_summary(resident_value_per_hour=0)
    assert budget_only.npv < 0 and budget_only.payback_year is None
    assert "No payback" in budget_only.text() and "assumptions" in budget_only.text()
    hopeless = explore.npv_summary(system_cost=100e6)
    assert hopeless.break_even_adoption > 1 and "cannot break even" in hopeless.text()
    nothing_saved = explore.npv_summary(resident_minutes_saved=0, staff_minutes_saved=0)
    assert np.isnan(nothing_saved.break_even_adoption) and "saves nothing" in nothing_saved.text()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"adoption": 80}, "adoption is a share"),
        ({"discount_rate": -1}, "discount_rate must be more than -1"),
        ({"years": 0}, "years must be a whole number"),
        ({"system_cost": -5}, "system_cost cannot be negative"),
        ({"rate": 0.04}, "unknown parameter 'rate'"),
    ],
)
def test_bad_parameters_raise_a_clear_error(changes, message):
    with pytest.raises(ValueError, match=message):
        explore.npv_summary(**changes)


def test_simulator_sliders_update_the_npv_and_its_line():
    widget = explore.explore_npv()
    assert widget.discount_rate in widget.children and widget.adoption in widget.children
    first = widget.summary_html.value
    assert widget.summary.npv == pytest.approx(explore.npv_summary().npv)
    first_png = bytes(widget.figure.value)
    assert first_png.startswith(b"\x89PNG") and "Figure: The cumulative discounted net benefit" in first

    widget.adoption.value = 0.5
    assert widget.summary.parameters["adoption"] == 0.5 and widget.summary.npv < 0
    assert widget.summary_html.value != first and "50%" in widget.summary_html.value
    assert bytes(widget.figure.value) != first_png, "the figure follows the sliders"

    widget.system_cost.value = 10.0  # million yen
    assert widget.summary.parameters["system_cost"] == 10e6
    widget.discount_rate.value = 0.07
    assert widget.summary.npv == pytest.approx(_hand_npv({**explore.NPV_DEFAULTS, "adoption": 0.5, "system_cost": 10e6, "discount_rate": 0.07}))


def test_simulator_starts_from_the_parameters_it_is_given():
    widget = explore.explore_npv(cases_per_year=600, adoption=0.9, system_cost=12e6, running_cost=1.5e6)
    assert widget.system_cost.value == 12.0 and widget.running_cost.value == 1.5 and widget.adoption.value == 0.9
    assert widget.summary.npv == pytest.approx(3_859_617.05, abs=1)
    with pytest.raises(ValueError, match="unknown parameter"):
        explore.explore_npv(budget=1)


def test_drawing_an_npv_makes_a_labelled_course_figure():
    summary = explore.npv_summary()
    ax = explore.draw_npv(summary, show=False)
    assert "assumed unit costs" in ax.get_title() and "million yen" in ax.get_ylabel() and ax.get_xlabel()
    assert "break-even" in " ".join(t.get_text() for t in ax.texts)
    assert "+19.0 million yen" in plots.alt_text(ax)


# -- the estimates figure ------------------------------------------------------------------------

ESTIMATES = pd.DataFrame(
    {"comparison": ["25% vs free", "95% vs free"], "effect": [-0.77, -1.44], "low": [-0.95, -1.64], "high": [-0.58, -1.25]}
)
LABELS = {"title": "Effects", "xlabel": "Difference in visits per year", "ylabel": "Plan", "alt": "Both plans lower visits."}


def test_estimates_figure_has_labels_alt_text_intervals_and_a_reference_line():
    ax = plots.plot_estimates(ESTIMATES, "effect", "low", "high", "comparison", **LABELS)
    assert ax.get_title() == "Effects" and ax.get_xlabel() and ax.get_ylabel()
    assert plots.alt_text(ax) == LABELS["alt"]
    rows = {tick: label.get_text() for tick, label in zip(ax.get_yticks(), ax.get_yticklabels())}
    assert rows[max(rows)] == "25% vs free" and rows[min(rows)] == "95% vs free", "the first row is drawn at the top"
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "-0.77  [-0.95, -0.58]" in texts and "no effect" in texts, "numbers are written, not only drawn"
    assert any(line.get_xdata()[0] == 0 for line in ax.get_lines() if len(line.get_xdata()) == 2), "a line at zero"
    low, high = ax.get_xlim()
    assert low < -1.64 and high > 0


def test_estimates_figure_refuses_an_interval_that_misses_its_estimate_or_missing_labels():
    bad = ESTIMATES.assign(low=[-0.5, -1.64])
    with pytest.raises(ValueError, match="each interval must contain its estimate"):
        plots.plot_estimates(bad, "effect", "low", "high", "comparison", **LABELS)
    with pytest.raises(ValueError, match="alt must be a non-empty sentence"):
        plots.plot_estimates(ESTIMATES, "effect", "low", "high", "comparison", **{**LABELS, "alt": ""})
    with pytest.raises(ValueError, match="no column 'estimate'"):
        plots.plot_estimates(ESTIMATES, "estimate", "low", "high", "comparison", **LABELS)

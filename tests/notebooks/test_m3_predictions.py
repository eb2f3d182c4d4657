"""Module 3's prediction questions (q17, q18): the numbers the lab's notes and the seminar guide quote
reproduce from the synthetic town panel and Town B's estimates."""

from __future__ import annotations

from course import datasets, explore
from course import notebooks as nbs
from tests.conftest import REPO

AID = "03-policy-design"
LAB = REPO / "source" / AID / f"{AID}-lab.ipynb"
TOWN_B = {
    "discount_rate": 0.04, "adoption": 0.9, "cases_per_year": 600, "resident_minutes_saved": 126.0,
    "resident_value_per_hour": 1500.0, "staff_minutes_saved": 90.0, "staff_cost_per_hour": 4000.0,
    "system_cost": 12_000_000.0, "running_cost": 1_500_000.0, "years": 5,
}


def _note(cell_id: str) -> str:
    return " ".join(next(c.source for c in nbs.read(LAB).cells if c.get("id") == cell_id).split())


def test_the_town_b_estimates_here_are_the_labs():
    cell = next(c.source for c in nbs.read(LAB).cells if c.get("id") == "lab-50")
    namespace: dict = {}
    exec(cell.split("pd.Series")[0], namespace)
    assert namespace["TOWN_B"] == TOWN_B


def test_q18s_note_quotes_the_npv_with_the_before_and_after_drop():
    panel = datasets.load_onestop_town_panel()
    city_a = panel[panel["group"] == "one-stop city"].groupby("fiscal_year")["median_minutes"].mean()
    comparison = panel[panel["group"] == "comparison"].groupby("fiscal_year")["median_minutes"].mean()
    drop = city_a[2018] - city_a[2021]
    did_npv = explore.npv_summary(**TOWN_B).npv
    naive_npv = explore.npv_summary(**{**TOWN_B, "resident_minutes_saved": drop}).npv
    note = _note("lab-q18-note")
    assert f"({drop:.0f} minutes)" in note
    assert f"about {(naive_npv - did_npv) / 1e6:.1f} million yen" in note
    assert f"some {(naive_npv / did_npv - 1) * 100:.0f}%" in note
    assert f"about {comparison[2018] - comparison[2021]:.0f} minutes" in note
    assert naive_npv > 0 and did_npv > 0  # "Here the answer stays yes"


def test_q17s_message_holds_only_the_did_moves_by_30_minutes():
    panel = datasets.load_onestop_town_panel()
    two = panel[panel["fiscal_year"].isin([2018, 2021])]
    later = (two["group"] == "comparison") & (two["fiscal_year"] == 2021)

    def estimates(data):
        m = data.groupby(["group", "fiscal_year"])["median_minutes"].mean()
        own = m[("one-stop city", 2021)] - m[("one-stop city", 2018)]
        return own, own - (m[("comparison", 2021)] - m[("comparison", 2018)])

    (own, did), (own2, did2) = estimates(two), estimates(two.assign(median_minutes=two["median_minutes"] - 30 * later))
    assert abs(own2 - own) < 1e-9 and abs((did2 - did) - 30) < 1e-9

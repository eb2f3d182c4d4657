"""The cost-benefit simulator (module 3): the one-stop desk's net present value, and the adoption it needs to break even.

    >>> npv_summary(adoption=0.5)                                              # no browser needed
    >>> explore_npv(cases_per_year=600)                                        # in a notebook
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd

from course import plots
from course.explore._base import _Simulator, _slider_maker
from course.i18n import _

__all__ = ["NPV_DEFAULTS", "NPVSimulator", "NPVSummary", "draw_npv", "explore_npv", "npv_summary"]


#: The base case of the one-stop desk's cost-benefit analysis (03-policy-design). Only the
#: discount rate and the minutes saved are sourced; every unit cost and volume is an assumption.
NPV_DEFAULTS = {
    "discount_rate": 0.04,  # MLIT Road Bureau, Cost-Benefit Analysis Manual (2008): 4%
    "adoption": 0.8,  # assumption: share of eligible cases that use the one-stop desk
    "cases_per_year": 2000,  # assumption: about 12 bereavement cases per 1,000 residents a year
    "resident_minutes_saved": 135.0,  # reported: about 3 hours down to 45 minutes (TV Tokyo BIZ via News On Japan, 2025)
    "resident_value_per_hour": 1500.0,  # assumption: yen per hour of a resident's time
    "staff_minutes_saved": 90.0,  # assumption: staff minutes saved per case
    "staff_cost_per_hour": 4000.0,  # assumption: yen per staff hour, with overheads
    "system_cost": 30_000_000.0,  # assumption: yen, paid once at the start (year 0)
    "running_cost": 4_000_000.0,  # assumption: yen per year (licences, maintenance)
    "years": 5,  # assumption: the system's life
}


@dataclass(frozen=True)
class NPVSummary:
    """The net present value of a reform for one set of parameters.

    Attributes:
        parameters: every parameter used (NPV_DEFAULTS with the changes applied).
        cash_flows: one row per year 0..years: year, benefits, costs, net (yen), discount_factor,
            present_value (yen) and cumulative (yen, the running sum of present values).
        npv: the net present value, in yen (the sum of present_value).
        benefit_per_case: yen saved per case that uses the desk (residents' and staff time).
        break_even_adoption: the adoption share at which the NPV is exactly 0 (above 1: the
            reform cannot break even even if every case uses it; NaN if a case saves nothing).
        payback_year: the first year in which the cumulative present value reaches 0 (None: never
            within the horizon).
    """

    parameters: dict
    cash_flows: pd.DataFrame
    npv: float
    benefit_per_case: float
    break_even_adoption: float
    payback_year: int | None

    def text(self) -> str:
        """One line describing the result, as the simulator shows it."""
        p = self.parameters
        parts = [
            f"NPV {self.npv / 1e6:+,.1f} million yen over {p['years']} years at a {p['discount_rate']:.1%} discount rate,",
            f"with {p['adoption']:.0%} of cases using the desk.",
        ]
        if self.break_even_adoption != self.break_even_adoption:
            parts.append("A case saves nothing, so no adoption breaks even.")
        elif self.break_even_adoption > 1:
            parts.append(f"It cannot break even: it would need {self.break_even_adoption:.0%} adoption.")
        else:
            parts.append(f"Break-even adoption: {max(self.break_even_adoption, 0):.0%}.")
        parts.append(f"Discounted payback in year {self.payback_year}." if self.payback_year is not None else "No payback within the horizon.")
        parts.append("(Unit costs are assumptions.)")
        return " ".join(parts)


def npv_summary(**parameters: float) -> NPVSummary:
    """Compute the net present value of the one-stop desk, and its break-even adoption.

    The system cost is paid at the start (year 0, not discounted); benefits and running
    costs come at the end of each year 1..years and are discounted by (1 + rate) ** year.
    Benefits per year = cases_per_year * adoption * (resident_minutes_saved / 60 *
    resident_value_per_hour + staff_minutes_saved / 60 * staff_cost_per_hour).

    Args:
        **parameters: any of NPV_DEFAULTS' keys (discount_rate and adoption are shares, e.g.
            0.04 and 0.8; money in yen; minutes per case); the others keep their defaults.

    Returns:
        An NPVSummary.

    Raises:
        ValueError: an unknown parameter, or a value out of range (a negative cost, an
            adoption outside 0-1, a discount rate of -100% or less, fewer than 1 year).
    """
    unknown = sorted(set(parameters) - set(NPV_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r}. Use any of {list(NPV_DEFAULTS)}.")
    p = {**NPV_DEFAULTS, **parameters}
    if not p["discount_rate"] > -1:
        raise ValueError(f"discount_rate must be more than -1 (write 4% as 0.04), got {p['discount_rate']!r}.")
    if not 0 <= p["adoption"] <= 1:
        raise ValueError(f"adoption is a share from 0 to 1 (write 80% as 0.8), got {p['adoption']!r}.")
    if int(p["years"]) != p["years"] or p["years"] < 1:
        raise ValueError(f"years must be a whole number of at least 1, got {p['years']!r}.")
    for key in ("cases_per_year", "resident_minutes_saved", "resident_value_per_hour", "staff_minutes_saved",
                "staff_cost_per_hour", "system_cost", "running_cost"):
        if p[key] < 0:
            raise ValueError(f"{key} cannot be negative, got {p[key]!r}.")
    p["years"] = int(p["years"])

    per_case = p["resident_minutes_saved"] / 60 * p["resident_value_per_hour"] + p["staff_minutes_saved"] / 60 * p["staff_cost_per_hour"]
    years = pd.RangeIndex(0, p["years"] + 1)
    benefits = pd.Series(p["cases_per_year"] * p["adoption"] * per_case, index=years).where(years > 0, 0.0)
    costs = pd.Series(p["running_cost"], index=years, dtype="float64").where(years > 0, p["system_cost"])
    factor = pd.Series(1.0 / (1.0 + p["discount_rate"]) ** years.to_numpy(), index=years)
    flows = pd.DataFrame({"year": years, "benefits": benefits, "costs": costs})
    flows["net"] = flows["benefits"] - flows["costs"]
    flows["discount_factor"] = factor
    flows["present_value"] = flows["net"] * factor
    flows["cumulative"] = flows["present_value"].cumsum()
    flows = flows.reset_index(drop=True)

    annuity = float(factor.iloc[1:].sum())
    yearly_benefit_at_full_adoption = p["cases_per_year"] * per_case
    break_even = (
        (p["system_cost"] / annuity + p["running_cost"]) / yearly_benefit_at_full_adoption
        if yearly_benefit_at_full_adoption > 0
        else float("nan")
    )
    reached = flows.loc[(flows["year"] > 0) & (flows["cumulative"] >= 0), "year"]
    return NPVSummary(
        parameters=p,
        cash_flows=flows,
        npv=float(flows["present_value"].sum()),
        benefit_per_case=float(per_case),
        break_even_adoption=float(break_even),
        payback_year=int(reached.iloc[0]) if len(reached) else None,
    )


def draw_npv(summary: NPVSummary, show: bool = True):
    """Draw a summary as a course figure: the cumulative discounted net benefit, year by year.

    Args:
        summary: from npv_summary().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    flows = summary.cash_flows.assign(cumulative_million=summary.cash_flows["cumulative"] / 1e6)
    payback = f"pays back in year {summary.payback_year}" if summary.payback_year is not None else "does not pay back within the horizon"
    alt = (
        f"The cumulative discounted net benefit starts at {flows['cumulative_million'].iloc[0]:+,.1f} million yen in year 0 "
        f"(the system cost) and ends at {summary.npv / 1e6:+,.1f} million yen in year {int(flows['year'].iloc[-1])}: the reform {payback}."
    )
    return plots.plot_trend(
        flows,
        "year",
        "cumulative_million",
        references={"break-even": 0.0},
        y_from_zero=False,
        title=_("Cumulative discounted net benefit of the one-stop desk (assumed unit costs)"),
        xlabel=_("Year after launch (0 = launch)"),
        ylabel=_("Cumulative present value (million yen)"),
        alt=alt,
        show=show,
    )


class NPVSimulator(_Simulator):
    """Sliders for the discount rate, adoption and unit costs; an NPV line and a figure that follow them.

    Attributes:
        discount_rate, adoption, resident_value, staff_cost, system_cost, running_cost: the sliders
            (money sliders are in yen per hour, or in million yen).
        summary_html: the HTML lines with the NPV, the break-even adoption and the figure's alt text.
        figure: the Image widget holding the figure (PNG).
        summary: the latest NPVSummary.
    """

    _escape = False  # the NPV line holds its own HTML

    def __init__(self, draw: bool = True, **parameters: float) -> None:
        self._fixed = {**NPV_DEFAULTS, **parameters}
        npv_summary(**self._fixed)  # fail early on a bad parameter
        self._draw = draw
        f = self._fixed
        slider = _slider_maker("190px")
        self.discount_rate = slider(widgets.FloatSlider, f["discount_rate"], 0.0, 0.10, 0.005, _("Discount rate"), ".1%")
        self.adoption = slider(widgets.FloatSlider, f["adoption"], 0.0, 1.0, 0.05, _("Adoption (share of cases)"), ".0%")
        self.resident_value = slider(widgets.IntSlider, int(f["resident_value_per_hour"]), 0, 5000, 100, _("Resident time (yen/hour)"), ",d")
        self.staff_cost = slider(widgets.IntSlider, int(f["staff_cost_per_hour"]), 0, 10000, 250, _("Staff cost (yen/hour)"), ",d")
        self.system_cost = slider(widgets.FloatSlider, f["system_cost"] / 1e6, 0.0, 100.0, 1.0, _("System cost (million yen)"), ".0f")
        self.running_cost = slider(widgets.FloatSlider, f["running_cost"] / 1e6, 0.0, 20.0, 0.5, _("Running cost (million yen/year)"), ".1f")
        self.summary: NPVSummary | None = None
        self._start([self.discount_rate, self.adoption, self.resident_value, self.staff_cost, self.system_cost,
                     self.running_cost])

    def parameters(self) -> dict:
        """The parameters the sliders show now, in npv_summary()'s units."""
        return {
            **self._fixed,
            "discount_rate": self.discount_rate.value,
            "adoption": self.adoption.value,
            "resident_value_per_hour": float(self.resident_value.value),
            "staff_cost_per_hour": float(self.staff_cost.value),
            "system_cost": self.system_cost.value * 1e6,
            "running_cost": self.running_cost.value * 1e6,
        }

    def _summarize(self):
        return npv_summary(**self.parameters())

    def _draw_figure(self, summary):
        return draw_npv(summary, show=False)


def explore_npv(**parameters: float) -> NPVSimulator:
    """Build the cost-benefit simulator: move the discount rate, adoption and unit costs; see the NPV and its break-even.

    Display the returned widget (it is the last line of a cell, or pass it to display()).

    Args:
        **parameters: starting values for any of NPV_DEFAULTS' keys (e.g. cases_per_year=600).

    Returns:
        The simulator widget; its sliders are .discount_rate, .adoption, .resident_value,
        .staff_cost, .system_cost and .running_cost.

    Raises:
        ValueError: an unknown parameter or a value out of range (see npv_summary).
    """
    return NPVSimulator(**parameters)

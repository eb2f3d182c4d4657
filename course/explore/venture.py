"""The venture simulator (module 5): a GovTech venture's unit economics and cash, from its pilot-to-scale funnel.

    >>> venture_summary(churn=0.15)                                            # no browser needed
    >>> explore_venture(churn=0.15)                                            # in a notebook
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import pandas as pd

from course import metrics, plots
from course.explore._base import _Simulator, _slider_maker

__all__ = ["VENTURE_DEFAULTS", "VentureSimulator", "VentureSummary", "draw_venture", "explore_venture", "venture_summary"]


#: The base case of a GovTech venture selling a one-stop bereavement product to
#: municipalities (05-venture-leadership). Every number is an assumption, for teaching, except
#: the discount rate: module 3's 4%, the rate Japan's road projects are appraised with.
VENTURE_DEFAULTS = {
    "pilots_per_year": 12,  # assumption: places that run a pilot each year
    "conversion": 0.5,  # assumption: share of pilots that become paying customers
    "churn": 0.08,  # assumption: share of paying customers lost each year
    "price": 1_500_000.0,  # assumption: yen a customer pays a year (average over sizes)
    "cost_to_serve": 400_000.0,  # assumption: yen a year to host and support one customer
    "pilot_cost": 1_200_000.0,  # assumption: yen to run one pilot (staff, travel, set-up)
    "fixed_cost": 15_000_000.0,  # assumption: yen a year for the core team and the platform
    "years": 12,  # the horizon
    "discount_rate": 0.04,  # MLIT Road Bureau, Cost-Benefit Analysis Manual (2008): 4% a year, as in module 3
}


@dataclass(frozen=True)
class VentureSummary:
    """A venture's unit economics and cash, year by year, for one set of assumptions.

    Attributes:
        parameters: every parameter used (VENTURE_DEFAULTS with the changes applied).
        by_year: one row per year 1..years: year, customers (expected, end of year),
            revenue, serve_cost, pilot_cost, fixed_cost, net (yen of that year),
            discount_factor (1 / (1 + discount_rate) ** year), discounted_net (net in today's
            yen) and cumulative (the running total of discounted_net: the cash curve).
        acquisition_cost: yen of pilots spent per paying customer (pilot_cost / conversion).
        yearly_margin: yen a customer brings in a year after the cost to serve it.
        payback_months: months of margin to earn back the acquisition cost (inf: never;
            not discounted, as payback is usually quoted).
        ltv: lifetime value: the yearly margin over the customer's expected life (1 / churn
            years), discounted (course.metrics.lifetime_value).
        ltv_to_cac: ltv over the acquisition cost (NaN if the acquisition cost is 0).
        breakeven_year: the first year whose cumulative discounted cash is 0 or more (None:
            not within the horizon).
    """

    parameters: dict
    by_year: pd.DataFrame
    acquisition_cost: float
    yearly_margin: float
    payback_months: float
    ltv: float
    ltv_to_cac: float
    breakeven_year: int | None

    def text(self) -> str:
        """One line describing the result, as the simulator shows it."""
        payback = "never" if self.payback_months == float("inf") else f"{self.payback_months:.0f} months"
        low = self.by_year["cumulative"].min()
        end = self.by_year.iloc[-1]
        parts = [
            f"Each customer costs {self.acquisition_cost / 1e6:,.2f} million yen of pilots and pays it back in {payback}",
            f"(discounted lifetime margin / acquisition cost = {self.ltv_to_cac:.1f}).",
            f"{end['customers']:.0f} paying customers after {int(end['year'])} years;",
            f"at a {self.parameters['discount_rate']:.0%} discount rate, the cash need peaks at "
            f"{-min(low, 0) / 1e6:,.0f} million yen in today's yen;",
            f"cumulative discounted cash turns positive in year {self.breakeven_year}." if self.breakeven_year is not None
            else "cumulative discounted cash is still negative at the horizon.",
            "(All numbers are assumptions.)",
        ]
        return " ".join(parts)


def venture_summary(**parameters: float) -> VentureSummary:
    """Compute a venture's unit economics and yearly cash from its funnel and prices.

    Customers follow course.metrics.customers_by_year; in year t the venture earns
    customers × price, pays customers × cost_to_serve, pilots_per_year × pilot_cost and the
    fixed cost: net = revenue - serve_cost - pilot_cost - fixed_cost. (Simplification:
    customers won in a year pay for that whole year.) Each year's net comes at the end of the
    year and is discounted to today, net / (1 + discount_rate) ** year, as module 3's NPV
    does; the cash curve is the running total of the discounted nets, and the lifetime value
    discounts a customer's margins the same way.

    Args:
        **parameters: any of VENTURE_DEFAULTS' keys (conversion, churn and discount_rate are
            shares, e.g. 0.5, 0.08 and 0.04; money in yen); the others keep their defaults.

    Returns:
        A VentureSummary.

    Raises:
        ValueError: an unknown parameter, or a value out of range (a negative amount, a
            share outside 0-1, a discount rate of -100% or less, fewer than 1 year).
    """
    unknown = sorted(set(parameters) - set(VENTURE_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r}. Use any of {list(VENTURE_DEFAULTS)}.")
    p = {**VENTURE_DEFAULTS, **parameters}
    for key in ("price", "cost_to_serve", "pilot_cost", "fixed_cost"):
        if p[key] < 0:
            raise ValueError(f"{key} cannot be negative, got {p[key]!r}.")
    if not p["discount_rate"] > -1:
        raise ValueError(f"discount_rate must be more than -1 (write 4% as 0.04), got {p['discount_rate']!r}.")
    if int(p["years"]) != p["years"]:
        raise ValueError(f"years must be a whole number of at least 1, got {p['years']!r}.")
    p["years"] = int(p["years"])
    customers = metrics.customers_by_year(p["pilots_per_year"], p["conversion"], p["churn"], p["years"])
    table = pd.DataFrame({"year": customers.index.to_numpy(), "customers": customers.to_numpy()})
    table["revenue"] = table["customers"] * p["price"]
    table["serve_cost"] = table["customers"] * p["cost_to_serve"]
    table["pilot_cost"] = float(p["pilots_per_year"] * p["pilot_cost"])
    table["fixed_cost"] = float(p["fixed_cost"])
    table["net"] = table["revenue"] - table["serve_cost"] - table["pilot_cost"] - table["fixed_cost"]
    table["discount_factor"] = 1.0 / (1.0 + p["discount_rate"]) ** table["year"].astype(float)
    table["discounted_net"] = table["net"] * table["discount_factor"]
    table["cumulative"] = table["discounted_net"].cumsum()

    margin = float(p["price"] - p["cost_to_serve"])
    cac = float(p["pilot_cost"] / p["conversion"]) if p["conversion"] > 0 else float("inf")
    ltv = metrics.lifetime_value(margin, p["churn"], p["discount_rate"])
    if cac == 0 or (np.isinf(cac) and np.isinf(ltv)):
        ratio = float("nan")
    else:
        ratio = ltv / cac
    reached = table.loc[table["cumulative"] >= 0, "year"]
    return VentureSummary(
        parameters=p,
        by_year=table,
        acquisition_cost=cac,
        yearly_margin=margin,
        payback_months=metrics.payback_months(cac, margin) if np.isfinite(cac) else float("inf"),
        ltv=ltv,
        ltv_to_cac=float(ratio),
        breakeven_year=int(reached.iloc[0]) if len(reached) else None,
    )


def draw_venture(summary: VentureSummary, show: bool = True):
    """Draw a summary as a course figure: the cumulative cash curve, year by year.

    Args:
        summary: from venture_summary().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    table = summary.by_year.assign(cumulative_million=summary.by_year["cumulative"] / 1e6)
    low = table["cumulative_million"].min()
    turn = (f"turns positive in year {summary.breakeven_year}" if summary.breakeven_year is not None
            else "is still below zero at the horizon")
    alt = (
        f"Cumulative discounted cash falls to {low:+,.0f} million yen (the money the venture must raise) "
        f"and ends at {table['cumulative_million'].iloc[-1]:+,.0f} million yen in year {int(table['year'].iloc[-1])}: "
        f"it {turn}."
    )
    return plots.plot_trend(
        table,
        "year",
        "cumulative_million",
        references={"break-even": 0.0},
        y_from_zero=False,
        title=f"Cumulative cash of the GovTech venture, discounted at {summary.parameters['discount_rate']:.0%} (assumed numbers)",
        xlabel="Year after the first pilots",
        ylabel="Cumulative discounted cash (million yen today)",
        alt=alt,
        show=show,
    )


class VentureSimulator(_Simulator):
    """Sliders for the funnel, prices and costs; a unit-economics line and a cash curve that follow them.

    Attributes:
        pilots_per_year, conversion, churn, price, cost_to_serve, pilot_cost, fixed_cost,
            discount_rate: the sliders (money sliders in million yen).
        summary_html: the HTML lines with payback, LTV/CAC, break-even and the figure's alt text.
        figure: the Image widget holding the figure (PNG).
        summary: the latest VentureSummary.
    """

    def __init__(self, draw: bool | None = None, **parameters: float) -> None:
        self._fixed = {**VENTURE_DEFAULTS, **parameters}
        venture_summary(**self._fixed)  # fail early on a bad parameter
        self._draw = plots._in_notebook() if draw is None else draw  # noqa: SLF001
        f = self._fixed
        slider = _slider_maker("200px")
        self.pilots_per_year = slider(widgets.IntSlider, int(f["pilots_per_year"]), 0, 50, 1, "Pilots a year", "d")
        self.conversion = slider(widgets.FloatSlider, f["conversion"], 0.0, 1.0, 0.05, "Pilot → paying (share)", ".0%")
        self.churn = slider(widgets.FloatSlider, f["churn"], 0.0, 0.5, 0.01, "Churn (share a year)", ".0%")
        self.price = slider(widgets.FloatSlider, f["price"] / 1e6, 0.0, 10.0, 0.1, "Price (million yen/year)", ".1f")
        self.cost_to_serve = slider(widgets.FloatSlider, f["cost_to_serve"] / 1e6, 0.0, 5.0, 0.05, "Cost to serve (million yen/year)", ".2f")
        self.pilot_cost = slider(widgets.FloatSlider, f["pilot_cost"] / 1e6, 0.0, 10.0, 0.1, "Pilot cost (million yen)", ".1f")
        self.fixed_cost = slider(widgets.FloatSlider, f["fixed_cost"] / 1e6, 0.0, 100.0, 1.0, "Fixed cost (million yen/year)", ".0f")
        self.discount_rate = slider(widgets.FloatSlider, f["discount_rate"], 0.0, 0.15, 0.01, "Discount rate (a year)", ".0%")
        self.summary: VentureSummary | None = None
        self._start([self.pilots_per_year, self.conversion, self.churn, self.price, self.cost_to_serve,
                     self.pilot_cost, self.fixed_cost, self.discount_rate])

    def parameters(self) -> dict:
        """The parameters the sliders show now, in venture_summary()'s units."""
        return {
            **self._fixed,
            "pilots_per_year": self.pilots_per_year.value,
            "conversion": self.conversion.value,
            "churn": self.churn.value,
            "price": self.price.value * 1e6,
            "cost_to_serve": self.cost_to_serve.value * 1e6,
            "pilot_cost": self.pilot_cost.value * 1e6,
            "fixed_cost": self.fixed_cost.value * 1e6,
            "discount_rate": self.discount_rate.value,
        }

    def _summarize(self):
        return venture_summary(**self.parameters())

    def _draw_figure(self, summary):
        return draw_venture(summary, show=False)


def explore_venture(**parameters: float) -> VentureSimulator:
    """Build the venture simulator: move the funnel, prices and costs; see the payback and the cash curve.

    Display the returned widget (it is the last line of a cell, or pass it to display()).

    Args:
        **parameters: starting values for any of VENTURE_DEFAULTS' keys (e.g. churn=0.15).

    Returns:
        The simulator widget; its sliders are .pilots_per_year, .conversion, .churn, .price,
        .cost_to_serve, .pilot_cost, .fixed_cost and .discount_rate.

    Raises:
        ValueError: an unknown parameter or a value out of range (see venture_summary).
    """
    return VentureSimulator(**parameters)

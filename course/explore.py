"""Interactive explorers for the teaching notebooks: the numbers come from plain functions, the widgets only wire controls to them.

    >>> explorer_summary(visits, "median minutes per visit", branch="North")   # no browser needed
    >>> explore_service_desk(visits)                                           # in a notebook
    >>> capacity_summary(scored, k=10)                                         # no browser needed
    >>> explore_capacity(scored, shares=shares)                                # in a notebook
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course import metrics, plots

__all__ = [
    "ALLOCATIONS",
    "METRICS",
    "CapacityExplorer",
    "CapacitySummary",
    "ExplorerSummary",
    "ServiceDeskExplorer",
    "capacity_summary",
    "draw_capacity",
    "draw_summary",
    "explore_capacity",
    "explore_service_desk",
    "explorer_summary",
]

ALL = "All branches"
METRICS = {
    "median minutes per visit": "Median minutes per visit",
    "visits per 1,000 residents": "Visits per 1,000 residents per month",
    "forms filled per visit": "Mean forms filled per visit",
}


@dataclass(frozen=True)
class ExplorerSummary:
    """What the explorer shows for one choice of metric, branch and months.

    Attributes:
        metric: the metric's name (a key of METRICS).
        branch: the branch, or "All branches".
        monthly: one row per month: month (Timestamp), value, period ("before",
            "after", or "partly reformed" when the selected branches differ).
        baseline: the metric over the selected months' pre-reform visits (NaN if none).
        after: the metric over the selected months' post-reform visits (NaN if none).
        n_visits: visits in the selection (in the data as loaded, before any rescaling).
        reform_months: branch -> first month of its reform, for the selected branches.
    """

    metric: str
    branch: str
    monthly: pd.DataFrame
    baseline: float
    after: float
    n_visits: int
    reform_months: dict[str, pd.Timestamp]

    def text(self) -> str:
        """One line describing the selection, as the explorer shows it."""
        parts = [f"{self.branch}, {self.metric}:"]
        parts.append(f"pre-reform baseline {_number(self.baseline)};" if self.baseline == self.baseline else "no pre-reform visits selected;")
        if self.after == self.after:
            change = f" ({(self.after / self.baseline - 1) * 100:+.0f}%)" if self.baseline == self.baseline and self.baseline else ""
            parts.append(f"after the reform {_number(self.after)}{change}.")
        else:
            parts.append("no post-reform visits selected.")
        parts.append(f"{self.n_visits:,} visits selected (synthetic data).")
        return " ".join(parts)


def _number(value: float) -> str:
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _months(visits: pd.DataFrame) -> pd.DatetimeIndex:
    first = visits["visit_date"].min().to_period("M")
    last = visits["visit_date"].max().to_period("M")
    return pd.period_range(first, last, freq="M").to_timestamp()


def explorer_summary(
    visits: pd.DataFrame,
    metric: str = "median minutes per visit",
    branch: str = ALL,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    sample_frac: float | None = None,
) -> ExplorerSummary:
    """Compute a service-desk metric by month, and its pre-reform baseline, for one selection.

    Args:
        visits: the table from course.datasets.load_service_desk_visits().
        metric: one of METRICS: "median minutes per visit", "visits per 1,000 residents"
            (per month) or "forms filled per visit" (mean).
        branch: a branch name, or "All branches".
        start: the first month to include, e.g. "2022-04" (None: the first month in the data).
        end: the last month to include, e.g. "2025-03" (None: the last month in the data).
        sample_frac: the share of rows the table was sampled to; counts are divided by it so
            that rates estimate the full data (None: read it from visits.attrs, else 1.0).

    Returns:
        An ExplorerSummary.

    Raises:
        ValueError: unknown metric or branch, or start after end.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}. Choose one of {list(METRICS)}.")
    branches = sorted(visits["branch"].unique())
    if branch != ALL and branch not in branches:
        raise ValueError(f"unknown branch {branch!r}. Choose {ALL!r} or one of {branches}.")
    if sample_frac is None:
        sample_frac = float(visits.attrs.get("sample_frac", 1.0))
    months = _months(visits)
    start_month = pd.Timestamp(start).to_period("M").to_timestamp() if start is not None else months[0]
    end_month = pd.Timestamp(end).to_period("M").to_timestamp() if end is not None else months[-1]
    if start_month > end_month:
        raise ValueError(f"start ({start_month:%Y-%m}) is after end ({end_month:%Y-%m}). Swap them.")
    months = months[(months >= start_month) & (months <= end_month)]

    selected = visits if branch == ALL else visits[visits["branch"] == branch]
    month_of_visit = selected["visit_date"].dt.to_period("M").dt.to_timestamp()
    selected = selected.assign(month=month_of_visit)
    selected = selected[selected["month"].isin(months)]
    info = visits.groupby("branch").agg(population=("branch_population", "first"), reform=("reform_start", "first"))
    if branch != ALL:
        info = info.loc[[branch]]

    # one row per (branch, month): is it before the reform there, and how many residents
    grid = pd.MultiIndex.from_product([info.index, months], names=["branch", "month"]).to_frame(index=False)
    grid["population"] = grid["branch"].map(info["population"])
    grid["after"] = grid["month"] >= grid["branch"].map(info["reform"])
    month_state = grid.groupby("month")["after"].agg(["all", "any"])
    period = pd.Series("partly reformed", index=month_state.index)
    period[month_state["all"]] = "after"
    period[~month_state["any"]] = "before"

    if metric == "visits per 1,000 residents":
        counts = selected.groupby(["branch", "month"]).size().rename("visits")
        grid = grid.join(counts, on=["branch", "month"]).fillna({"visits": 0})
        grid["visits"] = grid["visits"] / sample_frac
        by_month = grid.groupby("month")[["visits", "population"]].sum()
        values = by_month["visits"] / by_month["population"] * 1000

        def pooled(rows: pd.DataFrame) -> float:
            return float(rows["visits"].sum() / rows["population"].sum() * 1000) if len(rows) else float("nan")

        baseline = pooled(grid[~grid["after"]])
        after = pooled(grid[grid["after"]])
    else:
        column, statistic = ("minutes", "median") if metric == "median minutes per visit" else ("forms_filled", "mean")
        values = selected.groupby("month")[column].agg(statistic).reindex(months)
        is_after = selected["period"] == "after"
        baseline = float(selected.loc[~is_after, column].agg(statistic)) if (~is_after).any() else float("nan")
        after = float(selected.loc[is_after, column].agg(statistic)) if is_after.any() else float("nan")

    monthly = pd.DataFrame({"month": months, "value": values.reindex(months).to_numpy(), "period": period.reindex(months).to_numpy()})
    return ExplorerSummary(
        metric=metric,
        branch=branch,
        monthly=monthly,
        baseline=baseline,
        after=after,
        n_visits=int(len(selected)),
        reform_months={b: pd.Timestamp(r) for b, r in info["reform"].items()},
    )


def draw_summary(summary: ExplorerSummary, show: bool = True):
    """Draw a summary as a course figure: the monthly trend, reform months and the baseline.

    Args:
        summary: from explorer_summary().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    events = {f"{b} reform": when for b, when in summary.reform_months.items() if summary.monthly["month"].min() <= when <= summary.monthly["month"].max()}
    references = {"pre-reform baseline": summary.baseline} if summary.baseline == summary.baseline else {}
    alt = (
        f"{METRICS[summary.metric]} for {summary.branch}, month by month, with the reform month marked "
        f"by dotted lines. Pre-reform baseline {_number(summary.baseline)}, after the reform {_number(summary.after)}."
    )
    return plots.plot_trend(
        summary.monthly,
        "month",
        "value",
        group="period",
        events=events,
        references=references,
        title=f"{METRICS[summary.metric]}: {summary.branch} (synthetic data)",
        xlabel="Month",
        ylabel=METRICS[summary.metric],
        alt=alt,
        label_ends=False,
        show=show,
    )


class ServiceDeskExplorer(widgets.VBox):
    """A metric, a branch and a range of months; a summary line and a figure that follow them.

    Attributes:
        metric: the metric Dropdown.
        branch: the branch Dropdown.
        months: the SelectionRangeSlider of months.
        summary_html: the HTML line with the baseline and after values.
        figure: the Image widget showing the figure.
        summary: the latest ExplorerSummary.
    """

    def __init__(self, visits: pd.DataFrame, draw: bool | None = None) -> None:
        self._visits = visits
        self._draw = plots._in_notebook() if draw is None else draw  # noqa: SLF001
        months = [m.strftime("%Y-%m") for m in _months(visits)]
        self.metric = widgets.Dropdown(options=list(METRICS), value="median minutes per visit", description="Metric")
        self.branch = widgets.Dropdown(options=[ALL, *sorted(visits["branch"].unique())], value=ALL, description="Branch")
        self.months = widgets.SelectionRangeSlider(
            options=months, index=(0, len(months) - 1), description="Months", layout=widgets.Layout(width="90%")
        )
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))
        self.summary: ExplorerSummary | None = None
        controls = widgets.HBox([self.metric, self.branch])
        super().__init__([controls, self.months, self.summary_html, self.figure])
        for control in (self.metric, self.branch, self.months):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        start, end = self.months.value
        self.summary = explorer_summary(self._visits, self.metric.value, self.branch.value, start, end)
        text = f"<p>{self.summary.text()}</p>"
        if self._draw:
            self.figure.value, alt = _render(draw_summary(self.summary, show=False))
            text += _caption(alt)
        self.summary_html.value = text


def _render(ax) -> tuple[bytes, str]:
    """A figure as PNG bytes for an Image widget, and its alt text; the figure is closed.

    Explorers show figures in an Image widget rather than an Output widget: notebook
    runners (nbclient, hence papermill and nbgrader) sometimes hang on displays captured
    by an Output widget (jupyter/nbclient#312).
    """
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    plt.close(ax.figure)
    return buffer.getvalue(), plots.alt_text(ax) or ""


def _caption(alt: str) -> str:
    # the Image widget has no alt attribute: the alt text is written under it instead
    return f"<p><em>Figure: {html.escape(alt)}</em></p>"


def explore_service_desk(visits: pd.DataFrame) -> ServiceDeskExplorer:
    """Build the service-desk explorer: pick a metric, a branch and months; see the trend and baseline.

    Display the returned widget (it is the last line of a cell, or pass it to display()).

    Args:
        visits: the table from course.datasets.load_service_desk_visits().

    Returns:
        The explorer widget; its controls are .metric, .branch and .months (also in .children).
    """
    return ServiceDeskExplorer(visits)


# -- module 3: the cost-benefit simulator ------------------------------------------------

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
        title="Cumulative discounted net benefit of the one-stop desk (assumed unit costs)",
        xlabel="Year after launch (0 = launch)",
        ylabel="Cumulative present value (million yen)",
        alt=alt,
        show=show,
    )


def _slider_maker(label_width: str):
    """A slider factory for the simulators: same width, label width and update-on-release behaviour."""
    style, layout = {"description_width": label_width}, widgets.Layout(width="520px")

    def slider(kind, value, low, high, step, description, fmt):
        return kind(value=value, min=low, max=high, step=step, description=description,
                    readout_format=fmt, style=style, layout=layout, continuous_update=False)

    return slider


class _Simulator(widgets.VBox):
    """Sliders over a model's parameters, with a summary line and a figure that follow them.

    A subclass makes its sliders, then calls ``_start(controls)``; it defines ``parameters()``,
    ``_summarize()`` (the model's summary for the sliders' values) and ``_draw_figure(summary)``.
    """

    _escape = True  # the summary's text is plain text, shown in HTML

    def _start(self, controls: list) -> None:
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))  # see _render
        super().__init__([*controls, self.summary_html, self.figure])
        for control in controls:
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        self.summary = self._summarize()
        line = self.summary.text()
        text = f"<p>{html.escape(line) if self._escape else line}</p>"
        if self._draw:
            self.figure.value, alt = _render(self._draw_figure(self.summary))
            text += _caption(alt)
        self.summary_html.value = text


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
        self.discount_rate = slider(widgets.FloatSlider, f["discount_rate"], 0.0, 0.10, 0.005, "Discount rate", ".1%")
        self.adoption = slider(widgets.FloatSlider, f["adoption"], 0.0, 1.0, 0.05, "Adoption (share of cases)", ".0%")
        self.resident_value = slider(widgets.IntSlider, int(f["resident_value_per_hour"]), 0, 5000, 100, "Resident time (yen/hour)", ",d")
        self.staff_cost = slider(widgets.IntSlider, int(f["staff_cost_per_hour"]), 0, 10000, 250, "Staff cost (yen/hour)", ",d")
        self.system_cost = slider(widgets.FloatSlider, f["system_cost"] / 1e6, 0.0, 100.0, 1.0, "System cost (million yen)", ".0f")
        self.running_cost = slider(widgets.FloatSlider, f["running_cost"] / 1e6, 0.0, 20.0, 0.5, "Running cost (million yen/year)", ".1f")
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


__all__ += ["NPV_DEFAULTS", "NPVSimulator", "NPVSummary", "draw_npv", "explore_npv", "npv_summary"]


# --- Module 2: a team that can check only k cases a week -------------------------------

ALLOCATIONS = {
    "highest scores": "the k highest scores each week",
    "group shares": "each group's share of the k places reserved first, then the highest scores",
}
RATES = {
    "selection_rate": "selection rate",
    "false_negative_rate": "false negative rate",
    "precision": "precision at k",
}


@dataclass(frozen=True)
class CapacitySummary:
    """What the capacity explorer shows for one choice of score, k and allocation.

    Attributes:
        score: the score column that ranks the cases.
        k: cases the team checks each week.
        allocation: a key of ALLOCATIONS.
        n_cases: cases in the table.
        n_selected: cases selected over all weeks.
        precision: share of the selected cases that were positive (NaN if none selected).
        recall: share of the positive cases that were selected (NaN if none was positive).
        by_group: one row per group: cases, positives, selected, base_rate,
            selection_rate, false_negative_rate (share of the group's positives not
            selected; NaN if it has none), precision (NaN if none of it was selected).
    """

    score: str
    k: int
    allocation: str
    n_cases: int
    n_selected: int
    precision: float
    recall: float
    by_group: pd.DataFrame

    def text(self) -> str:
        """One line describing the selection, as the explorer shows it."""
        def share(value: float) -> str:
            return "n/a" if value != value else f"{value:.0%}"

        gap = self.by_group["false_negative_rate"].dropna()
        spread = f" Miss rates range from {gap.min():.0%} to {gap.max():.0%} across groups." if len(gap) > 1 else ""
        return (
            f"{self.k} checks a week by {self.score} ({self.allocation}): {self.n_selected:,} of "
            f"{self.n_cases:,} cases selected; precision {share(self.precision)}, recall {share(self.recall)}."
            f"{spread} (synthetic data)"
        )


def _group_rates(outcome: pd.Series, selected: pd.Series, group: pd.Series) -> pd.DataFrame:
    """Selection rate, false negative rate and precision of a selection, group by group.

    Args:
        outcome: 1 for a positive case (e.g. returned), 0 otherwise.
        selected: True for the cases the team checks.
        group: the group of each case (e.g. the age group).

    Returns:
        One row per group (sorted): cases, positives, selected, base_rate, selection_rate,
        false_negative_rate, precision.
    """
    frame = pd.DataFrame({
        "group": np.asarray(group),
        "positive": np.asarray(outcome).astype(bool),
        "selected": np.asarray(selected).astype(bool),
    })
    frame["hit"] = frame["positive"] & frame["selected"]
    frame["missed"] = frame["positive"] & ~frame["selected"]
    by = frame.groupby("group")
    table = pd.DataFrame({
        "cases": by.size(),
        "positives": by["positive"].sum(),
        "selected": by["selected"].sum(),
    })
    table["base_rate"] = table["positives"] / table["cases"]
    table["selection_rate"] = table["selected"] / table["cases"]
    table["false_negative_rate"] = (by["missed"].sum() / table["positives"]).where(table["positives"] > 0)
    table["precision"] = (by["hit"].sum() / table["selected"]).where(table["selected"] > 0)
    table.index.name = group.name if isinstance(group, pd.Series) and group.name else "group"
    return table


def capacity_summary(
    scored: pd.DataFrame,
    k: int,
    score: str = "score",
    allocation: str = "highest scores",
    shares: pd.Series | dict | None = None,
    outcome: str = "returned",
    group: str = "age_group",
    per: str = "week_start",
) -> CapacitySummary:
    """Select k cases per week by a score, and measure the selection overall and per group.

    Args:
        scored: one row per case, with the score, outcome, group and week columns.
        k: cases the team checks each week.
        score: the column to rank by (higher: check first).
        allocation: "highest scores" (course.metrics.top_k) or "group shares"
            (course.metrics.top_k_with_quotas with ``shares``).
        shares: group -> share of the places, needed for "group shares".
        outcome: the column holding 1 for a positive case and 0 otherwise.
        group: the column with the group of each case.
        per: the column with the week of each case.

    Returns:
        A CapacitySummary.

    Raises:
        ValueError: a column is missing, the allocation is unknown, or "group shares"
            is asked without shares.
    """
    missing = [c for c in (score, outcome, group, per) if c not in scored.columns]
    if missing:
        raise ValueError(f"the table has no column {missing[0]!r}. Add it, or name the right column (score=..., group=...).")
    if allocation not in ALLOCATIONS:
        raise ValueError(f"unknown allocation {allocation!r}. Choose one of {list(ALLOCATIONS)}.")
    if allocation == "group shares":
        if shares is None:
            raise ValueError('"group shares" needs shares: one share of the places per group, e.g. each group\'s share of past returns.')
        selected = metrics.top_k_with_quotas(scored[score], k, scored[per], scored[group], shares)
    else:
        selected = metrics.top_k(scored[score], k, per=scored[per])
    positive = scored[outcome].to_numpy().astype(bool)
    n_selected = int(selected.sum())
    return CapacitySummary(
        score=score,
        k=int(k),
        allocation=allocation,
        n_cases=len(scored),
        n_selected=n_selected,
        precision=float(positive[selected].mean()) if n_selected else float("nan"),
        recall=float(positive[selected].sum() / positive.sum()) if positive.any() else float("nan"),
        by_group=_group_rates(scored[outcome], pd.Series(selected, index=scored.index), scored[group]),
    )


def draw_capacity(summary: CapacitySummary, show: bool = True):
    """Draw a summary as a course figure: selection rate, miss rate and precision, group by group.

    Args:
        summary: from capacity_summary().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    group = summary.by_group.index.name or "group"
    long = (
        summary.by_group[list(RATES)]
        .rename(columns=RATES)
        .reset_index()
        .melt(id_vars=group, var_name="rate", value_name="value")
    )
    worst = summary.by_group["false_negative_rate"].idxmax() if summary.by_group["false_negative_rate"].notna().any() else None
    alt = (
        f"Bars per {group.replace('_', ' ')} for the selection rate, the false negative rate and precision at k, "
        f"with {summary.k} checks a week ({summary.allocation}). Overall precision {summary.precision:.0%}, recall {summary.recall:.0%}"
        + (f"; the highest miss rate is in group {worst}, {summary.by_group.loc[worst, 'false_negative_rate']:.0%}." if worst is not None else ".")
    )
    return plots.plot_bars(
        long,
        group,
        "value",
        hue="rate",
        value_format="{:.2f}",
        title=f"Who is selected with {summary.k} checks a week (synthetic data)",
        xlabel=group.replace("_", " ").capitalize(),
        ylabel="Share (0 to 1)",
        alt=alt,
        show=show,
    )


class CapacityExplorer(widgets.VBox):
    """A score, a weekly capacity k and an allocation rule; a summary, a table and a figure that follow them.

    Attributes:
        score: the Dropdown of score columns.
        k: the IntSlider of checks per week.
        allocation: the ToggleButtons of allocation rules (ALLOCATIONS).
        summary_html: the HTML line with overall precision and recall.
        table_html: the HTML table of per-group rates.
        figure: the Image widget showing the figure.
        summary: the latest CapacitySummary.
    """

    def __init__(
        self,
        scored: pd.DataFrame,
        scores: list[str] | tuple[str, ...] = ("score",),
        shares: pd.Series | dict | None = None,
        k: int = 10,
        max_k: int | None = None,
        outcome: str = "returned",
        group: str = "age_group",
        per: str = "week_start",
        draw: bool | None = None,
    ) -> None:
        self._scored = scored
        self._shares = shares
        self._columns = {"outcome": outcome, "group": group, "per": per}
        self._draw = plots._in_notebook() if draw is None else draw  # noqa: SLF001
        largest_week = int(scored.groupby(per).size().max())
        max_k = max_k or largest_week
        self.score = widgets.Dropdown(options=list(scores), value=list(scores)[0], description="Rank by")
        self.k = widgets.IntSlider(value=min(k, max_k), min=1, max=max_k, description="k a week", continuous_update=False)
        options = list(ALLOCATIONS) if shares is not None else ["highest scores"]
        self.allocation = widgets.ToggleButtons(options=options, value="highest scores", description="Allocation")
        self.summary_html = widgets.HTML()
        self.table_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))
        self.summary: CapacitySummary | None = None
        super().__init__([widgets.HBox([self.score, self.k]), self.allocation, self.summary_html, self.table_html, self.figure])
        for control in (self.score, self.k, self.allocation):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        self.summary = capacity_summary(
            self._scored, self.k.value, self.score.value, self.allocation.value, self._shares, **self._columns
        )
        text = f"<p>{self.summary.text()}</p>"
        shown = self.summary.by_group[["cases", "selected", "base_rate", *RATES]].rename(columns={**RATES, "base_rate": "base rate"})
        self.table_html.value = shown.to_html(float_format=lambda v: f"{v:.2f}", na_rep="n/a")
        if self._draw:
            self.figure.value, alt = _render(draw_capacity(self.summary, show=False))
            text += _caption(alt)
        self.summary_html.value = text


def explore_capacity(
    scored: pd.DataFrame,
    scores: list[str] | tuple[str, ...] = ("score",),
    shares: pd.Series | dict | None = None,
    k: int = 10,
    outcome: str = "returned",
    group: str = "age_group",
    per: str = "week_start",
) -> CapacityExplorer:
    """Build the capacity explorer: move k, pick a score and an allocation; see who is selected.

    Display the returned widget (it is the last line of a cell, or pass it to display()).

    Args:
        scored: one row per case with the score columns, the outcome, the group and the week.
        scores: the score columns to choose from (higher: check first).
        shares: group -> share of the places; offers the "group shares" allocation.
        k: the starting number of checks a week.
        outcome: the outcome column (1 positive, 0 not).
        group: the group column.
        per: the week column.

    Returns:
        The explorer widget; its controls are .score, .k and .allocation.
    """
    return CapacityExplorer(scored, scores, shares, k=k, outcome=outcome, group=group, per=per)


# --- module 5 (05-venture-leadership): unit economics and the pilot-to-scale funnel ------

#: The base case of a GovTech venture selling a one-stop bereavement product to
#: municipalities (05-venture-leadership). Every number is an assumption, for teaching.
VENTURE_DEFAULTS = {
    "pilots_per_year": 12,  # assumption: places that run a pilot each year
    "conversion": 0.5,  # assumption: share of pilots that become paying customers
    "churn": 0.08,  # assumption: share of paying customers lost each year
    "price": 1_500_000.0,  # assumption: yen a customer pays a year (average over sizes)
    "cost_to_serve": 400_000.0,  # assumption: yen a year to host and support one customer
    "pilot_cost": 1_200_000.0,  # assumption: yen to run one pilot (staff, travel, set-up)
    "fixed_cost": 15_000_000.0,  # assumption: yen a year for the core team and the platform
    "years": 12,  # the horizon
}


@dataclass(frozen=True)
class VentureSummary:
    """A venture's unit economics and cash, year by year, for one set of assumptions.

    Attributes:
        parameters: every parameter used (VENTURE_DEFAULTS with the changes applied).
        by_year: one row per year 1..years: year, customers (expected, end of year),
            revenue, serve_cost, pilot_cost, fixed_cost, net and cumulative (yen).
        acquisition_cost: yen of pilots spent per paying customer (pilot_cost / conversion).
        yearly_margin: yen a customer brings in a year after the cost to serve it.
        payback_months: months of margin to earn back the acquisition cost (inf: never).
        ltv_to_cac: lifetime margin (yearly_margin / churn) over the acquisition cost (inf if
            no churn; NaN if the acquisition cost is 0).
        breakeven_year: the first year whose cumulative cash is 0 or more (None: not within
            the horizon).
    """

    parameters: dict
    by_year: pd.DataFrame
    acquisition_cost: float
    yearly_margin: float
    payback_months: float
    ltv_to_cac: float
    breakeven_year: int | None

    def text(self) -> str:
        """One line describing the result, as the simulator shows it."""
        payback = "never" if self.payback_months == float("inf") else f"{self.payback_months:.0f} months"
        low = self.by_year["cumulative"].min()
        end = self.by_year.iloc[-1]
        parts = [
            f"Each customer costs {self.acquisition_cost / 1e6:,.2f} million yen of pilots and pays it back in {payback}",
            f"(lifetime margin / acquisition cost = {self.ltv_to_cac:.1f}).",
            f"{end['customers']:.0f} paying customers after {int(end['year'])} years;",
            f"the cash need peaks at {-min(low, 0) / 1e6:,.0f} million yen;",
            f"cumulative cash turns positive in year {self.breakeven_year}." if self.breakeven_year is not None
            else "cumulative cash is still negative at the horizon.",
            "(All numbers are assumptions.)",
        ]
        return " ".join(parts)


def venture_summary(**parameters: float) -> VentureSummary:
    """Compute a venture's unit economics and yearly cash from its funnel and prices.

    Customers follow course.metrics.customers_by_year; in year t the venture earns
    customers × price, pays customers × cost_to_serve, pilots_per_year × pilot_cost and the
    fixed cost: net = revenue - serve_cost - pilot_cost - fixed_cost. (Simplification:
    customers won in a year pay for that whole year.) Nothing is discounted.

    Args:
        **parameters: any of VENTURE_DEFAULTS' keys (conversion and churn are shares, e.g.
            0.5 and 0.08; money in yen); the others keep their defaults.

    Returns:
        A VentureSummary.

    Raises:
        ValueError: an unknown parameter, or a value out of range (a negative amount, a
            share outside 0-1, fewer than 1 year).
    """
    unknown = sorted(set(parameters) - set(VENTURE_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter {unknown[0]!r}. Use any of {list(VENTURE_DEFAULTS)}.")
    p = {**VENTURE_DEFAULTS, **parameters}
    for key in ("price", "cost_to_serve", "pilot_cost", "fixed_cost"):
        if p[key] < 0:
            raise ValueError(f"{key} cannot be negative, got {p[key]!r}.")
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
    table["cumulative"] = table["net"].cumsum()

    margin = float(p["price"] - p["cost_to_serve"])
    cac = float(p["pilot_cost"] / p["conversion"]) if p["conversion"] > 0 else float("inf")
    if cac == 0:
        ratio = float("nan")
    elif p["churn"] == 0:
        ratio = float("inf") if margin > 0 else float("-inf") if margin < 0 else float("nan")
    else:
        ratio = margin / p["churn"] / cac
    reached = table.loc[table["cumulative"] >= 0, "year"]
    return VentureSummary(
        parameters=p,
        by_year=table,
        acquisition_cost=cac,
        yearly_margin=margin,
        payback_months=metrics.payback_months(cac, margin) if np.isfinite(cac) else float("inf"),
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
        f"Cumulative cash falls to {low:+,.0f} million yen (the money the venture must raise) "
        f"and ends at {table['cumulative_million'].iloc[-1]:+,.0f} million yen in year {int(table['year'].iloc[-1])}: "
        f"it {turn}."
    )
    return plots.plot_trend(
        table,
        "year",
        "cumulative_million",
        references={"break-even": 0.0},
        y_from_zero=False,
        title="Cumulative cash of the GovTech venture (assumed numbers)",
        xlabel="Year after the first pilots",
        ylabel="Cumulative cash (million yen)",
        alt=alt,
        show=show,
    )


class VentureSimulator(_Simulator):
    """Sliders for the funnel, prices and costs; a unit-economics line and a cash curve that follow them.

    Attributes:
        pilots_per_year, conversion, churn, price, cost_to_serve, pilot_cost, fixed_cost: the
            sliders (money sliders in million yen).
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
        self.summary: VentureSummary | None = None
        self._start([self.pilots_per_year, self.conversion, self.churn, self.price, self.cost_to_serve,
                     self.pilot_cost, self.fixed_cost])

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
        .cost_to_serve, .pilot_cost and .fixed_cost.

    Raises:
        ValueError: an unknown parameter or a value out of range (see venture_summary).
    """
    return VentureSimulator(**parameters)


__all__ += ["VENTURE_DEFAULTS", "VentureSimulator", "VentureSummary", "draw_venture", "explore_venture", "venture_summary"]


# --- Module 4 (04-ai-front-desk): a retrieval assistant at the resident's front desk -------------
# Privacy guardrails (redaction before anything is logged or sent), an FAQ index, one reply
# (route, retrieve, answer with a citation or hand over), and a widget that shows all of it.
# The redaction and check-digit functions would sit better in a module of their own
# (course/privacy.py); they live here because the explorer is their first user.

import re as _re  # noqa: E402
from collections.abc import Callable as _Callable  # noqa: E402

_DIGIT = r"\d"  # Python's \d also matches full-width digits (０-９), which Japanese forms often use
_SEP = r"[-－ ]"  # a hyphen, a full-width hyphen or a space
_EMAIL = _re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_MY_NUMBER = _re.compile(rf"(?<!\d)(?:\d{{12}}|\d{{4}}(?P<sep>{_SEP})\d{{4}}(?P=sep)\d{{4}})(?!\d)")
_PHONE = _re.compile(
    rf"(?<![\d+])(?:[0０]\d{{9,10}}|(?:\+81{_SEP}?\d{{1,4}}|[0０]\d{{1,4}}){_SEP}\d{{1,4}}{_SEP}\d{{3,4}})(?!\d)"
)
_SEPARATORS = str.maketrans("", "", "-－ ")


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of an individual number (My Number), from its first 11 digits.

    The rule of the MIC ordinance (平成26年総務省令第85号, article 5): with P_n the n-th
    digit counted from the right of the 11 digits and Q_n = n + 1 for n = 1..6 and
    n - 5 for n = 7..11, the remainder r = (sum of P_n * Q_n) mod 11 gives the check
    digit 11 - r, or 0 when r <= 1.

    Args:
        first_eleven: 11 digits as text (half- or full-width).

    Returns:
        The check digit, 0 to 9.

    Raises:
        ValueError: the text is not exactly 11 digits.
    """
    if not isinstance(first_eleven, str) or not _re.fullmatch(r"\d{11}", first_eleven):
        raise ValueError(f"first_eleven must be 11 digits as text, such as '12345678901', not {first_eleven!r}.")
    digits = [int(d) for d in reversed(first_eleven)]  # P_1 is the rightmost digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(text: object) -> bool:
    """Whether text is a well-formed individual number: 12 digits with the right check digit.

    Spaces and hyphens (also full-width hyphens) are ignored, so "1234 5678 9018" is read
    as "123456789018". Digits may be half- or full-width. A valid check digit does not
    prove that the number was ever assigned to anyone.

    Args:
        text: the number as text.

    Returns:
        True if, without separators, it is exactly 12 digits and the last one is the
        check digit of the first 11; False otherwise (also for anything that is not text).
    """
    if not isinstance(text, str):
        return False
    digits = text.translate(_SEPARATORS)
    if not _re.fullmatch(r"\d{12}", digits):
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


def _digit_count(text: str) -> int:
    return sum(ch.isdecimal() for ch in text)


def _phone_or_keep(match: _re.Match) -> str:
    found = match.group(0)
    digits = _digit_count(found)
    if found.startswith("+81"):
        return "[PHONE]" if digits - 2 in (9, 10) else found
    return "[PHONE]" if digits in (10, 11) else found


def redact_personal_data(text: str) -> str:
    """Replace e-mail addresses, individual numbers and phone numbers with placeholders.

    In this order: e-mail addresses become "[EMAIL]"; 12-digit numbers (written as one
    block, or as three blocks of 4 with the same hyphen or space between them) whose
    check digit is right become "[MY_NUMBER]" (12 digits with a wrong check digit are
    left alone: they are more likely a receipt or reference number); phone numbers (10
    or 11 digits starting with 0, in one block or three groups; or +81 and the number
    without its first 0) become "[PHONE]". A number that is part of a longer run of
    digits is never replaced. Digits may be half- or full-width. Everything else is kept
    exactly as it was.

    Args:
        text: free text typed by a resident.

    Returns:
        The text with the personal data replaced.

    Raises:
        TypeError: text is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact_personal_data needs text (a str), not {type(text).__name__}.")
    text = _EMAIL.sub("[EMAIL]", text)
    text = _MY_NUMBER.sub(lambda m: "[MY_NUMBER]" if is_my_number(m.group(0)) else m.group(0), text)
    return _PHONE.sub(_phone_or_keep, text)


def faq_documents(faq: pd.DataFrame) -> pd.Series:
    """The text the assistant searches for each FAQ entry: its question and answer, in English and Japanese.

    Args:
        faq: a table from course.datasets.load_front_desk_faq().

    Returns:
        One text per entry, indexed by faq_id.
    """
    text = faq["question_en"] + " " + faq["question_ja"] + " " + faq["answer_en"] + " " + faq["answer_ja"]
    return pd.Series(text.to_numpy(), index=pd.Index(faq["faq_id"], name="faq_id"), name="document")


class FaqIndex:
    """An FAQ base made searchable: TF-IDF over character n-grams, scored by cosine similarity.

    Character n-grams (analyzer="char_wb") work for Japanese without a word tokenizer.

    Attributes:
        faq: the FAQ entries, in their original order.
        vectorizer: the fitted TfidfVectorizer.
    """

    def __init__(self, faq: pd.DataFrame, ngram_range: tuple[int, int] = (1, 3)) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if faq.empty:
            raise ValueError("the FAQ base is empty: load it with course.datasets.load_front_desk_faq().")
        self.faq = faq.reset_index(drop=True)
        documents = faq_documents(self.faq)
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True)
        self._matrix = self.vectorizer.fit_transform(documents)
        self._ids = documents.index

    def similarity(self, questions: pd.Series | list[str]) -> pd.DataFrame:
        """Cosine similarity of each question to each entry (0 to 1).

        Args:
            questions: the questions' texts (a Series keeps its index for the rows).

        Returns:
            One row per question, one column per faq_id.
        """
        index = questions.index if isinstance(questions, pd.Series) else pd.RangeIndex(len(questions))
        scores = (self.vectorizer.transform(list(questions)) @ self._matrix.T).toarray()
        return pd.DataFrame(scores, index=index, columns=self._ids)

    def search(self, question: str, k: int = 3) -> pd.DataFrame:
        """The k best-matching entries for one question, best first.

        Returns:
            Columns faq_id, city, department, score, question_en, question_ja, page.
        """
        scores = self.similarity([question]).iloc[0].to_numpy()
        order = np.argsort(-scores, kind="stable")[:k]
        top = self.faq.iloc[order][["faq_id", "city", "department", "question_en", "question_ja", "page"]].copy()
        top.insert(3, "score", scores[order])
        return top.reset_index(drop=True)


_JAPANESE = _re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class FrontDeskReply:
    """What the assistant does with one question.

    Attributes:
        question: the text as typed.
        redacted: the text with personal data replaced: the only version that is routed,
            searched, logged or sent on.
        department: the department the router chose.
        matches: the top FAQ matches, best first (faq_id, city, department, score, ...).
        threshold: the smallest score of the best match for which the assistant answers.
        answered: True if it answers with an FAQ entry, False if it hands over to a person.
        reply: the text shown to the resident (an answer with its source, or a handover).
    """

    question: str
    redacted: str
    department: str
    matches: pd.DataFrame
    threshold: float
    answered: bool
    reply: str

    def text(self) -> str:
        """A plain-text summary of the reply, as the explorer shows it."""
        best = self.matches.iloc[0]
        decision = "answers with a cited FAQ entry" if self.answered else "hands over to a person"
        return (
            f"Redacted text: {self.redacted} | Routed to: {self.department} | Best match {best['faq_id']} "
            f"(score {best['score']:.2f}, threshold {self.threshold:.2f}): the assistant {decision}."
        )


def front_desk_reply(
    question: str,
    index: FaqIndex,
    router,
    threshold: float,
    k: int = 3,
    redact: _Callable[[str], str] = redact_personal_data,
) -> FrontDeskReply:
    """Redact, route, retrieve, then answer with a cited FAQ entry or hand over to a person.

    Args:
        question: the resident's text.
        index: an FaqIndex over the FAQ base the assistant may cite.
        router: a fitted scikit-learn pipeline whose predict() takes texts and returns departments.
        threshold: answer only when the best match scores at least this much.
        k: how many matches to keep.
        redact: the redaction function applied before anything else.

    Returns:
        A FrontDeskReply.

    Raises:
        ValueError: the question is empty.
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError("the question is empty: type what a resident might ask.")
    redacted = redact(question)
    department = str(router.predict([redacted])[0])
    matches = index.search(redacted, k=k)
    best = matches.iloc[0]
    japanese = bool(_JAPANESE.search(question))
    answered = bool(best["score"] >= threshold)
    if answered:
        entry = index.faq.loc[index.faq["faq_id"] == best["faq_id"]].iloc[0]
        answer = entry["answer_ja"] if japanese else entry["answer_en"]
        source = "出典" if japanese else "Source"
        reply = f"{answer} ({source}: {entry['city']} FAQ {entry['faq_id']}, {entry['page']})"
    elif japanese:
        reply = f"確実にお答えできないため、{department}の担当職員におつなぎします。"
    else:
        reply = f"I cannot answer this reliably, so I am passing your question to a member of staff in {department}."
    return FrontDeskReply(question, redacted, department, matches, float(threshold), answered, reply)


def draw_front_desk(reply: FrontDeskReply, show: bool = True):
    """Draw the top matches' scores as horizontal bars, with the threshold as a dashed line.

    Args:
        reply: from front_desk_reply().
        show: in a notebook, display the figure at once.

    Returns:
        The matplotlib Axes.
    """
    data = reply.matches.assign(entry=lambda d: d["faq_id"] + ": " + d["question_en"].str.slice(0, 40))
    decision = "answers" if reply.answered else "hands over to a person"
    alt = (
        f"Scores of the {len(data)} best FAQ matches; the best is {data['entry'].iloc[0]} with "
        f"{data['score'].iloc[0]:.2f}, against a threshold of {reply.threshold:.2f}, so the assistant {decision}."
    )
    fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    plots.plot_bars(
        data, "score", "entry", horizontal=True, value_format="{:.2f}", ax=ax, show=False,
        title="Best FAQ matches for the question (synthetic FAQ)", xlabel="Similarity score (0 to 1)",
        ylabel="FAQ entry", alt=alt,
    )
    ax.axvline(reply.threshold, color="0.1", linestyle=(0, (6, 3)), linewidth=1.5)
    ax.annotate(f"threshold {reply.threshold:.2f}", (reply.threshold, 1), xycoords=("data", "axes fraction"),
                xytext=(4, -4), textcoords="offset points", va="top", fontsize=9)
    ax.set_xlim(0, max(1e-9, data["score"].max(), reply.threshold) * 1.25)
    if show:
        plots._show(fig, alt)  # noqa: SLF001
    return ax


class FrontDeskExplorer(widgets.VBox):
    """Type a question; see the redacted text, the department, the top matches and whether the assistant answers.

    Attributes:
        question: the Text box.
        threshold: the FloatSlider for the abstention threshold.
        summary_html: the HTML with the reply.
        figure: the Image widget with the scores of the top matches.
        reply: the latest FrontDeskReply.
    """

    def __init__(self, index: FaqIndex, router, threshold: float, question: str = "", draw: bool | None = None) -> None:
        self._index, self._router = index, router
        self._draw = plots._in_notebook() if draw is None else draw  # noqa: SLF001
        self.question = widgets.Text(
            value=question or "what day is burnable garbage collected? call me on 090-1234-5678",
            description="Question", layout=widgets.Layout(width="95%"), continuous_update=False,
        )
        self.threshold = widgets.FloatSlider(value=float(threshold), min=0.0, max=1.0, step=0.01,
                                             description="Threshold", readout_format=".2f")
        self.summary_html = widgets.HTML()
        self.figure = widgets.Image(format="png", layout=widgets.Layout(max_width="800px"))  # see _render
        self.reply: FrontDeskReply | None = None
        super().__init__([self.question, self.threshold, self.summary_html, self.figure])
        for control in (self.question, self.threshold):
            control.observe(self._update, names="value")
        self._update()

    def _update(self, change: dict | None = None) -> None:
        if not self.question.value.strip():
            self.summary_html.value = "<p>Type a question.</p>"
            return
        self.reply = front_desk_reply(self.question.value, self._index, self._router, self.threshold.value)
        r = self.reply
        rows = "".join(
            f"<tr><td>{html.escape(m.faq_id)}</td><td>{m.score:.2f}</td><td>{html.escape(m.department)}</td>"
            f"<td>{html.escape(m.question_en)}</td></tr>"
            for m in r.matches.itertuples()
        )
        text = (
            f"<p><b>Logged (redacted):</b> {html.escape(r.redacted)}<br><b>Routed to:</b> {html.escape(r.department)}<br>"
            f"<b>Decision:</b> {'answer with a cited FAQ entry' if r.answered else 'hand over to a person'}</p>"
            f"<table><tr><th>FAQ</th><th>score</th><th>department</th><th>question</th></tr>{rows}</table>"
            f"<p><b>Reply:</b> {html.escape(r.reply)}</p><p><em>Synthetic FAQ and router trained on synthetic questions.</em></p>"
        )
        if self._draw:
            self.figure.value, alt = _render(draw_front_desk(r, show=False))
            text += _caption(alt)
        self.summary_html.value = text


def explore_front_desk(index: FaqIndex, router, threshold: float, question: str = "") -> FrontDeskExplorer:
    """Build the front-desk explorer: type a question, move the threshold, see what the assistant does.

    Args:
        index: an FaqIndex over the FAQ base.
        router: a fitted text classifier (predict() takes texts, returns departments).
        threshold: the starting abstention threshold.
        question: the starting question (a default example if empty).

    Returns:
        The widget (display it as the last line of a cell).
    """
    return FrontDeskExplorer(index, router, threshold, question)


__all__ += [
    "FaqIndex", "FrontDeskExplorer", "FrontDeskReply", "draw_front_desk", "explore_front_desk",
    "faq_documents", "front_desk_reply", "is_my_number", "my_number_check_digit", "redact_personal_data",
]

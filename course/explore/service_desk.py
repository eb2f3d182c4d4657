"""The service-desk explorer (module 1): a metric month by month, for a branch, against its pre-reform baseline.

    >>> explorer_summary(visits, "median minutes per visit", branch="North")   # no browser needed
    >>> explore_service_desk(visits)                                           # in a notebook
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd

from course import plots
from course.explore._base import _caption, _render
from course.i18n import _

__all__ = ["METRICS", "ExplorerSummary", "ServiceDeskExplorer", "draw_summary", "explore_service_desk", "explorer_summary"]


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
        parts = [f"{self.branch}, {self.metric}:", self.values_text()]
        parts.append(f"{self.n_visits:,} visits selected (synthetic data).")
        return " ".join(parts)

    def values_text(self) -> str:
        """The baseline and after values in words, saying so when a period has no visits selected (never "nan")."""
        parts = [f"pre-reform baseline {_number(self.baseline)};" if self.baseline == self.baseline else "no pre-reform visits selected;"]
        if self.after == self.after:
            change = f" ({(self.after / self.baseline - 1) * 100:+.0f}%)" if self.baseline == self.baseline and self.baseline else ""
            parts.append(f"after the reform {_number(self.after)}{change}.")
        else:
            parts.append("no post-reform visits selected.")
        return " ".join(parts)


def _number(value: float) -> str:
    # The same rounding as the baseline's label on the chart (course.plots labels reference lines with ",.3g"),
    # so that the text and the figure show the same number.
    return f"{value:,.3g}"


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
        f"by dotted lines. {summary.values_text()[0].upper()}{summary.values_text()[1:]}"
    )
    return plots.plot_trend(
        summary.monthly,
        "month",
        "value",
        group="period",
        events=events,
        references=references,
        title=f"{METRICS[summary.metric]}: {summary.branch} (synthetic data)",
        xlabel=_("Month"),
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
        self.metric = widgets.Dropdown(options=list(METRICS), value="median minutes per visit", description=_("Metric"))
        self.branch = widgets.Dropdown(options=[ALL, *sorted(visits["branch"].unique())], value=ALL, description=_("Branch"))
        self.months = widgets.SelectionRangeSlider(
            options=months, index=(0, len(months) - 1), description=_("Months"), layout=widgets.Layout(width="90%")
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


def explore_service_desk(visits: pd.DataFrame) -> ServiceDeskExplorer:
    """Build the service-desk explorer: pick a metric, a branch and months; see the trend and baseline.

    Display the returned widget (it is the last line of a cell, or pass it to display()).

    Args:
        visits: the table from course.datasets.load_service_desk_visits().

    Returns:
        The explorer widget; its controls are .metric, .branch and .months (also in .children).
    """
    return ServiceDeskExplorer(visits)

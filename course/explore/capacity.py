"""The capacity explorer (module 2): a team that can check only k cases a week, and who is selected.

    >>> capacity_summary(scored, k=10)                                         # no browser needed
    >>> explore_capacity(scored, shares=shares)                                # in a notebook
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import pandas as pd

from course import metrics, plots
from course.explore._base import _caption, _render
from course.i18n import _

__all__ = ["ALLOCATIONS", "CapacityExplorer", "CapacitySummary", "capacity_summary", "draw_capacity", "explore_capacity"]


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
        title=_("Who is selected with {k} checks a week (synthetic data)").format(k=summary.k),
        xlabel=group.replace("_", " ").capitalize(),
        ylabel=_("Share (0 to 1)"),
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
        self.score = widgets.Dropdown(options=list(scores), value=list(scores)[0], description=_("Rank by"))
        self.k = widgets.IntSlider(value=min(k, max_k), min=1, max=max_k, description=_("k a week"), continuous_update=False)
        options = list(ALLOCATIONS) if shares is not None else ["highest scores"]
        self.allocation = widgets.ToggleButtons(options=options, value="highest scores", description=_("Allocation"))
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

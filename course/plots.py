"""The house figures: seaborn with a colour-blind palette, a title, labelled axes and alt text on every plot.

Every ``plot_<what>()`` helper requires ``title``, ``xlabel``, ``ylabel`` (with units)
and ``alt``, a sentence describing the pattern for people who cannot see the figure.
The alt text is drawn as a caption under the figure and, in a notebook, also attached
to the image as its alt attribute. Colour is never the only cue: lines get markers and
dash styles, bars get hatches, and lines are labelled directly at their ends.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import logging
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "ALT_TEXT_GID",
    "alt_text",
    "plot_axis_comparison",
    "plot_bars",
    "plot_boxes",
    "plot_estimates",
    "plot_trend",
    "set_theme",
]

ALT_TEXT_GID = "alt-text"  # the caption's id, so tests and tools can find it
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
DASHES = ("", (4, 2), (1, 1.5), (6, 2, 1, 2), (3, 3), (8, 2), (2, 4), (5, 1, 1, 1))
FIGSIZE = (8, 4.5)


#: The Japanese font matplotlib falls back to for any glyph DejaVu Sans lacks (kana, kanji): IPAexGothic,
#: shipped inside the matplotlib-fontja wheel (IPA Font License), so nothing is fetched and no system
#: font is needed. Latin text keeps DejaVu Sans, so English figures look exactly as before.
JAPANESE_FONT = "IPAexGothic"


def _japanese_font() -> list[str]:
    """Register the Japanese font with matplotlib (once); the font families to fall back to."""
    import importlib.util
    from pathlib import Path

    from matplotlib import font_manager

    if any(f.name == JAPANESE_FONT for f in font_manager.fontManager.ttflist):
        return [JAPANESE_FONT]
    spec = importlib.util.find_spec("matplotlib_fontja")  # not imported: its import would change the font family
    if spec is None or not spec.submodule_search_locations:
        return []  # not installed (pip install matplotlib-fontja): Japanese text would show as boxes
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        return []
    font_manager.fontManager.addfont(str(path))
    # IPAexGothic has one weight: a bold title is drawn in its regular weight, which is fine, and said once
    # per figure otherwise ("findfont: Failed to find font weight bold"), into the student's notebook.
    logging.getLogger("matplotlib.font_manager").addFilter(
        lambda record: not (JAPANESE_FONT in str(record.args) and "Failed to find font weight" in str(record.msg)))
    return [JAPANESE_FONT]


def set_theme() -> None:
    """Apply the house theme: seaborn "whitegrid", the "colorblind" palette, readable font sizes, and a
    Japanese font (IPAexGothic) for any character DejaVu Sans lacks, so that Japanese titles, labels and
    alt text render instead of empty boxes."""
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette="colorblind",
        font_scale=1.1,
        rc={
            # a list of families: matplotlib draws each glyph with the first family that has it
            "font.family": ["sans-serif", *_japanese_font()],
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "axes.titlesize": 14,
            "axes.titleweight": "bold",
            "axes.labelsize": 12,
            "legend.fontsize": 10,
            "legend.title_fontsize": 11,
        },
    )


def _require(title: str, xlabel: str, ylabel: str, alt: str) -> None:
    for label, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel), ("alt", alt)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{label} must be a non-empty sentence: every course figure needs a title, axis labels and alt text.")


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _caption(fig: Figure, alt: str) -> None:
    for text in fig.texts:
        if text.get_gid() == ALT_TEXT_GID:
            text.remove()
    wrapped = textwrap.fill(f"Alt text: {alt}", width=int(fig.get_figwidth() * 13))
    fig.text(0.01, -0.02, wrapped, ha="left", va="top", fontsize=9, style="italic", color="0.25", gid=ALT_TEXT_GID)
    fig._course_alt_text = alt  # noqa: SLF001  (read back by alt_text())


def alt_text(figure_or_axes: Figure | Axes) -> str | None:
    """Return the alt text of a figure made by this module (None if it has none).

    Args:
        figure_or_axes: a Figure, or one of its Axes.
    """
    fig = figure_or_axes.figure if isinstance(figure_or_axes, Axes) else figure_or_axes
    return getattr(fig, "_course_alt_text", None)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _FigureWithAlt:
    """A rendered figure whose notebook output carries its alt text where each front end looks for it.

    JupyterLab's image renderer and nbconvert's default ("lab") HTML template ignore the
    ``alt`` in image/png metadata, so the bundle also holds a ``text/html`` ``<img alt=...>``
    of the same PNG (preferred by JupyterLab and nbconvert; JupyterLab's sanitizer keeps a
    data: src on untrusted notebooks). image/png stays for PDF export and copy-image, with the
    alt in its metadata (nbconvert's classic template and nbgrader's feedback read it), and
    text/plain names the figure for plain-text front ends.
    """

    def __init__(self, png: bytes, alt: str):
        self.png, self.alt = png, alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        encoded = base64.b64encode(self.png).decode("ascii")
        data = {
            "image/png": encoded,
            "text/html": f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(self.alt, quote=True)}">',
            "text/plain": f"<Figure: {self.alt}>",
        }
        return data, {"image/png": {"alt": self.alt}}


def _show(fig: Figure, alt: str) -> None:
    """In a notebook, show the figure now with its alt text attached, and close it.

    Closing stops the inline backend from drawing it a second time at the end of the cell.
    Outside a notebook (scripts, tests) the figure stays open for the caller.
    """
    if not _in_notebook():
        return
    from IPython.display import display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    display(_FigureWithAlt(buffer.getvalue(), alt))
    plt.close(fig)


def show(ax: Axes) -> None:
    """Show a figure drawn with ``show=False`` once you have added your own marks to it (a threshold line,
    a note), with the alt text its plotting function attached: in a notebook it appears with that alt text."""
    alt = alt_text(ax)
    if not alt:
        raise ValueError("this figure has no alt text: draw it with one of course.plots' functions (alt=...) first.")
    legend = ax.get_legend()
    if legend is not None and legend_conflicts(ax):  # the new marks may lie under the legend: move it
        legend._course_outside = False  # noqa: SLF001
        _place_legend(ax)
    _show(ax.figure, alt)


def _thousands(axis) -> None:
    """Write large tick values with thousands separators (40,000 rather than 40000)."""
    low, high = axis.get_view_interval()
    if max(abs(low), abs(high)) >= 10_000:
        axis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))


def _finish(
    ax: Axes, title: str, xlabel: str, ylabel: str, alt: str, show: bool,
    ends: list[tuple[str, object, float]] | None = None,
) -> None:
    """Label the axes, place line-end labels and the legend, caption the figure with its alt text, and (if asked) show it.

    The labels and the legend are placed last, once the title and axis labels have fixed
    the layout: their positions are computed in pixels.
    """
    _thousands(ax.yaxis)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ends:
        _label_line_ends(ax, ends)
    if ax.get_legend() is not None and not getattr(ax.get_legend(), "_course_outside", False):
        _place_legend(ax)
        if ends:
            _label_line_ends(ax, ends)  # the layout may have moved with the legend
    _caption(ax.figure, alt)
    if show:
        _show(ax.figure, alt)


def _hatch_bars(ax: Axes) -> list[str]:
    """Give each hue level its own hatch, and return the hatches in hue order.

    seaborn draws one bar container per hue level, so the hatch follows the level even
    when a category has no bar for it (by position, every later bar would shift).
    """
    hatches = []
    for i, container in enumerate(c for c in ax.containers if hasattr(c, "patches")):
        hatch = HATCHES[i % len(HATCHES)]
        hatches.append(hatch)
        for bar in container.patches:
            bar.set_hatch(hatch)
            bar.set_edgecolor("0.2")
    return hatches


def plot_trend(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    group: str | None = None,
    events: Mapping[str, object] | None = None,
    references: Mapping[str, float] | None = None,
    connect: bool = True,
    y_from_zero: bool = True,
    label_ends: bool = True,
    y_inverted: bool = False,
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw a line per group over time, with markers, dash styles and labels at the line ends.

    Args:
        data: a tidy table, one row per point.
        x: the column on the horizontal axis (years or dates).
        y: the column on the vertical axis.
        title: what the figure shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label, with units.
        alt: one sentence describing the pattern, for readers who cannot see it.
        group: a column whose values get one line each (None: one line).
        events: label -> x value; each draws a dotted vertical line, e.g. a reform date.
        references: label -> y value; each draws a dashed horizontal line, e.g. a baseline
            or a target.
        connect: join the points with lines. Use False when years are missing between
            points: a line would invent the values in between.
        y_from_zero: start the vertical axis at zero (honest for counts and amounts).
        label_ends: write each group's name at its last point, so colour is not needed.
        y_inverted: put the smallest value at the top, for ranks (1st is best). Use this,
            not ax.invert_yaxis() afterwards: the figure is shown before that line runs.
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [x, y] + ([group] if group else []))
    show = ax is None if show is None else show
    ax = _new_axes(ax)
    plotted = data.dropna(subset=[y]).sort_values(x)
    levels = list(pd.unique(plotted[group])) if group else []
    if connect:
        sns.lineplot(
            data=plotted, x=x, y=y, hue=group, style=group,
            markers=list(MARKERS[: len(levels)]) if group else True,
            dashes=list(DASHES[: len(levels)]) if group else True,
            markersize=8, linewidth=2, ax=ax,
            **({} if group else {"marker": "o"}),
        )
    else:
        sns.scatterplot(
            data=plotted, x=x, y=y, hue=group, style=group,
            markers=list(MARKERS[: len(levels)]) if group else "o",
            s=80, ax=ax,
        )
    for i, (label, when) in enumerate((events or {}).items()):
        ax.axvline(when, color="0.35", linestyle=":", linewidth=1.2)
        ax.annotate(
            label,
            (when, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -4 - 12 * (i % 3)),
            textcoords="offset points",
            va="top",
            fontsize=8,
            color="0.25",
        )
    for i, (label, level) in enumerate((references or {}).items()):
        ax.axhline(level, color="0.15", linestyle=(0, (6, 3)) if i % 2 == 0 else (0, (2, 2)), linewidth=1.3)
        ax.annotate(
            f"{label}: {level:,.3g}",
            (0, level),
            xycoords=("axes fraction", "data"),
            xytext=(4, 3),
            textcoords="offset points",
            va="bottom",
            fontsize=9,
            color="0.1",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    if y_from_zero:
        top = max([ax.get_ylim()[1], *[v * 1.1 for v in (references or {}).values()]])
        ax.set_ylim(bottom=0, top=top * 1.05)
    if y_inverted:
        ax.invert_yaxis()
    if pd.api.types.is_datetime64_any_dtype(plotted[x]):
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ends = None
    if group:
        ax.legend(title=group.replace("_", " "), loc="best")
        if label_ends:
            ends = [(str(level), plotted[plotted[group] == level].iloc[-1]) for level in levels]
            ends = [(name, row[x], row[y]) for name, row in ends]
    _finish(ax, title, xlabel, ylabel, alt, show, ends)
    return ax


def plot_bars(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    hue: str | None = None,
    order: Sequence[object] | None = None,
    y_min: float | None = 0,
    value_labels: bool = True,
    value_format: str = "{:,.0f}",
    horizontal: bool = False,
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw one bar per category (hatched per hue level), with the value written on each bar.

    Args:
        data: a tidy table with one row per bar (no error bars are drawn).
        x: the category column (or, if horizontal, the value column).
        y: the value column (or, if horizontal, the category column).
        title: what the figure shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label, with units.
        alt: one sentence describing the pattern.
        hue: a column splitting each category into several bars.
        order: the order of the categories.
        y_min: where the value axis starts. 0 is honest for bars; anything else truncates
            the axis and exaggerates differences (shown in the teaching notebook on purpose).
            None lets matplotlib decide.
        value_labels: write each bar's value on it.
        value_format: how to write the values, e.g. "{:.1f}%".
        horizontal: draw horizontal bars (x is then the value column).
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [x, y] + ([hue] if hue else []))
    show = ax is None if show is None else show
    ax = _new_axes(ax)
    sns.barplot(data=data, x=x, y=y, hue=hue, order=order, errorbar=None, orient="h" if horizontal else "v", ax=ax)
    if hue:
        hatches = _hatch_bars(ax)
        legend = ax.get_legend()
        if legend is not None:
            for handle, hatch in zip(legend.legend_handles, hatches):
                handle.set_hatch(hatch)
                handle.set_edgecolor("0.2")
            sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), title=hue.replace("_", " "))
            ax.get_legend()._course_outside = True  # noqa: SLF001  (outside the axes: never over a bar)
    else:
        for i, bar in enumerate(ax.patches):
            bar.set_edgecolor("0.2")
    if value_labels:
        for container in ax.containers:
            ax.bar_label(container, labels=[_fmt(value_format, v) for v in container.datavalues], padding=3, fontsize=9)
    if y_min is not None:
        if horizontal:
            ax.set_xlim(left=y_min)
        else:
            ax.set_ylim(bottom=y_min)
    if horizontal:
        _thousands(ax.xaxis)
    if not horizontal and data[x].astype(str).str.len().max() > 12:
        ax.tick_params(axis="x", labelrotation=20)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    _finish(ax, title, xlabel, ylabel, alt, show)
    return ax


LINE_END_GID = "line-end-label"  # the gid of the labels written at the line ends
LINE_END_FONTSIZE = 9


def _label_line_ends(ax: Axes, ends: list[tuple[str, object, float]]) -> None:
    """Write each line's name just right of its last point, nudged apart so no two labels overlap.

    Labels are sorted by height and each is pushed up to at least one line of text
    (1.3 times the font size) above the one below. Calling it again replaces the labels.
    """
    for text in [t for t in ax.texts if t.get_gid() == LINE_END_GID]:
        text.remove()
    ax.figure.canvas.draw()  # fixes the layout and limits, so data can be converted to pixels
    gap = LINE_END_FONTSIZE * 1.3 * ax.figure.dpi / 72
    points = []
    for name, x_value, y_value in ends:
        x_num = mdates.date2num(x_value) if isinstance(x_value, (pd.Timestamp, datetime.date)) else x_value
        points.append((name, x_value, y_value, ax.transData.transform((x_num, y_value))[1]))
    points.sort(key=lambda p: p[3])
    placed: list[float] = []
    for name, x_value, y_value, y_pixel in points:
        target = max(y_pixel, placed[-1] + gap) if placed else y_pixel
        placed.append(target)
        ax.annotate(
            name,
            (x_value, y_value),
            xytext=(8, (target - y_pixel) * 72 / ax.figure.dpi),
            textcoords="offset points",
            va="center",
            fontsize=LINE_END_FONTSIZE,
            annotation_clip=False,
            gid=LINE_END_GID,
        )


LEGEND_SPOTS = ("upper left", "upper right", "lower right", "lower left", "center left", "center right", "upper center", "lower center")


def _data_points(ax: Axes):
    """The pixel positions of the points drawn in ax: line vertices, markers and scatter points."""
    import numpy as np

    chunks = []
    for line in ax.lines:
        xy = np.asarray(line.get_xydata(), dtype=float)
        if len(xy) and line.get_transform() == ax.transData:  # not axhline/axvline references
            chunks.append(line.get_transform().transform(xy))
    for collection in ax.collections:
        offsets = np.asarray(collection.get_offsets(), dtype=float)
        if len(offsets):
            chunks.append(collection.get_offset_transform().transform(offsets))
    points = np.concatenate(chunks) if chunks else np.empty((0, 2))
    return points[np.isfinite(points).all(axis=1)]


def legend_conflicts(ax: Axes) -> list[str]:
    """What the legend of ax covers, if it sits inside the axes: data points or text labels (empty: nothing).

    Used to place legends, and by the figure tests.
    """
    legend = ax.get_legend()
    if legend is None:
        return []
    ax.figure.canvas.draw()
    box = legend.get_window_extent().padded(2)
    inside = ax.get_window_extent()
    if box.x0 >= inside.x1 - 1 or box.x1 <= inside.x0 + 1 or box.y0 >= inside.y1 - 1 or box.y1 <= inside.y0 + 1:
        return []  # outside the axes
    problems = []
    points = _data_points(ax)
    covered = int(((points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)).sum())
    if covered:
        problems.append(f"the legend covers {covered} data point(s)")
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip() and box.overlaps(text.get_window_extent()):
            problems.append(f"the legend covers the label {text.get_text()!r}")
    return problems


def _place_legend(ax: Axes) -> None:
    """Put the legend in a corner of the axes where it covers no data point and no label, else outside on the right."""
    for spot in LEGEND_SPOTS:
        sns.move_legend(ax, spot)
        if not legend_conflicts(ax):
            return
    ax.figure.canvas.draw()
    right = ax.get_window_extent().x1
    labels = [t.get_window_extent().x1 for t in ax.texts if t.get_gid() == LINE_END_GID]
    overflow = max([0.0, *[x - right for x in labels]]) / ax.get_window_extent().width
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.02 + overflow, 1))
    ax.get_legend()._course_outside = True  # noqa: SLF001


def _fmt(value_format: str, value: float) -> str:
    return "" if value != value else value_format.format(value)


def plot_axis_comparison(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    truncated_min: float,
    value_format: str = "{:,.0f}",
    show: bool = True,
) -> Figure:
    """Draw the same bars twice: with a truncated value axis (misleading) and from zero (honest).

    Args:
        data: a tidy table with one row per bar.
        x: the category column.
        y: the value column.
        title: what the pair of panels shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label, with units.
        alt: one sentence describing what the two panels show.
        truncated_min: where the left panel's axis starts.
        value_format: how to write the values on the bars.
        show: in a notebook, display the figure at once with its alt text.

    Returns:
        The matplotlib Figure, with the two Axes in fig.axes (left: truncated, right: honest).

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
    for ax, y_min, panel in (
        (left, truncated_min, f"Truncated axis (starts at {truncated_min:,g}): misleading"),
        (right, 0, "Axis from zero: honest"),
    ):
        plot_bars(
            data, x, y, title=panel, xlabel=xlabel, ylabel=ylabel, alt=alt,
            y_min=y_min, value_format=value_format, ax=ax, show=False,
        )
        ax.title.set_fontsize(11)
    left.set_ylim(top=data[y].max() * 1.02)
    fig.suptitle(title, fontsize=14, fontweight="bold")
    _caption(fig, alt)
    if show:
        _show(fig, alt)
    return fig


def plot_boxes(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    hue: str | None = None,
    order: Sequence[object] | None = None,
    hue_order: Sequence[object] | None = None,
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw box plots (median, quartiles, whiskers) per category, hatched per hue level.

    Args:
        data: a tidy table, one row per observation.
        x: the category column.
        y: the numeric column.
        title: what the figure shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label, with units.
        alt: one sentence describing the pattern.
        hue: a column splitting each category (e.g. before/after).
        order: the order of the categories.
        hue_order: the order of the hue levels.
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [x, y] + ([hue] if hue else []))
    show = ax is None if show is None else show
    ax = _new_axes(ax)
    sns.boxplot(data=data.dropna(subset=[y]), x=x, y=y, hue=hue, order=order, hue_order=hue_order, fliersize=2, ax=ax)
    if hue:
        # seaborn fills every box of a hue level with that level's colour, so the hatch follows the
        # colour: a category with no box for some level shifts nothing (by position, it would).
        ax.legend(title=hue.replace("_", " "))
        handles = ax.get_legend().legend_handles
        hatch_of = {tuple(h.get_facecolor()): HATCHES[i % len(HATCHES)] for i, h in enumerate(handles)}
        for box in ax.patches:
            hatch = hatch_of.get(tuple(box.get_facecolor()))
            if hatch is not None:
                box.set_hatch(hatch)
        for handle in handles:
            handle.set_hatch(hatch_of[tuple(handle.get_facecolor())])
    ax.set_ylim(bottom=0)
    _finish(ax, title, xlabel, ylabel, alt, show)
    return ax


def plot_curves(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    group: str | None = None,
    diagonal: str | None = None,
    references: Mapping[str, float] | None = None,
    x_lim: tuple[float, float] | None = None,
    y_lim: tuple[float, float] | None = (0, 1),
    label_ends: bool = True,
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw one curve per group (not over time): e.g. precision at k against k, or a calibration curve.

    Each group gets its own colour, marker and dash style, and its name at the end of
    its line, so colour is never the only cue.

    Args:
        data: a tidy table, one row per point.
        x: the column on the horizontal axis (e.g. k, or the mean predicted probability).
        y: the column on the vertical axis (e.g. precision, or the observed share).
        title: what the figure shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label, with units.
        alt: one sentence describing the pattern, for readers who cannot see it.
        group: a column whose values get one curve each (None: one curve).
        diagonal: draw the line y = x with this label (e.g. "perfectly calibrated");
            None draws no diagonal.
        references: label -> y value; each draws a dashed horizontal line (e.g. the rate
            you would get by picking at random).
        x_lim: the horizontal axis range (None: matplotlib decides).
        y_lim: the vertical axis range; (0, 1) by default, for shares. None: matplotlib decides.
        label_ends: write each group's name at its last point.
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [x, y] + ([group] if group else []))
    show = ax is None if show is None else show
    ax = _new_axes(ax)
    plotted = data.dropna(subset=[x, y]).sort_values(x, kind="stable")
    levels = list(pd.unique(plotted[group])) if group else []
    sns.lineplot(
        data=plotted, x=x, y=y, hue=group, style=group, sort=False,
        markers=list(MARKERS[: len(levels)]) if group else True,
        dashes=list(DASHES[: len(levels)]) if group else True,
        markersize=7, linewidth=2, ax=ax, errorbar=None,
        **({} if group else {"marker": "o"}),
    )
    if diagonal:
        low = min(plotted[x].min(), plotted[y].min(), 0)
        high = max(plotted[x].max(), plotted[y].max())
        ax.plot([low, high], [low, high], color="0.35", linestyle=(0, (2, 2)), linewidth=1.3, label=diagonal, zorder=0)
    for i, (label, level) in enumerate((references or {}).items()):
        ax.axhline(level, color="0.15", linestyle=(0, (6, 3)) if i % 2 == 0 else (0, (2, 2)), linewidth=1.3)
        ax.annotate(
            f"{label}: {level:,.3g}",
            (0, level),
            xycoords=("axes fraction", "data"),
            xytext=(4, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=9,
            color="0.1",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        )
    if x_lim is not None:
        ax.set_xlim(*x_lim)
    if y_lim is not None:
        ax.set_ylim(*y_lim)
    if group or diagonal:
        ax.legend(title=group.replace("_", " ") if group else None, loc="best")
    ends = None
    if group and label_ends:
        ends = [(str(level), plotted[plotted[group] == level].iloc[-1]) for level in levels]
        ends = [(name, row[x], row[y]) for name, row in ends]
    _finish(ax, title, xlabel, ylabel, alt, show, ends)
    return ax


def _check_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"the table has no column {missing[0]!r} (it has {list(data.columns)}). Check the spelling.")


def plot_estimates(
    data: pd.DataFrame,
    estimate: str,
    low: str,
    high: str,
    label: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    reference: float | None = 0.0,
    reference_label: str = "no effect",
    value_format: str = "{:+.2f}",
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw estimates with their confidence intervals: one row per label, a dot and a whisker.

    Each row is named on the vertical axis and its numbers are written next to it, so
    neither colour nor reading the scale is needed. A dashed line marks the reference
    (by default 0, "no effect").

    Args:
        data: one row per estimate, in the order to draw from top to bottom.
        estimate: the column with the point estimates.
        low: the column with the lower ends of the intervals.
        high: the column with the upper ends of the intervals.
        label: the column naming each estimate (drawn on the vertical axis).
        title: what the figure shows.
        xlabel: the horizontal axis label, with units.
        ylabel: the vertical axis label.
        alt: one sentence describing the pattern.
        reference: where to draw the reference line (None: no line).
        reference_label: the text written by the reference line.
        value_format: how to write the estimate and the interval ends, e.g. "{:+.2f}".
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, a column is missing, or an
            interval does not contain its estimate.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [estimate, low, high, label])
    rows = data.reset_index(drop=True)
    if ((rows[low] > rows[estimate]) | (rows[high] < rows[estimate])).any():
        raise ValueError(f"each interval must contain its estimate: check that {low!r} <= {estimate!r} <= {high!r}.")
    show = ax is None if show is None else show
    ax = _new_axes(ax, figsize=(FIGSIZE[0], max(2.5, 1.0 + 0.7 * len(rows))))
    positions = list(range(len(rows)))[::-1]  # the first row at the top
    colour = sns.color_palette()[0]
    ax.errorbar(
        rows[estimate], positions,
        xerr=[rows[estimate] - rows[low], rows[high] - rows[estimate]],
        fmt="o", markersize=8, capsize=6, linewidth=2, color=colour, ecolor=colour,
    )
    for y, (_, row) in zip(positions, rows.iterrows()):
        text = f"{_fmt(value_format, row[estimate])}  [{_fmt(value_format, row[low])}, {_fmt(value_format, row[high])}]"
        ax.annotate(text, (row[estimate], y), xytext=(0, 9), textcoords="offset points", ha="center", va="bottom", fontsize=9)
    if reference is not None:
        ax.axvline(reference, color="0.2", linestyle=(0, (6, 3)), linewidth=1.3)
        ax.annotate(
            reference_label, (reference, 1), xycoords=("data", "axes fraction"),
            xytext=(4, -4), textcoords="offset points", va="top", fontsize=9, color="0.1",
        )
    ax.set_yticks(positions, [str(v) for v in rows[label]])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ends = [rows[low].min(), rows[high].max()] + ([reference] if reference is not None else [])
    span = (max(ends) - min(ends)) or 1.0
    ax.set_xlim(min(ends) - 0.15 * span, max(ends) + 0.15 * span)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=6))
    ax.grid(axis="y", visible=False)
    _finish(ax, title, xlabel, ylabel, alt, show)
    return ax


# --- module 5 (05-venture-leadership) --------------------------------------------------

# quadrant: (right, top) on a map with interest across and power up, the usual layout
QUADRANT_CORNERS = {
    "manage closely": (1, 1),
    "keep satisfied": (0, 1),
    "keep informed": (1, 0),
    "monitor": (0, 0),
}


def plot_stakeholder_map(
    data: pd.DataFrame,
    x: str,
    y: str,
    label: str,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    quadrant: str | None = None,
    threshold: float = 5.5,
    limits: tuple[float, float] = (1, 10),
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw a power-interest map: one named point per stakeholder, dashed lines at the threshold, quadrants named.

    Each point is labelled with its name, and each quadrant (if given) gets its own
    marker, so neither colour nor a legend is needed to read it.

    Args:
        data: one row per stakeholder.
        x: the column on the horizontal axis: interest (the quadrant names in the corners
            assume interest across and power up).
        y: the column on the vertical axis: power.
        label: the column naming each stakeholder.
        title: what the figure shows.
        xlabel: the horizontal axis label, with the scale.
        ylabel: the vertical axis label, with the scale.
        alt: one sentence describing who sits where.
        quadrant: a column with each stakeholder's quadrant (e.g. from
            course.metrics.stakeholder_quadrant); None draws one marker for all.
        threshold: where the dashed lines split low from high on both axes.
        limits: the lowest and highest score of the scale.
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or a column is missing.
    """
    _require(title, xlabel, ylabel, alt)
    _check_columns(data, [x, y, label] + ([quadrant] if quadrant else []))
    show = ax is None if show is None else show
    ax = _new_axes(ax, figsize=(7.5, 6))
    low, high = limits
    pad = 0.06 * (high - low)
    if quadrant:
        names = [q for q in QUADRANT_CORNERS if q in set(data[quadrant])] + sorted(set(data[quadrant]) - set(QUADRANT_CORNERS))
        sns.scatterplot(data=data, x=x, y=y, hue=quadrant, style=quadrant, hue_order=names, style_order=names,
                        markers=list(MARKERS[: len(names)]), s=110, ax=ax)
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), title=quadrant.replace("_", " "))
    else:
        sns.scatterplot(data=data, x=x, y=y, marker="o", s=110, ax=ax)
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    placed = []
    for _, row in data.iterrows():  # each name beside its point, in the first spot that no earlier name takes
        for dx, dy, ha in ((7, 5, "left"), (7, -14, "left"), (-7, 5, "right"), (-7, -14, "right"), (7, 16, "left")):
            text = ax.annotate(str(row[label]), (row[x], row[y]), xytext=(dx, dy), textcoords="offset points", fontsize=9, ha=ha)
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                break
            text.remove()
        else:
            text = ax.annotate(str(row[label]), (row[x], row[y]), xytext=(7, 5), textcoords="offset points", fontsize=9)
        placed.append(text.get_window_extent(renderer))
    ax.axvline(threshold, color="0.3", linestyle=(0, (6, 3)), linewidth=1.2)
    ax.axhline(threshold, color="0.3", linestyle=(0, (6, 3)), linewidth=1.2)
    for name, (right, top) in QUADRANT_CORNERS.items():
        ax.annotate(
            name.upper(),
            (high + pad if right else low - pad, high + pad if top else low - pad),
            xytext=(-4 if right else 4, -4 if top else 4),
            textcoords="offset points",
            ha="right" if right else "left",
            va="top" if top else "bottom",
            fontsize=9,
            color="0.35",
            fontweight="bold",
        )
    ax.set_xlim(low - pad, high + pad)
    ax.set_ylim(low - pad, high + pad)
    _finish(ax, title, xlabel, ylabel, alt, show)
    return ax


__all__ += ["QUADRANT_CORNERS", "plot_stakeholder_map"]


def plot_spec(data: pd.DataFrame, spec: Mapping[str, object], *, show: bool | None = None) -> Axes:
    """Draw a figure described as plain data, such as a capstone project's declared figures.

    Args:
        data: the table to draw from.
        spec: a dict with ``kind`` ("bars", "trend" or "boxes"), ``x``, ``y``, ``title``,
            ``xlabel``, ``ylabel`` and ``alt``; optionally ``group`` (a column: one line, or
            one hatched bar or box, per value) and ``aggregate`` ("mean", "median", "sum" or
            "count": the y values are summarised per x and group first; bars and trends
            only). Other keys (such as ``takeaway``) are ignored.
        show: as for the other helpers.

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: the kind or the aggregate is unknown, a column is missing, or a text is empty.
    """
    kind, x, y, group = spec.get("kind"), spec.get("x"), spec.get("y"), spec.get("group")
    text = {k: spec.get(k) for k in ("title", "xlabel", "ylabel", "alt")}
    _require(**text)
    if kind not in ("bars", "trend", "boxes"):
        raise ValueError(f'kind must be "bars", "trend" or "boxes", not {kind!r}.')
    _check_columns(data, [x, y] + ([group] if group else []))
    how = spec.get("aggregate")
    frame = data
    if how is not None:
        if how not in ("mean", "median", "sum", "count") or kind == "boxes":
            raise ValueError(f"aggregate must be mean, median, sum or count (bars and trends only), not {how!r}.")
        frame = data.groupby([x] + ([group] if group else []), observed=True)[y].agg(how).reset_index()
    if kind == "trend":
        return plot_trend(frame, x, y, group=group, show=show, **text)
    if kind == "bars":
        return plot_bars(frame, x, y, hue=group, show=show, **text)
    return plot_boxes(frame, x, y, hue=group, show=show, **text)

__all__ += ["plot_spec"]


def plot_confusion(
    matrix: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    alt: str,
    value_format: str = "{:.0f}",
    ax: Axes | None = None,
    show: bool | None = None,
) -> Axes:
    """Draw a confusion matrix as a heatmap with every count written in its cell.

    Rows are the true classes and columns the predicted ones. The numbers are written
    in the cells, so the colour (a single-hue, colour-blind-safe scale) is never the
    only cue; the diagonal (right answers) is outlined.

    Args:
        matrix: a square table of counts (or shares), true classes as the index and
            predicted classes as the columns, e.g. pd.crosstab(y_true, y_pred).
        title: what the figure shows.
        xlabel: the horizontal axis label (the predicted class).
        ylabel: the vertical axis label (the true class).
        alt: one sentence describing the pattern.
        value_format: how to write each cell, e.g. "{:.0%}" for shares.
        ax: draw into these axes instead of a new figure.
        show: in a notebook, display the figure at once with its alt text. By default,
            True for a new figure and False when you pass ax (you own that figure).

    Returns:
        The matplotlib Axes.

    Raises:
        ValueError: title, an axis label or alt is empty, or the table is empty.
    """
    _require(title, xlabel, ylabel, alt)
    if matrix.empty:
        raise ValueError("the confusion matrix is empty: build it with pd.crosstab(true_labels, predicted_labels).")
    show = ax is None if show is None else show
    size = max(5.0, 0.75 * max(matrix.shape) + 2.5)
    ax = _new_axes(ax, figsize=(size + 1.5, size))
    labels = [[_fmt(value_format, v) for v in row] for row in matrix.to_numpy(dtype="float64")]
    sns.heatmap(
        matrix.astype("float64"), annot=labels, fmt="", cmap="Blues", linewidths=0.5, linecolor="0.85",
        cbar_kws={"label": "count" if value_format == "{:.0f}" else "value"}, square=True, ax=ax,
    )
    for i, label in enumerate(matrix.index):
        if label in list(matrix.columns):
            j = list(matrix.columns).index(label)
            ax.add_patch(plt.Rectangle((j, i), 1, 1, fill=False, edgecolor="0.1", linewidth=1.5))
    ax.tick_params(axis="x", labelrotation=35)
    for text in ax.get_xticklabels():
        text.set_horizontalalignment("right")
    ax.tick_params(axis="y", labelrotation=0)
    ax.grid(False)
    # a long title would run into the colour bar: wrap it to the width of the figure
    _finish(ax, textwrap.fill(title, width=int(size * 7)), xlabel, ylabel, alt, show)
    return ax


__all__ += ["plot_confusion", "plot_curves", "legend_conflicts"]

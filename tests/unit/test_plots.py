"""Tests for course.plots: every figure has a title, labelled axes, alt text, and cues beyond colour."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from pathlib import Path  # noqa: E402

from course import plots  # noqa: E402

LINES = pd.DataFrame(
    {
        "year": [2015, 2017, 2021, 2020, 2024],
        "applicants": [21782, 20591, 14310, 19926, 18333],
        "measure": ["spring", "spring", "spring", "annual", "full year"],
    }
)
BARS = pd.DataFrame({"branch": ["North", "North", "West", "West"], "period": ["before", "after"] * 2, "rate": [6.6, 7.1, 6.2, 6.9]})
LABELS = {"title": "A title", "xlabel": "Year", "ylabel": "Applicants (people)", "alt": "Applicants fall over time."}


@pytest.fixture(autouse=True)
def _close_figures():
    plots.set_theme()
    yield
    plt.close("all")


def _caption(fig):
    return [t.get_text() for t in fig.texts if t.get_gid() == plots.ALT_TEXT_GID]


def assert_labelled(ax, alt):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert plots.alt_text(ax) == alt
    caption = _caption(ax.figure)
    assert len(caption) == 1 and caption[0].replace("\n", " ").startswith(f"Alt text: {alt}"[:40])


def test_trend_has_title_labels_alt_text_and_a_marker_per_group():
    ax = plots.plot_trend(LINES, "year", "applicants", group="measure", **LABELS)
    assert_labelled(ax, LABELS["alt"])
    markers = {line.get_marker() for line in ax.get_lines() if line.get_marker() not in (None, "None", "")}
    assert len(markers) >= 3, "each group needs its own marker, not only its own colour"
    assert {t.get_text() for t in ax.texts} >= {"spring", "annual", "full year"}, "line ends are labelled directly"
    assert ax.get_ylim()[0] == 0


def test_trend_without_lines_draws_points_only():
    ax = plots.plot_trend(LINES, "year", "applicants", group="measure", connect=False, **LABELS)
    assert not [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
    assert ax.collections, "points are drawn"


def test_trend_draws_events_and_references():
    ax = plots.plot_trend(LINES, "year", "applicants", events={"reform": 2018}, references={"target": 15000}, **LABELS)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "reform" in texts and "target: 1.5e+04" in texts
    assert any(list(line.get_xdata()) == [2018, 2018] for line in ax.get_lines())


def test_bars_hatch_each_hue_level_in_the_bars_and_the_legend():
    ax = plots.plot_bars(BARS, "branch", "rate", hue="period", value_format="{:.1f}", **LABELS)
    assert_labelled(ax, LABELS["alt"])
    hatches = {bar.get_hatch() or "" for bar in ax.patches if bar.get_height() > 0}
    assert len(hatches) == 2
    legend_hatches = {h.get_hatch() or "" for h in ax.get_legend().legend_handles}
    assert legend_hatches == hatches
    assert ax.get_ylim()[0] == 0
    assert sorted(t.get_text() for t in ax.texts) == ["6.2", "6.6", "6.9", "7.1"], "each bar shows its value"


def test_bars_can_be_truncated_on_purpose():
    ax = plots.plot_bars(BARS, "branch", "rate", y_min=6, **LABELS)
    assert ax.get_ylim()[0] == 6


def test_axis_comparison_has_a_truncated_and_an_honest_panel():
    fig = plots.plot_axis_comparison(BARS[BARS.period == "before"], "branch", "rate", truncated_min=6, **LABELS)
    left, right = fig.axes
    assert left.get_ylim()[0] == 6 and right.get_ylim()[0] == 0
    assert "misleading" in left.get_title() and "honest" in right.get_title()
    assert fig._suptitle.get_text() == LABELS["title"]
    assert plots.alt_text(fig) == LABELS["alt"] and len(_caption(fig)) == 1


def test_boxes_hatch_the_second_group():
    data = pd.DataFrame({"procedure": ["a", "a", "b", "b"] * 5, "period": ["before", "after"] * 10, "minutes": range(20)})
    ax = plots.plot_boxes(data, "procedure", "minutes", hue="period", hue_order=["before", "after"], **LABELS)
    assert_labelled(ax, LABELS["alt"])
    assert {p.get_hatch() or "" for p in ax.patches} == {"", "//"}


def test_boxes_hatch_follows_the_group_when_a_category_lacks_one():
    """Category "c" has no "before" box: every "after" box still gets the "after" hatch."""
    data = pd.DataFrame({"procedure": ["a", "a", "b", "b", "c", "c"] * 4,
                         "period": ["before", "after", "before", "after", "after", "after"] * 4,
                         "minutes": range(24)})
    ax = plots.plot_boxes(data, "procedure", "minutes", hue="period", hue_order=["before", "after"], **LABELS)
    boxes = [p for p in ax.patches if type(p).__name__ == "PathPatch"]
    colours = {}
    for box in boxes:
        colours.setdefault(tuple(box.get_facecolor()), set()).add(box.get_hatch() or "")
    assert len(boxes) == 5 and sorted(map(len, colours.values())) == [1, 1], colours
    before, after = [colours[tuple(h.get_facecolor())] for h in ax.get_legend().legend_handles]
    assert before == {""} and after == {"//"}
    assert [h.get_hatch() or "" for h in ax.get_legend().legend_handles] == ["", "//"]


def test_curves_have_a_marker_per_group_labelled_ends_and_a_reference_line():
    curves = pd.DataFrame({"k": [1, 2, 3] * 2, "precision": [0.6, 0.5, 0.4, 0.3, 0.25, 0.2], "method": ["model"] * 3 + ["clerk"] * 3})
    ax = plots.plot_curves(curves, "k", "precision", group="method", references={"random pick": 0.16}, **LABELS)
    assert_labelled(ax, LABELS["alt"])
    markers = {line.get_marker() for line in ax.get_lines() if line.get_marker() not in (None, "None", "")}
    assert len(markers) >= 2, "each group needs its own marker, not only its own colour"
    texts = {t.get_text() for t in ax.texts}
    assert {"model", "clerk"} <= texts and any(t.startswith("random pick") for t in texts)
    assert ax.get_ylim() == (0, 1)


def test_calibration_curve_gets_a_labelled_diagonal():
    calibration = pd.DataFrame({"predicted": [0.05, 0.1, 0.3], "observed": [0.08, 0.2, 0.35]})
    ax = plots.plot_curves(calibration, "predicted", "observed", diagonal="perfectly calibrated", x_lim=(0, 0.4), y_lim=(0, 0.4), **LABELS)
    diagonal = [line for line in ax.get_lines() if line.get_label() == "perfectly calibrated"]
    assert len(diagonal) == 1 and list(diagonal[0].get_xdata()) == list(diagonal[0].get_ydata())
    assert "perfectly calibrated" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlim() == (0, 0.4)


@pytest.mark.parametrize("missing", ["title", "xlabel", "ylabel", "alt"])
@pytest.mark.parametrize("helper", ["plot_trend", "plot_bars", "plot_boxes", "plot_curves"])
def test_every_helper_refuses_a_figure_without_title_labels_or_alt(helper, missing):
    labels = {**LABELS, missing: " "}
    data = BARS.rename(columns={"branch": "year", "rate": "applicants"})
    with pytest.raises(ValueError, match=f"{missing} must be a non-empty sentence"):
        getattr(plots, helper)(data, "year", "applicants", **labels)


def test_every_helper_requires_alt_text_by_keyword():
    with pytest.raises(TypeError):
        plots.plot_trend(LINES, "year", "applicants", title="t", xlabel="x", ylabel="y")


def test_a_misspelt_column_is_named():
    with pytest.raises(ValueError, match="no column 'yaer'"):
        plots.plot_trend(LINES, "yaer", "applicants", **LABELS)


def test_set_theme_uses_the_colorblind_palette():
    import seaborn as sns
    from matplotlib.colors import to_hex

    cycle = [to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[:3] == sns.color_palette("colorblind").as_hex()[:3]


def test_bars_keep_each_hue_levels_hatch_when_a_category_lacks_a_level():
    # module 5's market sizes: no top-down SOM bar; by position the bottom-up TAM bar lost its hatch
    sizes = pd.DataFrame({"market": ["TAM", "TAM", "SAM", "SAM", "SOM"],
                          "method": ["top-down", "bottom-up", "top-down", "bottom-up", "bottom-up"],
                          "yen": [10, 8, 5, 4, 1]})
    ax = plots.plot_bars(sizes.iloc[[0, 2, 1, 3, 4]], "market", "yen", hue="method", **LABELS, show=False)
    hatches = {(round(p.get_x() + p.get_width() / 2), p.get_height()): p.get_hatch() for p in ax.patches if p.get_height()}
    top_down, bottom_up = (h.get_hatch() for h in ax.get_legend().legend_handles)
    assert top_down != bottom_up
    assert [hatches[(0, 10)], hatches[(1, 5)]] == [top_down] * 2
    assert [hatches[(0, 8)], hatches[(1, 4)], hatches[(2, 1)]] == [bottom_up] * 3


def _label_boxes(ax):
    return [t.get_window_extent() for t in ax.texts if t.get_gid() == plots.LINE_END_GID]


@pytest.mark.parametrize("helper", ["plot_trend", "plot_curves"])
def test_line_end_labels_never_overlap_even_when_lines_end_together(helper):
    # four lines ending within a hair of each other (modules 1 and 4)
    ends = pd.DataFrame({"x": [0, 1] * 4, "y": [0.1, 0.50, 0.2, 0.505, 0.3, 0.51, 0.4, 0.515],
                         "group": [g for g in ["alpha", "beta", "gamma", "delta"] for _ in range(2)]})
    ax = getattr(plots, helper)(ends, "x", "y", group="group", **LABELS, show=False)
    boxes = _label_boxes(ax)
    assert len(boxes) == 4
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_a_legend_never_sits_on_data_points():
    # points in every corner region of the axes: no corner is free, so the legend goes outside
    # two zigzag lines whose vertices fill the whole axes: no corner is free
    grid = pd.DataFrame([(i / 300, (i * 0.377 + shift) % 1, g) for g, shift in (("one", 0.0), ("two", 0.5)) for i in range(301)],
                        columns=["x", "y", "group"])
    ax = plots.plot_curves(grid, "x", "y", group="group", label_ends=False, **LABELS, show=False)
    assert plots.legend_conflicts(ax) == []
    legend, axes = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= axes.x1, "no free corner: the legend belongs outside the axes"


def test_legend_conflicts_reports_a_legend_over_data():
    ax = plots.plot_curves(LINES.assign(y=LINES.applicants / 30000), "year", "y", group="measure", **LABELS, show=False)
    assert plots.legend_conflicts(ax) == []
    sns_points = plots._data_points(ax)  # noqa: SLF001
    ax.get_legend().set_bbox_to_anchor(ax.transData.inverted().transform(sns_points[0]), transform=ax.transData)
    ax.get_legend().set_loc("center")
    assert any("covers" in p for p in plots.legend_conflicts(ax))


def test_stakeholder_names_on_nearby_points_do_not_overlap():
    # module 5's lab: the city assembly and the Digital Agency sit almost on the same spot
    near = pd.DataFrame({"who": ["City assembly", "Digital Agency", "Residents"], "interest": [6, 6.2, 3], "power": [8, 8.1, 2]})
    ax = plots.plot_stakeholder_map(near, "interest", "power", "who", **LABELS, show=False)
    ax.figure.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts if t.get_text() in set(near.who)]
    assert len(boxes) == 3
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_japanese_titles_and_labels_render_with_the_course_theme_and_english_keeps_its_font():
    """matplotlib warns "Glyph … missing from font(s)" for each character it draws as an empty box."""
    import warnings

    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    plots.set_theme()
    fig, ax = plt.subplots()
    ax.set_title("転入届の窓口: 待ち時間")
    ax.set_xlabel("月 (month)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    plt.close(fig)
    fonts = font_manager.fontManager._find_fonts_by_props(font_manager.FontProperties(family=plt.rcParams["font.family"]))
    assert [Path(f).name for f in fonts[:2]] == ["DejaVuSans.ttf", "ipaexg.ttf"]

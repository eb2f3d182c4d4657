"""The capstone's reproducibility checks (course.checks recipes, project checks, plots.plot_spec): honest work passes, gaming fails."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import checks, datasets, plots  # noqa: E402

RECIPES = {
    "before": {"stat": "median", "column": "minutes", "where": {"period": "before"}},
    "after": {"stat": "median", "column": "minutes", "where": {"period": "after"}},
    "saved": {"combine": "difference", "of": ["before", "after"]},
    "many_forms": {"stat": "share", "where": {"period": "before"}, "of": {"forms_filled": {"min": 3}}},
}
SOURCE = {"description": "One row per visit to the service desk.", "origin": "course data set service_desk_visits",
          "synthetic": True}


@pytest.fixture(scope="module")
def visits():
    return datasets.load_service_desk_visits()


def test_recipes_give_what_pandas_gives(visits):
    got = checks.recompute(visits, RECIPES)
    before = visits.loc[visits["period"] == "before"]
    assert got["before"] == before["minutes"].median()
    assert got["saved"] == got["before"] - got["after"]
    assert got["many_forms"] == pytest.approx((before["forms_filled"] >= 3).mean())
    assert checks.recompute(visits, {"n": {"stat": "count", "where": {"branch": ["East", "West"]}}})["n"] == \
        visits["branch"].isin(["East", "West"]).sum()


def test_nested_and_known_numbers_combine():
    got = checks.recompute(None, {"x": {"combine": "product", "of": [{"combine": "ratio", "of": ["a", "b"]}, "c"]}},
                           known={"a": 120.0, "b": 60.0, "c": 5.0})
    assert got == {"x": 10.0}


@pytest.mark.parametrize("recipes, message", [
    ({"x": {"combine": "difference", "of": ["y", "y"]}, "y": {"combine": "sum", "of": ["x", "x"]}}, "computed from itself"),
    ({"x": {"stat": "mean", "column": "nope"}}, "not one"),
    ({"x": {"stat": "mean", "column": "minutes", "where": {"period": "later"}}}, "keeps no rows"),
    ({"x": {"stat": "mode", "column": "minutes"}}, "is not one of"),
    ({"x": {"stat": "mean", "column": "branch"}}, "does not hold numbers"),
    ({"x": {"combine": "difference", "of": ["a"]}}, "two numbers"),
])
def test_bad_recipes_say_what_is_wrong(visits, recipes, message):
    with pytest.raises(AssertionError, match=message):
        checks.recompute(visits, recipes)


def test_a_loaded_table_with_its_source_passes(visits):
    checks.check_project_data(visits, SOURCE)
    checks.check_data_provenance(visits, SOURCE)


@pytest.mark.parametrize("data, source, message", [
    (..., SOURCE, "still `...`"),
    ("visits.csv", SOURCE, "should be a pandas DataFrame"),
    (pd.DataFrame({"a": range(5), "b": range(5)}), SOURCE, "at least 30"),
    (pd.DataFrame({"a": ["x"] * 40, "b": ["y"] * 40}), SOURCE, "no column of numbers"),
    (None, {"description": "rows", "origin": "course data set", "synthetic": True}, "at least 10 characters"),
    (None, {**SOURCE, "synthetic": "yes"}, "True"),
])
def test_blank_or_trivial_data_fails(visits, data, source, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_project_data(visits if data is None else data, source)


def test_synthetic_data_declared_real_fails(visits):
    with pytest.raises(AssertionError, match="synthetic"):
        checks.check_data_provenance(visits, {**SOURCE, "synthetic": False})


def test_a_table_that_is_not_the_named_data_set_fails():
    made_up = pd.DataFrame({"x": np.arange(40), "y": np.arange(40.0)})
    with pytest.raises(AssertionError, match="shares no column"):
        checks.check_data_provenance(made_up, SOURCE)


def test_computed_key_numbers_pass_and_typed_or_rounded_ones_fail(visits):
    numbers = checks.recompute(visits, RECIPES)
    checks.check_key_numbers(numbers, RECIPES, visits)
    checks.check_key_numbers_reproduce(numbers, RECIPES, visits)
    with pytest.raises(AssertionError, match="its recipe gives"):
        checks.check_key_numbers_reproduce({**numbers, "many_forms": round(numbers["many_forms"], 2)}, RECIPES, visits)
    means = {**numbers, "before": visits.loc[visits["period"] == "before", "minutes"].mean()}
    with pytest.raises(AssertionError, match="'before'.*It is the mean of those rows, but the recipe says median"):
        checks.check_key_numbers_reproduce(means, RECIPES, visits)
    with pytest.raises(AssertionError) as typed:   # a typed-in number matches no other statistic: no such note
        checks.check_key_numbers_reproduce({**numbers, "before": 141.0}, RECIPES, visits)
    assert "It is the" not in str(typed.value)


@pytest.mark.parametrize("numbers, recipes, message", [
    ({"a": 1.0, "b": 2.0}, {}, "at least 3"),
    ({"a": 1.0, "b": 2.0, "c": float("nan")}, {}, "finite number"),
    ({"a": 1.0, "b": 2.0, "c": True}, {}, "finite number"),
    ({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": {"stat": "count"}, "b": {"stat": "count"}}, "has no recipe"),
    ({"a": 1.0, "b": 2.0, "c": 3.0},
     {"a": {"stat": "count"}, "b": {"combine": "sum", "of": ["a", "a"]}, "c": {"combine": "sum", "of": ["a", "b"]}},
     "At least two"),
    ({"a": 1.0, "b": 2.0, "c": 3.0},
     {"a": {"stat": "mean", "column": "minutes"}, "b": {"stat": "median", "column": "minutes"}, "c": {"stat": "count"}},
     "only one column"),
])
def test_too_few_or_trivial_key_numbers_fail(visits, numbers, recipes, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_key_numbers(numbers, recipes, visits)


def test_key_numbers_without_data_fail():
    with pytest.raises(AssertionError, match="Question 1"):
        checks.check_key_numbers({"a": 1.0}, {"a": {"stat": "count"}}, None)


FIGURE = {"kind": "bars", "x": "procedure", "y": "minutes", "group": "period", "aggregate": "median",
          "title": "Median minutes by procedure (synthetic data)", "xlabel": "Procedure", "ylabel": "Minutes",
          "alt": "Every procedure is faster after the reform than before it.", "takeaway": "All procedures got faster."}


def test_a_figure_spec_draws_with_its_alt_text(visits):
    checks.check_figure_specs([FIGURE], visits)
    checks.check_figures_draw([FIGURE], visits)
    ax = plots.plot_spec(visits, {**FIGURE, "kind": "trend", "x": "visit_date", "aggregate": "count", "group": None},
                         show=False)
    assert plots.alt_text(ax) == FIGURE["alt"] and ax.get_title() == FIGURE["title"]
    plt.close("all")


@pytest.mark.parametrize("figures, message", [
    (..., "still `...`"),
    (FIGURE, "put your dict in a list"),
    ([], "1 to 6"),
    ([{**FIGURE, "y": "wait"}], "not a column"),
    ([{**FIGURE, "kind": "pie"}], "kind should be"),
    ([{**FIGURE, "takeaway": ""}], "takeaway"),
    ([{**FIGURE, "alt": "Faster after."}], "alt text has 2 words"),
    ([{**FIGURE, "alt": "改革後に速くなった。"}], r"alt text has 4 words\. .*two Japanese characters count as one word"),
])
def test_missing_or_unlabelled_figures_fail(visits, figures, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_figure_specs(figures, visits)


def test_a_japanese_alt_text_is_counted_by_characters_not_by_spaces(visits):
    """Japanese has no spaces: a full Japanese sentence is one "word" to str.split(), and must still pass."""
    alt = "改革後はどの手続も速くなり、改革前との差は異動の手続で最も大きくなっています。"
    checks.check_figure_specs([{**FIGURE, "alt": alt}], visits)


def test_plot_spec_refuses_an_aggregated_box_plot(visits):
    with pytest.raises(ValueError, match="aggregate"):
        plots.plot_spec(visits, {**FIGURE, "kind": "boxes"}, show=False)


SCALE = {"saved": {"value": 100.0, "source": "key_numbers"},
         "cities": {"value": 1741.0, "source": "MIC via municipalities_by_type"}}


def test_a_scaling_estimate_from_a_key_number_and_a_source_passes():
    recipe = {"combine": "product", "of": ["saved", "cities"]}
    checks.check_scale(SCALE, recipe, 174_100.0, {"saved": 100.0})
    checks.check_scale_reproduces(SCALE, recipe, 174_100.0)


@pytest.mark.parametrize("inputs, estimate, keys, message", [
    ({**SCALE, "saved": {"value": 100.0, "source": "assumption"}}, 174_100.0, {"saved": 100.0}, "one of your key numbers"),
    ({"saved": SCALE["saved"], "cities": {"value": 1741.0, "source": "key_numbers"}}, 174_100.0,
     {"saved": 100.0, "cities": 1741.0}, "outside your data"),
    ({**SCALE, "saved": {"value": 90.0, "source": "key_numbers"}}, 156_690.0, {"saved": 100.0}, "Take the value"),
    ({**SCALE, "cities": {"value": 1741.0, "source": ""}}, 174_100.0, {"saved": 100.0}, "needs a"),
    (SCALE, 174_100.0, None, "Question 2"),
])
def test_unsourced_or_disconnected_scaling_fails(inputs, estimate, keys, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_scale(inputs, {"combine": "product", "of": ["saved", "cities"]}, estimate, keys)


def test_a_scaling_estimate_that_is_not_its_recipe_fails():
    with pytest.raises(AssertionError, match="scale_recipe gives"):
        checks.check_scale_reproduces(SCALE, {"combine": "product", "of": ["saved", "cities"]}, 174_100.0 / 60)


def test_an_input_the_recipe_does_not_use_fails():
    inputs = {**SCALE, "unused": {"value": 2.0, "source": "assumption: none"}}
    with pytest.raises(AssertionError, match="not used"):
        checks.check_scale(inputs, {"combine": "product", "of": ["saved", "cities"]}, 174_100.0, {"saved": 100.0})

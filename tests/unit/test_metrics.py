"""Tests for course.metrics: who is selected at a capacity of k, and precision and recall at k."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from course import metrics

# Two weeks of five cases. Week 1 scores in order: .9 .8 .7 .6 .1; week 2 has a tie (.5 .5).
WEEKS = pd.DataFrame(
    {
        "week": ["w1"] * 5 + ["w2"] * 5,
        "score": [0.9, 0.8, 0.7, 0.6, 0.1, 0.5, 0.2, 0.5, 0.3, np.nan],
        "returned": [1, 1, 0, 0, 1, 0, 1, 1, 0, 1],
        "group": ["a", "b", "a", "b", "b", "a", "b", "b", "b", "a"],
    },
    index=range(100, 110),
)


def test_top_k_without_periods_picks_the_highest_scores_in_input_order():
    selected = metrics.top_k(WEEKS["score"], 3)
    assert selected.dtype == bool and len(selected) == len(WEEKS)
    assert list(WEEKS.index[selected]) == [100, 101, 102]


def test_top_k_per_week_picks_k_in_each_week_and_breaks_ties_by_order():
    selected = metrics.top_k(WEEKS["score"], 1, per=WEEKS["week"])
    # week 2 has two scores of 0.5: the earlier case (row 105) wins, as a clerk takes the older file first
    assert list(WEEKS.index[selected]) == [100, 105]


def test_missing_scores_rank_last_and_a_short_week_is_taken_whole():
    selected = metrics.top_k(WEEKS["score"], 5, per=WEEKS["week"])
    assert selected.all(), "k = 5 takes every case of a five-case week, NaN included"
    four = metrics.top_k(WEEKS["score"], 4, per=WEEKS["week"])
    assert not four[WEEKS["score"].isna().to_numpy()].any()


def test_k_zero_selects_nothing_and_precision_is_nan():
    assert not metrics.top_k(WEEKS["score"], 0, per=WEEKS["week"]).any()
    assert math.isnan(metrics.precision_at_k(WEEKS["returned"], WEEKS["score"], 0))


def test_precision_and_recall_at_k_pool_the_weeks():
    # k = 2: week 1 -> rows 100, 101 (both returned); week 2 -> rows 105, 107 (0 and 1)
    assert metrics.precision_at_k(WEEKS["returned"], WEEKS["score"], 2, per=WEEKS["week"]) == pytest.approx(3 / 4)
    assert metrics.recall_at_k(WEEKS["returned"], WEEKS["score"], 2, per=WEEKS["week"]) == pytest.approx(3 / 6)
    # without weeks, k = 2 picks the two best of all ten
    assert metrics.precision_at_k(WEEKS["returned"], WEEKS["score"], 2) == 1.0


def test_inputs_may_be_lists_arrays_or_series_with_any_index():
    as_lists = metrics.recall_at_k(list(WEEKS["returned"]), list(WEEKS["score"]), 3, per=list(WEEKS["week"]))
    as_series = metrics.recall_at_k(WEEKS["returned"], WEEKS["score"], 3, per=WEEKS["week"])
    assert as_lists == as_series


def test_at_k_curve_has_one_row_per_k_and_matches_the_single_metrics():
    curve = metrics.at_k_curve(WEEKS["returned"], WEEKS["score"], range(1, 6), per=WEEKS["week"])
    assert list(curve.columns) == ["k", "selected", "precision", "recall"]
    assert list(curve["k"]) == [1, 2, 3, 4, 5] and list(curve["selected"]) == [2, 4, 6, 8, 10]
    for k, precision, recall in curve[["k", "precision", "recall"]].itertuples(index=False):
        assert precision == pytest.approx(metrics.precision_at_k(WEEKS["returned"], WEEKS["score"], k, per=WEEKS["week"]))
        assert recall == pytest.approx(metrics.recall_at_k(WEEKS["returned"], WEEKS["score"], k, per=WEEKS["week"]))
    assert curve["recall"].is_monotonic_increasing and curve["recall"].iloc[-1] == 1.0


def test_quotas_reserve_places_per_group_then_fill_the_rest_by_score():
    # 2 places a week, half for each group: week 1 -> best a (100) and best b (101); week 2 -> best a (105), best b (107)
    selected = metrics.top_k_with_quotas(WEEKS["score"], 2, WEEKS["week"], WEEKS["group"], {"a": 1, "b": 1})
    assert list(WEEKS.index[selected]) == [100, 101, 105, 107]
    # all places to group a: week 2 has only one scored case of a (105) and a NaN (109), both taken
    only_a = metrics.top_k_with_quotas(WEEKS["score"], 2, WEEKS["week"], WEEKS["group"], {"a": 1, "b": 0})
    assert list(WEEKS.index[only_a]) == [100, 102, 105, 109]


def test_quotas_a_group_cannot_fill_go_to_the_best_remaining_case():
    # 3 places, all reserved for group a, but week 1 has two cases of a: the third place goes to the best b (101)
    selected = metrics.top_k_with_quotas(WEEKS["score"], 3, WEEKS["week"], WEEKS["group"], {"a": 1})
    week1 = WEEKS.index[selected & (WEEKS["week"] == "w1").to_numpy()]
    assert list(week1) == [100, 101, 102]
    assert selected.sum() == 6


def test_quotas_do_not_depend_on_the_order_of_the_shares():
    one = metrics.top_k_with_quotas(WEEKS["score"], 3, WEEKS["week"], WEEKS["group"], pd.Series({"a": 0.5, "b": 0.5}))
    other = metrics.top_k_with_quotas(WEEKS["score"], 3, WEEKS["week"], WEEKS["group"], pd.Series({"b": 0.5, "a": 0.5}))
    assert (one == other).all() and one.sum() == 6


def test_equal_quotas_over_one_group_give_the_plain_top_k():
    rng = np.random.default_rng(0)
    scores, weeks = rng.random(200), np.repeat(np.arange(10), 20)
    plain = metrics.top_k(scores, 4, per=weeks)
    quota = metrics.top_k_with_quotas(scores, 4, weeks, np.zeros(200), {0: 1.0})
    assert (plain == quota).all()


@pytest.mark.parametrize("k", [-1, 2.5, True, "3"])
def test_k_must_be_a_whole_number(k):
    with pytest.raises(ValueError, match="k must be a whole number"):
        metrics.top_k(WEEKS["score"], k)


def test_inputs_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per case"):
        metrics.top_k(WEEKS["score"], 2, per=WEEKS["week"].iloc[:5])


def test_outcomes_must_be_zero_or_one():
    with pytest.raises(ValueError, match="1 \\(positive"):
        metrics.precision_at_k([0, 2, 1], [0.1, 0.2, 0.3], 1)
    with pytest.raises(ValueError, match="missing values"):
        metrics.recall_at_k([0, None, 1], [0.1, 0.2, 0.3], 1)


def test_bad_shares_are_refused():
    with pytest.raises(ValueError, match="shares must be"):
        metrics.top_k_with_quotas(WEEKS["score"], 2, WEEKS["week"], WEEKS["group"], {"a": 0, "b": 0})
    with pytest.raises(ValueError, match="shares must be"):
        metrics.top_k_with_quotas(WEEKS["score"], 2, WEEKS["week"], WEEKS["group"], {"a": -1, "b": 2})

"""Metrics for a team that can act on only k cases a week (module 2): who is selected, and precision and recall at k.

A team with limited capacity checks the k cases with the highest scores, week by week.
Precision at k is the share of the selected cases that turn out positive; recall at k is
the share of all positive cases that were selected.

    >>> selected = metrics.top_k(scores, k=10, per=test["week_start"])
    >>> metrics.precision_at_k(test["returned"], scores, k=10, per=test["week_start"])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from course.metrics._inputs import _check_k, _check_lengths, _values

__all__ = ["at_k_curve", "precision_at_k", "recall_at_k", "top_k", "top_k_with_quotas"]


def _rank_order(scores: np.ndarray) -> np.ndarray:
    """Positions from the highest score to the lowest; NaN last; ties keep input order (earlier first)."""
    filled = np.where(np.isnan(scores), -np.inf, scores)
    return np.argsort(-filled, kind="stable")


def top_k(scores: Iterable[float], k: int, per: Iterable[object] | None = None) -> np.ndarray:
    """Mark the k cases with the highest scores, within each period if ``per`` is given.

    Ties are broken by input order (the earlier case first), as a clerk takes the older
    file first; missing scores (NaN) rank last. A period with k cases or fewer is
    selected whole.

    Args:
        scores: one score per case; a higher score means "check it first".
        k: how many cases the team can check (in each period, if ``per`` is given).
        per: one label per case, such as the week it arrived; k cases are chosen within
            each label. None: k cases in all.

    Returns:
        A boolean numpy array in the input order, True for the selected cases.

    Raises:
        ValueError: k is not a whole number >= 0, or the inputs differ in length.
    """
    k = _check_k(k)
    values = _values(scores, "scores").astype("float64")
    if per is None:
        selected = np.zeros(len(values), dtype=bool)
        selected[_rank_order(values)[:k]] = True
        return selected
    periods = _values(per, "per")
    _check_lengths(scores=values, per=periods)
    order = _rank_order(values)
    # rank within each period, following the overall order (so ties keep input order)
    rank_in_period = pd.Series(periods[order]).groupby(periods[order], sort=False).cumcount().to_numpy()
    selected = np.zeros(len(values), dtype=bool)
    selected[order[rank_in_period < k]] = True
    return selected


def _apportion(k: int, shares: pd.Series) -> pd.Series:
    """Split k places among groups in proportion to shares (largest remainder; ties by the order of shares)."""
    raw = shares / shares.sum() * k
    places = np.floor(raw).astype(int)
    left = k - int(places.sum())
    if left:
        remainders = (raw - places).sort_values(ascending=False, kind="stable")
        places[remainders.index[:left]] += 1
    return places


def top_k_with_quotas(
    scores: Iterable[float],
    k: int,
    per: Iterable[object],
    group: Iterable[object],
    shares: Mapping[object, float] | pd.Series,
) -> np.ndarray:
    """Mark k cases per period after reserving each group a share of the k places.

    In each period the k places are split among the groups in proportion to ``shares``
    (largest remainder method), and each group's places go to its highest scores. Places
    a group cannot fill (it has too few cases that period) go to the highest remaining
    scores of any group. Ties and missing scores are handled as in :func:`top_k`.

    Args:
        scores: one score per case; higher means "check it first".
        k: places per period.
        per: one period label per case (e.g. the week).
        group: one group label per case (e.g. the age group).
        shares: group -> its share of the places (any non-negative numbers; they are
            divided by their sum). Groups not listed get no reserved places.

    Returns:
        A boolean numpy array in the input order, True for the selected cases.

    Raises:
        ValueError: k is not a whole number >= 0, the inputs differ in length, or the
            shares are negative or all zero.
    """
    k = _check_k(k)
    values = _values(scores, "scores").astype("float64")
    periods = _values(per, "per")
    groups = _values(group, "group")
    _check_lengths(scores=values, per=periods, group=groups)
    # sorted by group, so that the same shares give the same places whatever their order
    shares = pd.Series(shares, dtype="float64").sort_index()
    if shares.isna().any() or (shares < 0).any() or shares.sum() <= 0:
        raise ValueError("shares must be numbers of 0 or more, one per group, and not all 0.")
    places = _apportion(k, shares)
    order = _rank_order(values)
    ranked = pd.DataFrame({"period": periods[order], "group": groups[order], "position": order})
    ranked["rank_in_group"] = ranked.groupby(["period", "group"], sort=False).cumcount()
    ranked["quota"] = ranked["group"].map(places).fillna(0).astype(int)
    reserved = (ranked["rank_in_group"] < ranked["quota"]).to_numpy()
    # fill what the quotas left open, period by period, with the best of the rest
    open_places = k - pd.Series(reserved).groupby(ranked["period"].to_numpy(), sort=False).transform("sum").to_numpy()
    rest = ~reserved
    rank_in_rest = np.full(len(ranked), np.iinfo(np.int64).max)
    rank_in_rest[rest] = pd.Series(ranked["period"].to_numpy()[rest]).groupby(ranked["period"].to_numpy()[rest], sort=False).cumcount().to_numpy()
    chosen = reserved | (rest & (rank_in_rest < open_places))
    selected = np.zeros(len(values), dtype=bool)
    selected[ranked["position"].to_numpy()[chosen]] = True
    return selected


def _outcomes(y_true: Iterable[object]) -> np.ndarray:
    y = _values(y_true, "y_true")
    if pd.isna(y).any():
        raise ValueError("y_true has missing values: every case needs an observed outcome (1 or 0).")
    y = y.astype("float64")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must hold 1 (positive, e.g. returned) or 0 for every case.")
    return y


def precision_at_k(y_true: Iterable[object], scores: Iterable[float], k: int, per: Iterable[object] | None = None) -> float:
    """Share of the selected cases that are positive, when the top k (per period) are selected.

    Args:
        y_true: 1 for a positive case (e.g. the application was returned), 0 otherwise.
        scores: one score per case; higher means "check it first".
        k: cases the team can check (per period, if ``per`` is given).
        per: one period label per case, or None to pick k cases in all.

    Returns:
        A share between 0 and 1 (NaN if nothing is selected, e.g. k = 0).

    Raises:
        ValueError: see :func:`top_k`; or y_true holds something other than 0 and 1.
    """
    y = _outcomes(y_true)
    selected = top_k(scores, k, per)
    _check_lengths(y_true=y, scores=selected)
    return float(y[selected].mean()) if selected.any() else float("nan")


def recall_at_k(y_true: Iterable[object], scores: Iterable[float], k: int, per: Iterable[object] | None = None) -> float:
    """Share of all positive cases that are among the selected, when the top k (per period) are selected.

    Args:
        y_true: 1 for a positive case, 0 otherwise.
        scores: one score per case; higher means "check it first".
        k: cases the team can check (per period, if ``per`` is given).
        per: one period label per case, or None to pick k cases in all.

    Returns:
        A share between 0 and 1 (NaN if there is no positive case).

    Raises:
        ValueError: see :func:`precision_at_k`.
    """
    y = _outcomes(y_true)
    selected = top_k(scores, k, per)
    _check_lengths(y_true=y, scores=selected)
    positives = y.sum()
    return float(y[selected].sum() / positives) if positives else float("nan")


def at_k_curve(
    y_true: Iterable[object], scores: Iterable[float], ks: Iterable[int], per: Iterable[object] | None = None
) -> pd.DataFrame:
    """Precision and recall at each capacity in ``ks``: the data for a precision-at-k curve.

    Args:
        y_true: 1 for a positive case, 0 otherwise.
        scores: one score per case; higher means "check it first".
        ks: the capacities to try, e.g. range(1, 31).
        per: one period label per case, or None.

    Returns:
        One row per k: columns k, selected (cases selected in all), precision, recall.
    """
    y = _outcomes(y_true)
    rows = []
    for k in ks:
        selected = top_k(scores, k, per)
        _check_lengths(y_true=y, scores=selected)
        rows.append(
            {
                "k": int(k),
                "selected": int(selected.sum()),
                "precision": float(y[selected].mean()) if selected.any() else float("nan"),
                "recall": float(y[selected].sum() / y.sum()) if y.sum() else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["k", "selected", "precision", "recall"])

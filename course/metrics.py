"""Metrics for a team that can act on only k cases a week: who is selected, and precision and recall at k.

A team with limited capacity checks the k cases with the highest scores, week by week.
Precision at k is the share of the selected cases that turn out positive; recall at k is
the share of all positive cases that were selected.

    >>> selected = metrics.top_k(scores, k=10, per=test["week_start"])
    >>> metrics.precision_at_k(test["returned"], scores, k=10, per=test["week_start"])
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["at_k_curve", "precision_at_k", "recall_at_k", "top_k", "top_k_with_quotas"]


def _values(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one column of values (1-dimensional), not an array of shape {array.shape}.")
    return array


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
        raise ValueError(f"k must be a whole number of cases, 0 or more, not {k!r}.")
    return int(k)


def _check_lengths(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"every input needs one value per case, but {described}. Use columns of the same table.")


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


# --- module 5 (05-venture-leadership): unit economics and the stakeholder map ---------

#: The four quadrants of a power-interest stakeholder map, and what to do with each group.
QUADRANTS = {
    (True, True): "manage closely",
    (True, False): "keep satisfied",
    (False, True): "keep informed",
    (False, False): "monitor",
}


def payback_months(acquisition_cost: float, yearly_margin: float) -> float:
    """Months of a customer's margin needed to earn back what winning that customer cost.

    Args:
        acquisition_cost: yen spent to win one paying customer (e.g. the pilots it took).
        yearly_margin: yen a paying customer brings in a year after the cost of serving it
            (price minus cost to serve).

    Returns:
        acquisition_cost / (yearly_margin / 12), in months; infinity if the margin is 0 or
        less (the customer never pays back).

    Raises:
        ValueError: acquisition_cost is negative, or an argument is not a finite number.
    """
    for name, value in (("acquisition_cost", acquisition_cost), ("yearly_margin", yearly_margin)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number of yen, not {value!r}.")
    if acquisition_cost < 0:
        raise ValueError(f"acquisition_cost cannot be negative, got {acquisition_cost!r}.")
    if yearly_margin <= 0:
        return float("inf")
    return float(acquisition_cost / (yearly_margin / 12))


def customers_by_year(pilots_per_year: float, conversion: float, churn: float, years: int) -> pd.Series:
    """Expected paying customers at the end of each year of a pilot-to-scale funnel.

    Each year ``pilots_per_year`` new places run a pilot and a share ``conversion`` of them
    become paying customers that year; a share ``churn`` of last year's customers leaves:
    customers[t] = customers[t - 1] * (1 - churn) + pilots_per_year * conversion, from 0.

    Args:
        pilots_per_year: pilots started each year.
        conversion: share of pilots that become paying customers, 0 to 1.
        churn: share of paying customers lost each year, 0 to 1.
        years: how many years, at least 1.

    Returns:
        A Series indexed by year 1..years (named "year"), holding expected customers
        (fractions allowed: they are expected values).

    Raises:
        ValueError: a share outside 0-1, negative pilots, or fewer than 1 year.
    """
    for name, share in (("conversion", conversion), ("churn", churn)):
        if not 0 <= share <= 1:
            raise ValueError(f"{name} is a share from 0 to 1 (write 10% as 0.1), got {share!r}.")
    if pilots_per_year < 0:
        raise ValueError(f"pilots_per_year cannot be negative, got {pilots_per_year!r}.")
    if isinstance(years, bool) or not isinstance(years, numbers.Integral) or years < 1:
        raise ValueError(f"years must be a whole number of at least 1, got {years!r}.")
    customers, values = 0.0, []
    for _ in range(int(years)):
        customers = customers * (1 - churn) + pilots_per_year * conversion
        values.append(customers)
    return pd.Series(values, index=pd.RangeIndex(1, int(years) + 1, name="year"), name="customers")


def stakeholder_quadrant(power: Iterable[float], interest: Iterable[float], threshold: float = 5.5) -> np.ndarray:
    """Place stakeholders on a power-interest map: "manage closely", "keep satisfied", "keep informed" or "monitor".

    A score is high when it is at least ``threshold`` (on the course's 1-10 scale, 5.5 is
    the middle).

    Args:
        power: one score per stakeholder: how much they can help or block the project.
        interest: one score per stakeholder: how much the project affects them or they care.
        threshold: the score from which power or interest counts as high.

    Returns:
        A numpy array of quadrant names (see QUADRANTS), in the input order.

    Raises:
        ValueError: the inputs differ in length or hold missing values.
    """
    p = _values(power, "power").astype("float64")
    i = _values(interest, "interest").astype("float64")
    _check_lengths(power=p, interest=i)
    if np.isnan(p).any() or np.isnan(i).any():
        raise ValueError("every stakeholder needs a power and an interest score: fill in the missing ones.")
    return np.array([QUADRANTS[(bool(a >= threshold), bool(b >= threshold))] for a, b in zip(p, i)], dtype=object)


__all__ += ["QUADRANTS", "customers_by_year", "payback_months", "stakeholder_quadrant"]


# --- Retrieval and abstention (module 4, 04-ai-front-desk) ---------------------------------------
# A retrieval assistant ranks FAQ entries for each question. The rank of the right entry
# (1 = top) is all that recall at k and the mean reciprocal rank need.


def answer_ranks(similarity: pd.DataFrame, entry_topics: Mapping[object, object] | pd.Series, question_topics: Mapping[object, object] | pd.Series) -> pd.Series:
    """The rank of the best-placed right FAQ entry for each question (1 = the top match).

    An entry is right for a question when it has the question's topic. Its rank is 1
    plus the number of entries with a strictly higher score, so ties share the better
    rank. A question whose topic no entry has (or has no topic) gets NaN: it cannot be
    answered from this base.

    Args:
        similarity: one row per question, one column per FAQ entry (index: question ids;
            columns: entry ids), higher meaning a better match.
        entry_topics: entry id -> topic.
        question_topics: question id -> topic (missing: no topic).

    Returns:
        A float Series indexed like similarity's rows, named "rank".

    Raises:
        ValueError: an entry or question has no topic listed.
    """
    entry_topics = pd.Series(entry_topics)
    question_topics = pd.Series(question_topics)
    missing_entries = [c for c in similarity.columns if c not in entry_topics.index]
    if missing_entries:
        raise ValueError(f"entry {missing_entries[0]!r} has no topic in entry_topics: pass one topic per column of similarity.")
    missing_questions = [i for i in similarity.index if i not in question_topics.index]
    if missing_questions:
        raise ValueError(f"question {missing_questions[0]!r} has no entry in question_topics: pass one topic per row.")
    scores = similarity.to_numpy(dtype="float64")
    topics = entry_topics.reindex(similarity.columns).to_numpy()
    ranks = np.full(len(similarity), np.nan)
    for row, question in enumerate(similarity.index):
        topic = question_topics[question]
        if pd.isna(topic):
            continue
        right = topics == topic
        if not right.any():
            continue
        best = scores[row][right].max()
        ranks[row] = 1 + int((scores[row] > best).sum())
    return pd.Series(ranks, index=similarity.index, name="rank")


def retrieval_recall_at_k(ranks: Iterable[float], ks: Iterable[int]) -> pd.Series:
    """Share of questions whose right entry is among the top k, for each k.

    Not to be confused with :func:`recall_at_k` (capacity-limited case selection).

    Args:
        ranks: one rank per question (1 = top); NaN counts as never found.
        ks: the list lengths to try, e.g. range(1, 11).

    Returns:
        A Series indexed by k (named "k"), values between 0 and 1.

    Raises:
        ValueError: a rank is below 1, or there are no questions.
    """
    values = np.asarray(list(ranks), dtype="float64")
    if len(values) == 0:
        raise ValueError("ranks is empty: pass one rank per question.")
    if (values[~np.isnan(values)] < 1).any():
        raise ValueError("ranks start at 1 (the top match); a rank below 1 is not possible.")
    ks = [_check_k(k) for k in ks]
    found = np.nan_to_num(values, nan=np.inf)
    return pd.Series([float((found <= k).mean()) for k in ks], index=pd.Index(ks, name="k"), name="recall")


def mean_reciprocal_rank(ranks: Iterable[float]) -> float:
    """Mean of 1 / rank over the questions; a question never found (NaN) counts 0.

    Args:
        ranks: one rank per question (1 = top).

    Returns:
        A number between 0 and 1.

    Raises:
        ValueError: a rank is below 1, or there are no questions.
    """
    values = np.asarray(list(ranks), dtype="float64")
    if len(values) == 0:
        raise ValueError("ranks is empty: pass one rank per question.")
    if (values[~np.isnan(values)] < 1).any():
        raise ValueError("ranks start at 1 (the top match); a rank below 1 is not possible.")
    return float(np.nan_to_num(1 / values, nan=0.0).mean())


def abstention_curve(top_scores: Iterable[float], correct: Iterable[bool], thresholds: Iterable[float]) -> pd.DataFrame:
    """Coverage and wrong answers of an assistant that answers only when its best match scores at least t.

    Args:
        top_scores: the best match's score for each question.
        correct: for each question, True if the best match is a right answer (a
            question no entry answers is never correct).
        thresholds: the values of t to try.

    Returns:
        One row per threshold: threshold; coverage (share of all questions answered);
        wrong_rate (share of all questions answered wrongly); precision (share of the
        answered questions answered rightly, NaN if none answered).

    Raises:
        ValueError: the inputs differ in length or are empty.
    """
    scores = _values(list(top_scores), "top_scores").astype("float64")
    right = _values(list(correct), "correct").astype(bool)
    _check_lengths(top_scores=scores, correct=right)
    if len(scores) == 0:
        raise ValueError("top_scores is empty: pass one score per question.")
    rows = []
    for t in thresholds:
        answered = scores >= t
        rows.append(
            {
                "threshold": float(t),
                "coverage": float(answered.mean()),
                "wrong_rate": float((answered & ~right).mean()),
                "precision": float(right[answered].mean()) if answered.any() else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["threshold", "coverage", "wrong_rate", "precision"])


__all__ += ["abstention_curve", "answer_ranks", "mean_reciprocal_rank", "retrieval_recall_at_k"]

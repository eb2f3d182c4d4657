"""Retrieval and abstention (module 4): where the right FAQ entry ranks, and what answering only above a threshold costs.

A retrieval assistant ranks FAQ entries for each question. The rank of the right entry
(1 = top) is all that recall at k and the mean reciprocal rank need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from course.metrics._inputs import _check_k, _check_lengths, _values

__all__ = ["abstention_curve", "answer_ranks", "mean_reciprocal_rank", "retrieval_recall_at_k"]


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

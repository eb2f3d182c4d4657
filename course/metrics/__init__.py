"""Metrics for the lessons, one module each: selection at capacity k, retrieval and abstention, a venture's unit economics."""

from __future__ import annotations

from course.metrics.at_k import at_k_curve, precision_at_k, recall_at_k, top_k, top_k_with_quotas
from course.metrics.retrieval import abstention_curve, answer_ranks, mean_reciprocal_rank, retrieval_recall_at_k
from course.metrics.venture import QUADRANTS, customers_by_year, lifetime_value, payback_months, stakeholder_quadrant

__all__ = [
    "at_k_curve", "precision_at_k", "recall_at_k", "top_k", "top_k_with_quotas",
    "QUADRANTS", "customers_by_year", "lifetime_value", "payback_months", "stakeholder_quadrant",
    "abstention_curve", "answer_ranks", "mean_reciprocal_rank", "retrieval_recall_at_k",
]

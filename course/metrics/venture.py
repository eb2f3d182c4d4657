"""Metrics for a GovTech venture (module 5): unit economics, the pilot-to-scale funnel and the stakeholder map."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from course.metrics._inputs import _check_lengths, _values

__all__ = ["QUADRANTS", "customers_by_year", "lifetime_value", "payback_months", "stakeholder_quadrant"]


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


def lifetime_value(yearly_margin: float, churn: float, discount_rate: float) -> float:
    """A customer's lifetime value: its yearly margins over its expected life, discounted to today.

    A customer stays 1 / churn years on average (its expected life L), and each year's margin
    comes at the end of that year:
    LTV = sum over t = 1..L of yearly_margin / (1 + discount_rate) ** t
        = yearly_margin * (1 - (1 + discount_rate) ** -L) / discount_rate,
    the annuity formula, which also covers a life that is not a whole number of years
    (churn 0.08: 12.5 years). No churn: the margins last for ever (yearly_margin / discount_rate).

    Args:
        yearly_margin: yen a paying customer brings in a year after the cost of serving it.
        churn: share of paying customers lost each year, 0 to 1.
        discount_rate: yearly rate, e.g. 0.04 for 4%; 0 gives the undiscounted yearly_margin / churn.

    Returns:
        The lifetime value in today's yen (infinity for no churn and no discounting with a
        positive margin).

    Raises:
        ValueError: churn outside 0-1, a discount rate of -100% or less, or an argument that is
            not a finite number.
    """
    for name, value in (("yearly_margin", yearly_margin), ("churn", churn), ("discount_rate", discount_rate)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, not {value!r}.")
    if not 0 <= churn <= 1:
        raise ValueError(f"churn is a share from 0 to 1 (write 10% as 0.1), got {churn!r}.")
    if not discount_rate > -1:
        raise ValueError(f"discount_rate must be more than -1 (write 4% as 0.04), got {discount_rate!r}.")
    if churn == 0:
        if discount_rate > 0:
            return float(yearly_margin / discount_rate)
        return float("inf") if yearly_margin > 0 else float("-inf") if yearly_margin < 0 else 0.0
    life = 1 / churn
    if discount_rate == 0:
        return float(yearly_margin * life)
    return float(yearly_margin * (1 - (1 + discount_rate) ** -life) / discount_rate)


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

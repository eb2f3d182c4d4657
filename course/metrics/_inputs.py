"""How every metric checks its inputs: one column of values, a whole number k, one value per case."""

from __future__ import annotations

import numbers

import numpy as np


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

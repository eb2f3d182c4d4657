"""What every check builds on: fail with one kind sentence, show a value briefly, and the placeholder check.

``course.checks`` (the test cells' checks) and ``course.capstone`` (the capstone's
reproducibility checks) both raise through these, so every failure reads the same way.

A failure is a ``CheckFailed``, an ``AssertionError`` (so nbgrader counts the test cell as
failed, and ``pytest.raises(AssertionError)`` still catches it) that IPython shows as its one
message instead of a traceback through this package: IPython calls ``_render_traceback_``
and prints the lines it returns.
"""

from __future__ import annotations

import numpy as np

from course.i18n import _

__all__ = ["CheckFailed", "check_answered", "plain"]


class CheckFailed(AssertionError):
    """A visible check failed: Jupyter shows its message on one line, with no traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"✗ {self}"]


def _fail(message: str, hint: str | None = None) -> None:
    raise CheckFailed(f"{message} {hint}" if hint else message)


def plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (``np.int64(2022)`` -> ``2022``); anything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _show(value: object) -> str:
    value = plain(value)
    if isinstance(value, (list, tuple)) and len(value) <= 20:
        value = type(value)(plain(v) for v in value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_answered(value: object, name: str) -> None:
    """Fail if the answer is still the placeholder ``...`` or None.

    Args:
        value: the student's answer.
        name: the variable's name, as the student wrote it.

    Raises:
        CheckFailed: the answer is ``...`` (Ellipsis) or None.
    """
    if value is Ellipsis:
        _fail(_('{name} is still `...`: replace ... with your answer, then run the cell again.').format(name=name))
    if value is None:
        _fail(
            _('{name} is None: the cell gave it no value. A function like print() returns None; assign the result itself, as in {name} = ...').format(name=name)
        )

"""What every check builds on: fail with one kind sentence, show a value briefly, and the placeholder check.

``course.checks`` (the test cells' checks) and ``course.capstone`` (the capstone's
reproducibility checks) both raise through these, so every failure reads the same way.
"""

from __future__ import annotations

__all__ = ["check_answered"]


def _fail(message: str, hint: str | None = None) -> None:
    raise AssertionError(f"{message} {hint}" if hint else message)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_answered(value: object, name: str) -> None:
    """Fail if the answer is still the placeholder ``...`` or None.

    Args:
        value: the student's answer.
        name: the variable's name, as the student wrote it.

    Raises:
        AssertionError: the answer is ``...`` (Ellipsis) or None.
    """
    if value is Ellipsis:
        _fail(f"{name} is still `...`: replace ... with your answer, then run the cell again.")
    if value is None:
        _fail(
            f"{name} is None: the cell gave it no value. A function like print() returns None; "
            f"assign the result itself, as in {name} = ..."
        )

"""Helpers for the test cells of graded notebooks: each failure says, kindly, what to try next.

Every check raises ``AssertionError`` (so nbgrader counts the test as failed) with a
one-line message in the student's terms, and returns None when the answer passes.

    >>> checks.check_number(median_before, "median_before", low=0, high=600)
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable

import numpy as np
import pandas as pd

from course.assertions import CheckFailed, _fail, _show, check_answered, plain
from course.i18n import N_, _, ngettext
from course.capstone import (
    FIGURE_KINDS,
    FIGURE_TEXT,
    RECIPE_COMBINE,
    RECIPE_STATS,
    check_data_provenance,
    check_figure_specs,
    check_figures_draw,
    check_key_numbers,
    check_key_numbers_reproduce,
    check_project_data,
    check_scale,
    check_scale_reproduces,
    recipe_columns,
    recompute,
)

__all__ = [
    "CheckFailed",
    "check_answered",
    "check_choice",
    "check_close",
    "check_frame",
    "check_number",
    "check_scores",
    "check_series",
    "check_series_close",
    "check_set",
    # the capstone's checks, defined in course.capstone; notebooks reach them here too
    "check_data_provenance", "check_figure_specs", "check_figures_draw", "check_key_numbers",
    "check_key_numbers_reproduce", "check_project_data", "check_scale", "check_scale_reproduces",
    "recipe_columns", "recompute",
]

# Constants of the capstone's recipes, reachable here as before.
_CAPSTONE_CONSTANTS = (FIGURE_KINDS, FIGURE_TEXT, RECIPE_COMBINE, RECIPE_STATS)


#: What a test cell that passed prints: one line, naming the answers its checks looked at (in the student's language).
PASSED_LINE = N_("✓ {names}: passed the visible checks. Hidden tests also run at grading.")
#: What it prints where the hidden tests ran too (grading, `course check`): the feedback then says so.
PASSED_ALL_LINE = N_("✓ {names}: passed, hidden tests included.")
_HIDDEN_MARKS = ("### BEGIN HIDDEN TESTS", "HiddenTestFailed")

_checked: list[str] = []  # the answers checked in the cell running now
_hooked: set[int] = set()  # the IPython shells that print PASSED_LINE after a cell


def _after_cell(result=None) -> None:
    names = list(dict.fromkeys(_checked))
    _checked.clear()
    if names and result is not None and getattr(result, "success", False):
        source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        line = PASSED_ALL_LINE if any(mark in source for mark in _HIDDEN_MARKS) else PASSED_LINE
        print(_(line).format(names=", ".join(names)))


def _before_cell(info=None) -> None:
    _checked.clear()


def _note(name: str) -> None:
    """Remember that the cell running now checked ``name``; in IPython, say so after the cell if it passed."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return  # plain Python (a script, pytest): no cells, no pass line
    if id(shell) not in _hooked:
        try:
            shell.events.register("pre_run_cell", _before_cell)
            shell.events.register("post_run_cell", _after_cell)
        except Exception:  # not a shell that has events: no pass line, nothing else changes
            return
        _hooked.add(id(shell))
        _install_one_line_asserts(shell)
        _checked.clear()  # the first checked cell of this shell: nothing before it counts
    _checked.append(str(name))


def _one_line(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython's view of an AssertionError: a message-bearing ``assert`` written in the notebook shows ``✗ message``.

    A test cell's own ``assert cond, "message"`` then reads like the checks' failures, on one line.
    Anything else (an assert without a message, one raised inside a library) keeps IPython's traceback.
    IPython ignores what a custom handler returns, so the handler shows the error itself.
    """
    last = tb
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    in_notebook = last is not None and last.tb_frame.f_globals is shell.user_ns
    if not hasattr(value, "_render_traceback_") and in_notebook and value.args and str(value).strip():
        line = f"✗ {value}"
        try:
            value._render_traceback_ = lambda: [line]
        except AttributeError:  # an exception that takes no attributes: IPython's usual view
            pass
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)


def _install_one_line_asserts(shell=None) -> None:
    """In an IPython shell (Jupyter's kernel, the grader's), show a notebook's failed asserts on one line.

    Done when the setup cell imports this module, and again at a shell's first check. The cell
    still fails (nbgrader counts the test as failed): only how the error is drawn changes. A shell
    that already has its own handler for some exceptions is left alone.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or getattr(shell, "custom_exceptions", None) != () or not hasattr(shell, "set_custom_exc"):
        return
    shell.set_custom_exc((AssertionError,), _one_line)


_install_one_line_asserts()


def _table_hint(value: pd.Series | pd.DataFrame) -> str:
    if isinstance(value, pd.DataFrame):
        shape = _("a table with {rows} rows and {columns} columns").format(rows=value.shape[0], columns=value.shape[1])
    else:
        shape = _("a column of {count} values (a pandas Series)").format(count=len(value))
    return shape


def check_number(
    value: object,
    name: str,
    low: float | None = None,
    high: float | None = None,
    hint: str | None = None,
) -> None:
    """Fail unless the answer is one finite number, optionally within [low, high].

    Args:
        value: the student's answer.
        name: the variable's name.
        low: the smallest plausible value (None: no lower limit).
        high: the largest plausible value (None: no upper limit).
        hint: what to try if the number is out of range.

    Raises:
        AssertionError: the answer is ``...``, None, text, a table, a bool, NaN,
            infinite, or outside [low, high].
    """
    _note(name)
    check_answered(value, name)
    if isinstance(value, (pd.Series, pd.DataFrame)):
        if value.size == 1:
            _fail(
                _('{name} is {shape} holding one value, but one plain number is asked. Take it out with .iloc[0] or .item().').format(name=name, shape=_table_hint(value))
            )
        _fail(
            _('{name} is {shape}, but one number is asked. Try .mean(), .median() or .sum() to reduce it to one number, or pick one value with .loc[...].').format(name=name, shape=_table_hint(value))
        )
    if isinstance(value, np.ndarray):
        _fail(_('{name} is an array of {size} values, but one number is asked. Try .mean() or pick one value.').format(name=name, size=value.size))
    if isinstance(value, (list, tuple, set, dict)):
        _fail(_('{name} is a {kind} of {count} items, but one number is asked.').format(name=name, kind=type(value).__name__, count=len(value)))
    if isinstance(value, (bool, np.bool_)):
        _fail(_('{name} is {value} (True/False), but a number is asked. Did you compare (==, <) instead of compute?').format(name=name, value=value))
    if isinstance(value, str):
        _fail(_('{name} is text ({shown}), but a number is asked. Remove the quotes around the number.').format(name=name, shown=_show(value)))
    if value is pd.NA or value is pd.NaT:
        _fail(_('{name} is missing (pd.NA): the data you used may be empty or missing. Check your filter.').format(name=name))
    if not isinstance(value, numbers.Real):
        _fail(_('{name} is a {kind} ({shown}), but one number is asked.').format(name=name, kind=type(value).__name__, shown=_show(value)))
    number = float(value)
    if math.isnan(number):
        _fail(
            _("{name} is NaN (not a number). Your selection may be empty (check the filter's spelling), or you divided by zero, or all values were missing.").format(name=name)
        )
    if math.isinf(number):
        _fail(_('{name} is infinite: did you divide by zero? Check the denominator.').format(name=name))
    if (low is not None and number < low) or (high is not None and number > high):
        lo = "-inf" if low is None else f"{low:,g}"
        hi = "inf" if high is None else f"{high:,g}"
        _fail(_('{name} is {number:,.4g}, outside the plausible range [{lo}, {hi}].').format(name=name, number=number, lo=lo, hi=hi), hint)


def check_close(
    value: object,
    expected: float,
    name: str,
    rel: float = 1e-6,
    abs: float = 1e-9,  # noqa: A002  (the name matches math.isclose and pytest.approx)
    hint: str | None = None,
) -> None:
    """Fail unless the answer is one number close to the expected one.

    The message does not reveal the expected value: it points at what to re-check.

    Args:
        value: the student's answer.
        expected: the right value, recomputed from the data.
        name: the variable's name.
        rel: relative tolerance.
        abs: absolute tolerance.
        hint: what to re-check if the value is not close.

    Raises:
        AssertionError: the answer is not a number (see check_number) or not close enough.
    """
    _note(name)
    check_number(value, name)
    if not math.isclose(float(value), float(expected), rel_tol=rel, abs_tol=abs):
        _fail(
            _('{name} is {value:,.4g}, which is not the expected value.').format(name=name, value=float(value)),
            hint or _('Re-read the question: which rows (the filter) and which statistic?'),
        )


def check_frame(
    value: object,
    name: str,
    columns: Iterable[str] | None = None,
    min_rows: int | None = None,
    max_rows: int | None = None,
) -> None:
    """Fail unless the answer is a DataFrame with the given columns and number of rows.

    Args:
        value: the student's answer.
        name: the variable's name.
        columns: columns that must be present (others are allowed).
        min_rows: the fewest rows allowed.
        max_rows: the most rows allowed.

    Raises:
        AssertionError: the answer is not a DataFrame, lacks a column, or has too few or
            too many rows.
    """
    _note(name)
    check_answered(value, name)
    if isinstance(value, pd.Series):
        _fail(
            _("{name} is a Series (one column), but a table (DataFrame) is asked. Select columns with a list, df[['a', 'b']], or turn it into a table with .reset_index().").format(name=name)
        )
    if not isinstance(value, pd.DataFrame):
        _fail(_('{name} is a {kind}, but a table (pandas DataFrame) is asked.').format(name=name, kind=type(value).__name__))
    if columns is not None:
        missing = [c for c in columns if c not in value.columns]
        if missing:
            _fail(
                _('{name} has no column {missing!r} (it has {columns}). If it is in the index, try .reset_index().').format(name=name, missing=missing[0], columns=list(map(str, value.columns)))
            )
    n = len(value)
    if min_rows is not None and n < min_rows:
        _fail(_('{name} has {n} rows but should have at least {min_rows}. Is your filter too strict?').format(name=name, n=n, min_rows=min_rows))
    if max_rows is not None and n > max_rows:
        _fail(_('{name} has {n} rows but should have at most {max_rows}. Did you forget a filter, or to drop missing values?').format(name=name, n=n, max_rows=max_rows))


def check_series(
    value: object,
    name: str,
    index: Iterable[object] | None = None,
    low: float | None = None,
    high: float | None = None,
    hint: str | None = None,
) -> None:
    """Fail unless the answer is a Series of finite numbers with the given index labels.

    Args:
        value: the student's answer.
        name: the variable's name.
        index: the labels the Series must have, in any order (None: any labels).
        low: the smallest plausible value.
        high: the largest plausible value.
        hint: what to try if a value is out of range.

    Raises:
        AssertionError: the answer is not a numeric Series, has other labels, holds NaN, or
            holds a value outside [low, high].
    """
    _note(name)
    check_answered(value, name)
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 1:
            _fail(_('{name} is a table with one column; pick that column to get a Series, e.g. {name}[{column!r}].').format(name=name, column=str(value.columns[0])))
        _fail(_('{name} is a table with {count} columns, but one column (a Series) is asked. Select one column.').format(name=name, count=value.shape[1]))
    if not isinstance(value, pd.Series):
        if isinstance(value, numbers.Number):
            _fail(_('{name} is one number, but one value per group (a Series) is asked. Try .groupby(...)[column].').format(name=name))
        _fail(_('{name} is a {kind}, but a pandas Series (one value per group) is asked.').format(name=name, kind=type(value).__name__))
    if index is not None:
        wanted = {str(label) for label in index}
        got = {str(label) for label in value.index}
        if got != wanted:
            missing = sorted(wanted - got)
            extra = sorted(got - wanted)
            detail = (_("missing {labels}").format(labels=missing[:3]) if missing
                      else _("unexpected {labels}").format(labels=extra[:3]))
            _fail(
                _('{name} should have one value for each of {labels}, but its labels differ ({detail}). Group by the right column, and check the filter.').format(name=name, labels=f"{sorted(wanted)[:6]}{'...' if len(wanted) > 6 else ''}", detail=detail)
            )
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        _fail(_('{name} holds {dtype} values, but numbers are asked. Did you compare (==) instead of compute (.mean())?').format(name=name, dtype=value.dtype))
    numbers_ = value.astype("float64")
    if numbers_.isna().any():
        label = numbers_.index[numbers_.isna()][0]
        _fail(_('{name} has a missing value (NaN) for {label!r}. Is that group empty after your filter?').format(name=name, label=plain(label)))
    if (low is not None and (numbers_ < low).any()) or (high is not None and (numbers_ > high).any()):
        bad = numbers_[((numbers_ < low) if low is not None else False) | ((numbers_ > high) if high is not None else False)]
        lo = "-inf" if low is None else f"{low:,g}"
        hi = "inf" if high is None else f"{high:,g}"
        _fail(_('{name} is {value:,.4g} for {label!r}, outside the plausible range [{lo}, {hi}].').format(name=name, value=bad.iloc[0], label=plain(bad.index[0]), lo=lo, hi=hi), hint)


def check_series_close(
    value: object,
    expected: pd.Series,
    name: str,
    rel: float = 1e-6,
    abs: float = 1e-9,  # noqa: A002
    hint: str | None = None,
) -> None:
    """Fail unless the answer matches the expected Series label by label (any order).

    Args:
        value: the student's answer.
        expected: the right values, recomputed from the data, indexed by label.
        name: the variable's name.
        rel: relative tolerance for each value.
        abs: absolute tolerance for each value.
        hint: what to re-check if a value is not close.

    Raises:
        AssertionError: the answer is not a matching Series (see check_series) or a value is off.
    """
    _note(name)
    check_series(value, name, index=expected.index)
    got = pd.Series(value.to_numpy(dtype="float64"), index=[str(i) for i in value.index])
    want = pd.Series(expected.to_numpy(dtype="float64"), index=[str(i) for i in expected.index])
    for label, target in want.items():
        if not math.isclose(got[label], target, rel_tol=rel, abs_tol=abs):
            _fail(
                _('{name} is {value:,.4g} for {label!r}, which is not the expected value.').format(name=name, value=got[label], label=label),
                hint or _('Re-read the question: which rows (the filter) and which statistic?'),
            )


def check_set(
    value: object,
    expected: Iterable[object],
    name: str,
    hint: str | None = None,
) -> None:
    """Fail unless the answer holds exactly the expected labels (any order, no repeats needed).

    Accepts a set, list, tuple, numpy array, pandas Index or Series of labels.

    Args:
        value: the student's answer.
        expected: the right labels.
        name: the variable's name.
        hint: what to re-check if the labels differ.

    Raises:
        AssertionError: the answer is not a collection of labels, or the labels differ.
    """
    _note(name)
    check_answered(value, name)
    if isinstance(value, pd.DataFrame):
        _fail(_("{name} is a table, but a collection of labels is asked. Take one column, e.g. {name}['field_id'].").format(name=name))
    if isinstance(value, str) or not isinstance(value, Iterable):
        _fail(_('{name} is {shown}, but a collection of labels (a set, list or Series) is asked.').format(name=name, shown=_show(value)))
    got = {str(v) for v in value}
    want = {str(v) for v in expected}
    if got != want:
        extra, missing = len(got - want), len(want - got)
        parts = []
        if extra:
            parts.append(ngettext("{count} label that should not be there", "{count} labels that should not be there",
                                  extra).format(count=extra))
        if missing:
            parts.append(_("misses {count}").format(count=missing))
        _fail(
            _('{name} has {count} distinct labels: it has {problems}.').format(name=name, count=len(got), problems=_(' and ').join(parts)),
            hint or _('Check each condition of the rule, and whether you combined them with & (and) or | (or).'),
        )


def check_choice(value: object, name: str, options: Iterable[str], expected: str | None = None) -> None:
    """Fail unless the answer is one of the options (and, if given, the expected one).

    Case and surrounding spaces are ignored.

    Args:
        value: the student's answer, e.g. "B".
        name: the variable's name.
        options: the allowed answers.
        expected: the right answer (hidden tests); None to check only the format.

    Raises:
        AssertionError: the answer is not text, not one of the options, or not the expected one.
    """
    _note(name)
    check_answered(value, name)
    options = [str(o) for o in options]
    if not isinstance(value, str):
        _fail(_('{name} is {shown}, but one of {options} is asked, in quotes: {name} = {first!r}.').format(name=name, shown=_show(value), options=options, first=options[0]))
    answer = value.strip().upper()
    if answer not in [o.upper() for o in options]:
        _fail(_('{name} is {value!r}, but it should be one of {options}.').format(name=name, value=value, options=options))
    if expected is not None and answer != str(expected).strip().upper():
        _fail(_('{name} = {value!r} is not the best answer. Re-read the options against the data.').format(name=name, value=value))


def check_scores(value: object, name: str, length: int, hint: str | None = None) -> None:
    """Fail unless the answer is one probability per case: ``length`` numbers from 0 to 1, none missing.

    Accepts a list, a 1-dimensional numpy array or a pandas Series, as
    ``model.predict_proba(X)[:, 1]`` gives.

    Args:
        value: the student's answer.
        name: the variable's name.
        length: how many cases there are (e.g. len(test)).
        hint: what to try if the values are not probabilities.

    Raises:
        AssertionError: the answer is ``...`` or None, not a column of numbers, has two
            columns (the whole predict_proba output), the wrong length, missing values,
            values outside [0, 1], or only 0s and 1s (predict instead of predict_proba).
    """
    _note(name)
    check_answered(value, name)
    if isinstance(value, pd.DataFrame):
        _fail(_('{name} is a table; one probability per case (one column) is asked. Keep the column of the positive class.').format(name=name))
    if isinstance(value, (str, bytes, dict, set)) or isinstance(value, numbers.Number) or not isinstance(value, Iterable):
        _fail(_('{name} is {shown}, but one probability per case is asked, e.g. model.predict_proba(X)[:, 1].').format(name=name, shown=_show(value)))
    try:
        scores = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        _fail(_('{name} holds values that are not numbers. Use model.predict_proba(X)[:, 1].').format(name=name))
    if scores.ndim == 2 and scores.shape[1] == 2:
        _fail(_('{name} has two columns (the chance of 0 and the chance of 1). Keep the second: predict_proba(X)[:, 1].').format(name=name))
    if scores.ndim != 1:
        _fail(_('{name} should be one column of numbers, but its shape is {shape}.').format(name=name, shape=scores.shape))
    if len(scores) != length:
        _fail(_('{name} has {count:,} values but there are {length:,} cases: score every row of the table, in its order.').format(name=name, count=len(scores), length=length))
    if np.isnan(scores).any():
        _fail(_("{name} has missing values (NaN): does the model's preparation fill in missing inputs?").format(name=name))
    if (scores < 0).any() or (scores > 1).any():
        _fail(_('{name} has values outside 0 to 1, so they are not probabilities.').format(name=name), hint or _('Use predict_proba(X)[:, 1].'))
    if np.isin(scores, (0.0, 1.0)).all():
        _fail(_('{name} holds only 0s and 1s: those are predict(...) labels. Use predict_proba(X)[:, 1] for probabilities.').format(name=name))

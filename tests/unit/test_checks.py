"""Tests for course.checks: every check fails kindly on placeholders, wrong types and NaN, and passes right answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from course import checks


def fails(func, *args, match=None, **kwargs):
    with pytest.raises(AssertionError, match=match) as error:
        func(*args, **kwargs)
    return str(error.value)


# check_answered ------------------------------------------------------------

def test_answered_fails_on_the_placeholder_and_says_what_to_do():
    message = fails(checks.check_answered, ..., "median_before")
    assert message == "median_before is still `...`: replace ... with your answer, then run the cell again."


def test_answered_fails_on_none_and_mentions_print():
    assert "print()" in fails(checks.check_answered, None, "x")


def test_answered_passes_any_real_answer():
    checks.check_answered(0, "x")
    checks.check_answered(pd.DataFrame(), "x")


# check_number ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected_words"),
    [
        (..., "still `...`"),
        (pd.Series([1.0, 2.0]), "a column of 2 values (a pandas Series), but one number is asked. Try .mean(), .median() or .sum()"),
        (pd.DataFrame({"a": [1, 2]}), "a table with 2 rows and 1 columns"),
        (pd.Series([3.0]), "holding one value, but one plain number is asked. Take it out with .iloc[0]"),
        (np.array([1, 2]), "an array of 2 values"),
        ([1, 2], "a list of 2 items"),
        ("12", "is text ('12'), but a number is asked. Remove the quotes"),
        (True, "True/False"),
        (float("nan"), "is NaN (not a number). Your selection may be empty"),
        (np.float64("nan"), "is NaN"),
        (pd.NA, "missing (pd.NA)"),
        (float("inf"), "infinite"),
    ],
)
def test_number_fails_with_a_message_that_says_what_to_try(value, expected_words):
    message = fails(checks.check_number, value, "median_before")
    assert message.startswith("median_before ")
    assert expected_words in message


def test_number_out_of_range_gives_the_range_and_the_hint():
    message = fails(checks.check_number, 1234.5, "share", low=0, high=1, hint="A share is between 0 and 1.")
    assert message == "share is 1,234, outside the plausible range [0, 1]. A share is between 0 and 1."


@pytest.mark.parametrize("value", [3, 3.5, np.int64(3), np.float64(3.5), -0.0])
def test_number_passes_plain_and_numpy_numbers(value):
    checks.check_number(value, "x", low=-10, high=10)


# check_close -------------------------------------------------------------------

def test_close_passes_within_tolerance_and_fails_outside_without_revealing_the_answer():
    checks.check_close(174.5000001, 174.5, "baseline_minutes")
    message = fails(checks.check_close, 181.69, 174.5, "baseline_minutes", hint="Use the median, not the mean.")
    assert "181.7" in message and "174.5" not in message and "median" in message


def test_close_fails_on_ellipsis_series_and_nan_first():
    assert "still `...`" in fails(checks.check_close, ..., 1.0, "x")
    assert "try" in fails(checks.check_close, pd.Series([1.0, 1.0]), 1.0, "x").lower()
    assert "NaN" in fails(checks.check_close, float("nan"), 1.0, "x")


def test_close_respects_absolute_tolerance():
    checks.check_close(-56.0, -55.9685, "change_pct", rel=0, abs=0.05)
    fails(checks.check_close, -56.1, -55.9685, "change_pct", rel=0, abs=0.05)


# check_frame -------------------------------------------------------------------

FRAME = pd.DataFrame({"fiscal_year": [2021, 2022], "applicants": [14310.0, 15330.0]})


def test_frame_passes_a_table_with_the_columns_and_rows():
    checks.check_frame(FRAME, "spring", columns=["fiscal_year", "applicants"], min_rows=1, max_rows=5)


@pytest.mark.parametrize(
    ("value", "kwargs", "expected_words"),
    [
        (..., {}, "still `...`"),
        (FRAME["applicants"], {}, "is a Series (one column), but a table (DataFrame) is asked"),
        (3.0, {}, "is a float, but a table"),
        (FRAME, {"columns": ["measure"]}, "has no column 'measure'"),
        (FRAME, {"min_rows": 3}, "has 2 rows but should have at least 3. Is your filter too strict?"),
        (FRAME, {"max_rows": 1}, "should have at most 1. Did you forget a filter"),
    ],
)
def test_frame_fails_with_a_helpful_message(value, kwargs, expected_words):
    assert expected_words in fails(checks.check_frame, value, "spring", **kwargs)


# check_series and check_series_close -------------------------------------------

SERIES = pd.Series({"before": 0.098, "after": 0.018})


def test_series_passes_with_labels_in_any_order():
    checks.check_series(SERIES, "missing_share", index=["after", "before"], low=0, high=1)
    checks.check_series_close(SERIES.iloc[::-1], SERIES, "missing_share")


@pytest.mark.parametrize(
    ("value", "expected_words"),
    [
        (..., "still `...`"),
        (0.05, "is one number, but one value per group (a Series) is asked"),
        (SERIES.to_frame("share"), "is a table with one column; pick that column"),
        (pd.DataFrame({"a": SERIES, "b": SERIES}), "is a table with 2 columns"),
        (pd.Series({"before": 0.1, "later": 0.0}), "its labels differ (missing ['after'])"),
        (pd.Series({"before": np.nan, "after": 0.0}), "has a missing value (NaN) for 'before'"),
        (pd.Series({"before": 47.0, "after": 9.0}), "is 47 for 'before', outside the plausible range [0, 1]"),
        (pd.Series({"before": True, "after": False}), "holds bool values, but numbers are asked"),
        (pd.Series({"before": "a", "after": "b"}), "but numbers are asked"),
    ],
)
def test_series_fails_with_a_helpful_message(value, expected_words):
    assert expected_words in fails(checks.check_series, value, "missing_share", index=["before", "after"], low=0, high=1)


def test_series_close_names_the_label_that_is_off():
    wrong = pd.Series({"before": 0.098, "after": 0.5})
    message = fails(checks.check_series_close, wrong, SERIES, "missing_share")
    assert "for 'after'" in message and "0.018" not in message


# check_set -----------------------------------------------------------------------

IDS = {"F01-01", "F01-02", "F02-01"}


@pytest.mark.parametrize("value", [IDS, sorted(IDS), pd.Series(sorted(IDS)), pd.Index(sorted(IDS)), np.array(sorted(IDS)), [*IDS, "F01-01"]])
def test_set_passes_any_collection_of_the_right_labels(value):
    checks.check_set(value, IDS, "removable")


@pytest.mark.parametrize(
    ("value", "expected_words"),
    [
        (..., "still `...`"),
        ("F01-01", "a collection of labels"),
        (3, "a collection of labels"),
        (float("nan"), "a collection of labels"),
        (pd.DataFrame({"field_id": sorted(IDS)}), "is a table"),
        ({"F01-01", "F01-02"}, "misses 1"),
        ({*IDS, "F09-09"}, "1 label that should not be there"),
    ],
)
def test_set_fails_with_counts_not_the_answer(value, expected_words):
    message = fails(checks.check_set, value, IDS, "removable")
    assert expected_words in message
    assert "F02-01" not in message


# check_choice -----------------------------------------------------------------

def test_choice_ignores_case_and_spaces_and_checks_the_expected_answer():
    checks.check_choice(" b ", "answer", ["A", "B", "C"], expected="B")
    assert "not the best answer" in fails(checks.check_choice, "A", "answer", ["A", "B", "C"], expected="B")


@pytest.mark.parametrize(("value", "expected_words"), [(..., "still `...`"), (2, "in quotes"), (float("nan"), "in quotes"), ("D", "should be one of")])
def test_choice_fails_with_a_helpful_message(value, expected_words):
    assert expected_words in fails(checks.check_choice, value, "answer", ["A", "B", "C"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (..., "still `...`"),
        (0.3, "one probability per case"),
        (np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]), "two columns"),
        ([0.1, 0.2], "has 2 values but there are 3 cases"),
        ([0.1, float("nan"), 0.3], "missing values"),
        ([0.1, 1.7, 0.3], "outside 0 to 1"),
        (np.array([0, 1, 1]), "only 0s and 1s"),
        (["a", "b", "c"], "not numbers"),
        (pd.DataFrame({"p": [0.1, 0.2, 0.3]}), "is a table"),
    ],
)
def test_check_scores_says_what_is_wrong_with_the_probabilities(value, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_scores(value, "lr_scores", 3)


@pytest.mark.parametrize("value", [[0.1, 0.5, 0.9], np.array([0.0, 0.5, 1.0]), pd.Series([0.2, 0.3, 0.4], index=[7, 8, 9])])
def test_check_scores_accepts_lists_arrays_and_series(value):
    assert checks.check_scores(value, "lr_scores", 3) is None


# ---------------------------------------------------------------- what the learner sees in Jupyter


@pytest.fixture
def shell():
    """A real IPython shell, as in a Jupyter kernel and in the grader's zygote, with the notebook's setup run."""
    from IPython.core.interactiveshell import InteractiveShell

    ipython = InteractiveShell.instance(colors="NoColor")
    ipython.run_cell("import numpy as np\nfrom course import checks")
    yield ipython
    InteractiveShell.clear_instance()


def run(shell, capsys, code: str):
    capsys.readouterr()
    result = shell.run_cell(code)
    return result, capsys.readouterr().out


def test_a_failed_check_shows_one_line_not_a_traceback_and_still_fails_the_cell(shell, capsys):
    result, out = run(shell, capsys, "year = np.int64(2022)\nchecks.check_number(year, 'year', low=1990, high=2000)")
    assert not result.success and isinstance(result.error_in_exec, AssertionError)  # nbgrader still counts a failure
    assert out.strip() == "✗ year is 2,022, outside the plausible range [1,990, 2,000]."
    assert "Traceback" not in out and "checks.py" not in out and "np.int64" not in out


def test_a_failed_assert_with_a_message_shows_one_line_and_still_fails_the_cell(shell, capsys):
    checks._install_one_line_asserts(shell)  # what importing course.checks in a kernel does (test below)
    result, out = run(shell, capsys, "x = 3\nassert x < 0, (\n    'x should be negative: applicants fell.')")
    assert not result.success and isinstance(result.error_in_exec, AssertionError)  # nbgrader still counts a failure
    assert out.strip() == "✗ x should be negative: applicants fell."
    # an assert without a message, or one raised inside a library, keeps IPython's traceback
    result, out = run(shell, capsys, "assert x < 0")
    assert not result.success and "Traceback" in out and "----> 1 assert x < 0" in out
    result, out = run(shell, capsys, "import pandas as pd\npd.testing.assert_series_equal(pd.Series([1]), pd.Series([2]))")
    assert not result.success and "Traceback" in out
    # other errors are untouched
    result, out = run(shell, capsys, "1 / 0")
    assert not result.success and "ZeroDivisionError" in out and "Traceback" in out


def test_importing_checks_in_a_fresh_ipython_shell_makes_asserts_one_line():
    """As a notebook's setup cell does in a new kernel: the import alone installs the one-line view."""
    import subprocess
    import sys

    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "shell = InteractiveShell.instance(colors='NoColor')\n"
            "shell.run_cell('from course import checks')\n"
            "result = shell.run_cell(\"assert 1 > 2, 'one is not more than two.'\")\n"
            "print('cell failed:', not result.success)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out == "✗ one is not more than two.\ncell failed: True\n", out


def test_values_in_messages_are_plain_numbers_not_numpy_reprs(shell, capsys):
    _, out = run(shell, capsys, "checks.check_choice(np.int64(3), 'answer', ['A', 'B'])")
    assert out.strip().startswith("✗ answer is 3, but one of ['A', 'B']")
    with pytest.raises(AssertionError, match=r"for 2022,"):
        checks.check_series(pd.Series([1.0, 900.0], index=np.array([2021, 2022])), "rate", low=0, high=100)


def test_a_passing_test_cell_prints_one_short_line(shell, capsys):
    _, out = run(shell, capsys, "x = 5\nchecks.check_number(x, 'x', low=0, high=10)\nchecks.check_close(x, 5, 'x')")
    assert out == "✓ x: passed the visible checks. Hidden tests also run at grading.\n"
    _, out = run(shell, capsys, "y = 1 + 1")  # a cell with no check prints nothing
    assert out == ""
    # where the hidden tests ran too (grading, course check), the feedback says they passed as well
    _, out = run(shell, capsys, "checks.check_number(x, 'x')\n### BEGIN HIDDEN TESTS\nchecks.check_close(x, 5, 'x')\n### END HIDDEN TESTS")
    assert out == "✓ x: passed, hidden tests included.\n"


def test_a_cell_that_fails_after_a_passing_check_prints_no_pass_line(shell, capsys):
    result, out = run(shell, capsys, "checks.check_number(5, 'x')\nassert False, 'x should be even.'")
    assert not result.success
    assert "passed" not in out


def test_a_blank_answer_gets_the_kind_message_from_every_check(shell, capsys):
    calls = ["checks.check_number(a, 'a')", "checks.check_close(a, 1, 'a')", "checks.check_frame(a, 'a')",
             "checks.check_series(a, 'a')", "checks.check_series_close(a, pd.Series([1.0]), 'a')",
             "checks.check_set(a, {1}, 'a')", "checks.check_choice(a, 'a', ['A'])", "checks.check_scores(a, 'a', 3)"]
    shell.run_cell("import pandas as pd")
    for blank, words in (("...", "is still `...`"), ("None", "is None")):
        shell.run_cell(f"a = {blank}")
        for call in calls:
            result, out = run(shell, capsys, call)
            assert not result.success and out.startswith(f"✗ a {words}"), (call, out)


@pytest.mark.slow  # 4-15 s: reads module 1's manifest and released notebook (nbformat), as check() does
def test_check_q_prints_its_own_line_and_no_second_pass_line(shell, capsys):
    from course.learn import coach

    saved = (coach._COACH.assignment_id, coach._COACH._exercises)
    try:
        shell.run_cell("from course.learn import check, use\nuse('01-problem-framing')")
        _, out = run(shell, capsys, "change_pct = -40.0\ncheck('q2')")
        assert out.startswith("q2: passed the visible tests.") and out.count("\n") == 1, out
        _, out = run(shell, capsys, "change_pct = 40.0\ncheck('q2')")
        assert out.startswith("q2: not yet. change_pct should be negative") and out.count("\n") == 1, out
    finally:
        coach._COACH.assignment_id, coach._COACH._exercises = saved

"""Module 4 (04-ai-front-desk): the guardrail questions' tests (q10 is_my_number, q11 redact) against the
plausible mistakes listed in source/04-ai-front-desk.yml.

Both questions' tests need no notebook state, only `re`, `course.checks` and (for q11's hidden tests) the
resident_inquiries data set, so they run here in-process, in a second or two. The other questions' mistakes
need the whole lab's state: `course validate 04-ai-front-desk --mistakes` grades those through the grader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from course import checks, datasets, explore
from course.checks import CheckFailed

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "source" / "04-ai-front-desk" / "04-ai-front-desk-lab.ipynb"
MISTAKES = REPO / "source" / "04-ai-front-desk.yml"
HIDDEN = "### BEGIN HIDDEN TESTS"


def _cell(grade_id: str) -> str:
    cells = json.loads(LAB.read_text(encoding="utf-8"))["cells"]
    (cell,) = [c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    return "".join(cell["source"])


def _solution(qid: str) -> str:
    return _cell(f"{qid}-answer").split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]


def _mistakes(qid: str) -> list[dict]:
    wrong = yaml.safe_load(MISTAKES.read_text(encoding="utf-8"))["questions"][qid]["wrong"]
    return [w if isinstance(w, dict) else {"answer": w, "name": "first"} for w in wrong]


def _namespace(answer: str) -> dict:
    ns = {"re": re, "checks": checks, "explore": explore,
          "inquiries": datasets.load_resident_inquiries()}
    exec(answer, ns)  # noqa: S102 -- the course's own test cells and listed mistakes
    return ns


def _visible(qid: str) -> str:
    return _cell(f"{qid}-tests").split(HIDDEN)[0]


def _hidden(qid: str) -> str:
    return _cell(f"{qid}-tests").split(HIDDEN)[1].split("### END HIDDEN TESTS")[0]


@pytest.mark.parametrize("qid", ["q10", "q11"])
def test_the_solution_passes_visible_and_hidden_tests(qid):
    ns = _namespace(_solution(qid))
    exec(_visible(qid), ns)  # noqa: S102 -- the course's own test cells and listed mistakes
    exec(_hidden(qid), ns)  # noqa: S102 -- the course's own test cells and listed mistakes


@pytest.mark.parametrize(("qid", "index"), [("q10", i) for i in range(len(_mistakes("q10")))]
                         + [("q11", i) for i in range(len(_mistakes("q11")))])
def test_each_listed_mistake_fails_a_visible_test_with_a_message(qid, index):
    mistake = _mistakes(qid)[index]
    ns = _namespace(mistake["answer"])
    with pytest.raises((AssertionError, CheckFailed)) as failed:
        exec(_visible(qid), ns)  # noqa: S102 -- the course's own test cells and listed mistakes
    assert len(str(failed.value)) > 30, f"{mistake['name']}: the visible test fails without saying what to do"


@pytest.mark.parametrize(("name", "case"), [
    ("check digit 11 - r always", "987654321050"),         # the survivor of issue 17: remainder 0, check digit 0
    ("+81 counted as three digits", "+81 3-1234-5678"),    # the other survivor: 9 digits after +81
])
def test_the_hidden_tests_alone_kill_the_survivors_of_issue_17(name, case):
    """Without the visible tests, the hidden ones still reject both mistakes, at the case added for each."""
    (mistake,) = [m for m in _mistakes("q11") if m["name"].startswith(name)]
    ns = _namespace(mistake["answer"])
    with pytest.raises(AssertionError, match=re.escape(case)):
        exec(_hidden("q11"), ns)  # noqa: S102 -- the course's own test cells and listed mistakes

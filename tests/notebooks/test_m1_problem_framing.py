"""Module 1 (01-problem-framing), question 7: a rate from a sample must be scaled up by the sampling fraction.

Grading runs at SAMPLE_FRAC = 1.0, where multiplying or dividing by SAMPLE_FRAC changes nothing, so the
question now estimates from `slips`, a fixed random quarter of the visits (SLIP_FRAC = 0.25) whatever
SAMPLE_FRAC is. These tests grade whole notebooks as `course check` does (the released notebook, every
other answer the solution, then the visible and hidden tests) and check that each wrong scaling loses q7's
points with a message that names it, while the solution keeps them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from course import manifest as manifests
from course.authoring import sample
from course.grading.selfcheck import self_check

pytestmark = pytest.mark.slow  # each case runs the whole lab twice: about 20 s on an idle 2-core machine

REPO = Path(__file__).resolve().parents[2]
ID = "01-problem-framing"
LAB = "01-problem-framing-lab.ipynb"
FY2022 = 'fy2022 = slips[slips["visit_date"].between("2022-04-01", "2023-03-31")]\n'
RATE = 'fy2022.groupby("branch").size() {op} / fy2022.groupby("branch")["branch_population"].first() * 1000\n'

#: answer to q7, and a phrase the failing visible test's message must hold (the solution's full marks are
#: `course validate`'s, in tests/notebooks/test_modules.py).
CASES = {
    # The survivor issue 17 names: `* SAMPLE_FRAC` passed because SAMPLE_FRAC is 1.0 when graded.
    "times SAMPLE_FRAC": (FY2022 + "visits_per_1000 = " + RATE.format(op="* SAMPLE_FRAC"), "divide each count by SLIP_FRAC"),
    "times SLIP_FRAC": (FY2022 + "visits_per_1000 = " + RATE.format(op="* SLIP_FRAC"), "multiplies by SLIP_FRAC"),
}


@pytest.fixture(scope="module")
def manifest():
    return manifests.load(ID, REPO)


@pytest.mark.parametrize("case", list(CASES))
def test_q7_scaling(case, manifest, tmp_path):
    answer, phrase = CASES[case]
    plan = dataclasses.replace(manifest, questions=tuple(
        dataclasses.replace(q, mistakes=(manifests.Mistake(answer),)) if q.id == "q7" else q
        for q in manifest.questions))
    answers = {q.id: sample.SOLUTION for q in manifest.questions if q.kind == "auto"} | {"q7": sample.WRONG}
    folder = sample.build_submission(plan, manifest.source_dir(REPO), manifest.release_dir(REPO), tmp_path / ID, answers)
    result = self_check(folder / LAB, root=REPO, sandboxed=False)
    scores = {row.id: row for row in result.rows if row.score is not None}
    others = {qid: row.score for qid, row in scores.items() if qid != "q7"}
    assert others == {q.id: q.points for q in manifest.questions if q.kind == "auto" and q.id != "q7"}, others
    q7 = scores["q7"]
    assert q7.score == 0, f"{case} keeps q7's points"
    assert phrase in q7.message, q7.message  # a visible test names the mistake, before the hidden ones run

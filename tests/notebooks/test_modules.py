"""Every shipped assignment: release/ is nbgrader's output, notebooks run, and the tests are real."""

import pytest

from course import manifest
from course.authoring import release as releasing
from course.authoring import validate
from tests.conftest import REPO

pytestmark = pytest.mark.slow
ASSIGNMENTS = manifest.available(REPO)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_release_is_exactly_what_nbgrader_generates_from_source(aid):
    releasing.check_release(aid, REPO)  # raises ReleaseError naming the files that differ


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_release_holds_no_solution_hidden_test_or_output(aid):
    releasing.check_no_leaks(REPO / "release" / aid)


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_notebook_runs_under_every_parameter_set_and_every_graded_cell_is_real(aid):
    m = manifest.load(aid, REPO)
    result = validate.validate(aid, root=REPO, progress=None)  # raises ValidationError naming cells
    assert {(r.notebook, r.parameters) for r in result.runs} == {
        (n.file, p.name) for n in m.notebooks for p in m.parameters
    }
    autos = [q for q in m.questions if q.kind == "auto"]
    for p in m.parameters:
        assert result.scores[("solution", p.name)] == {q.id: q.points for q in autos}
        assert result.scores[("blank", p.name)] == {q.id: 0 for q in autos}
    for q in autos:
        if q.wrong:
            assert result.scores[("wrong", m.parameters[0].name)][q.id] < q.points
        if q.alternative:
            assert result.scores[("alternative", m.parameters[0].name)][q.id] == q.points


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_question_lists_three_plausible_mistakes_and_a_visible_test_names_each(aid):
    """The house rule: a student who passes every visible test is not surprised by a zero."""
    m = manifest.load(aid, REPO)
    catches = validate.mistakes(aid, root=REPO, progress=None)
    autos = [q for q in m.questions if q.kind == "auto"]
    assert {c.question for c in catches} == {q.id for q in autos}
    assert len(catches) == sum(len(q.mistakes) for q in autos) >= manifest.MIN_MISTAKES * len(autos)
    problems = validate.mistake_problems(m, catches)
    assert not problems, "\n".join(problems)
    hidden_only = [c for c in catches if c.by == validate.HIDDEN_ONLY]
    assert len(hidden_only) <= len(catches) // 5, f"{len(hidden_only)} of {len(catches)} mistakes are caught only by hidden tests"

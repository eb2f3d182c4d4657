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

"""Every shipped assignment: release/ is nbgrader's output, notebooks run, and the tests are real."""

import pytest

from course import manifest
from course.authoring import release as releasing
from course.authoring import validate
from tests.conftest import REPO

pytestmark = pytest.mark.slow
ASSIGNMENTS = manifest.available(REPO)


#: Every release: English, and each language with a translation file (source/<id>.<lang>.yml).
RELEASES = [(aid, lang) for aid in ASSIGNMENTS for lang in releasing.languages(aid, REPO)]


@pytest.mark.parametrize("aid,lang", RELEASES)
def test_release_is_exactly_what_nbgrader_generates_from_source(aid, lang):
    releasing.check_release(aid, REPO, lang=lang)  # raises ReleaseError naming the files that differ


@pytest.mark.parametrize("aid,lang", RELEASES)
def test_release_holds_no_solution_hidden_test_or_output(aid, lang):
    releasing.check_no_leaks(releasing.release_dir(aid, lang, REPO))


def _sets_that_change_the_data(m):
    """The first parameter set, and every other set that changes more than the seed.

    CI's time budget: a set that changes only SEED takes the same code path with other random
    numbers (per-student seeds are graded in tests/e2e/test_pipeline.py); `course validate`,
    what an instructor runs, still runs every set.
    """
    first = m.parameters[0].values
    return [p for i, p in enumerate(m.parameters)
            if i == 0 or any(v != first.get(k) for k, v in p.values.items() if k != "SEED")]


@pytest.mark.parametrize("aid", ASSIGNMENTS)
def test_every_notebook_runs_under_every_parameter_set_and_every_graded_cell_is_real(aid):
    m = manifest.load(aid, REPO)
    sets = _sets_that_change_the_data(m)
    result = validate.validate(aid, root=REPO, progress=None, parameters=[p.name for p in sets])  # raises ValidationError naming cells
    assert {(r.notebook, r.parameters) for r in result.runs} == {
        (n.file, p.name) for n in m.notebooks for p in sets
    }
    autos = [q for q in m.questions if q.kind == "auto"]
    for p in sets:
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

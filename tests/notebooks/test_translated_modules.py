"""`course validate ID --lang ja`: each Japanese release runs, and grades as the English does.

Module 0 under every parameter set; every other translated module under its first set, to keep
CI inside its time (the English module test covers the sets that change the data; run
`course validate ID --lang ja` for all of them by hand, docs/AUTHORING.md, "Translating a module").
"""

import pytest

from course import manifest
from course.authoring import validate
from course.authoring.release import languages
from tests.conftest import REPO

pytestmark = pytest.mark.slow

FIRST = "00-python-pandas"
TRANSLATED = [m.id for m in manifest.load_all(REPO) if "ja" in languages(m.id, REPO)]


def test_every_module_is_translated():
    assert FIRST in TRANSLATED
    assert sorted(TRANSLATED) == sorted(m.id for m in manifest.load_all(REPO)), "a module has no Japanese release"


@pytest.mark.parametrize("aid", TRANSLATED)
def test_validate_lang_ja_the_solution_from_the_japanese_release_scores_full_and_the_blank_zero(aid):
    m = manifest.load(aid, REPO)
    sets = None if aid == FIRST else [m.parameters[0].name]
    result = validate.validate(aid, root=REPO, lang="ja", progress=None, parameters=sets)  # raises ValidationError naming any problem
    autos = {q.id: q.points for q in m.questions if q.kind == "auto"}
    default = m.parameters[0].name
    assert result.scores[("solution", default)] == autos
    assert set(result.scores[("blank", default)].values()) == {0}
    assert all(run.ok for run in result.runs) and result.assignment == f"{aid} (ja)"
    expected = {p.name for p in m.parameters} if sets is None else set(sets)
    assert {run.parameters for run in result.runs} == expected

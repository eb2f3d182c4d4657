"""`course validate 00-python-pandas --lang ja`: the Japanese release of module 0 runs, and grades as the English does.

Module 0 only, to keep CI fast; for any other translated module run the same command by hand
(docs/AUTHORING.md, "Translating a module").
"""

import pytest

from course import manifest
from course.authoring import validate
from tests.conftest import REPO

pytestmark = pytest.mark.slow

AID = "00-python-pandas"


def test_validate_lang_ja_the_solution_from_the_japanese_release_scores_full_and_the_blank_zero():
    if not (REPO / "source" / f"{AID}.ja.yml").is_file():
        pytest.fail(f"source/{AID}.ja.yml is missing: module 0's translation is part of the course")
    result = validate.validate(AID, root=REPO, lang="ja", progress=None)  # raises ValidationError naming any problem
    m = manifest.load(AID, REPO)
    autos = {q.id: q.points for q in m.questions if q.kind == "auto"}
    default = m.parameters[0].name
    assert result.scores[("solution", default)] == autos
    assert set(result.scores[("blank", default)].values()) == {0}
    assert all(run.ok for run in result.runs) and result.assignment == f"{AID} (ja)"

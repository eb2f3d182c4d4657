"""docs/SEMINAR.md: a meeting for every module, and its numbers agree with the course's data."""

from __future__ import annotations

import re

from course import datasets, manifest
from tests.conftest import REPO

SEMINAR = (REPO / "docs" / "SEMINAR.md").read_text(encoding="utf-8")


def _section(module: int) -> str:
    parts = re.split(r"^## ", SEMINAR, flags=re.M)
    found = [p for p in parts if p.startswith(f"Module {module}:")]
    assert len(found) == 1, f"docs/SEMINAR.md has no single section for module {module}"
    return found[0]


def test_every_module_has_readings_discussion_an_activity_and_predictions():
    for m in manifest.load_all(REPO):
        section = _section(m.module)
        for part in ("- **Read:**", "- **Discuss"):
            assert part in section, f"module {m.module}'s meeting lacks {part}"
        if m.module == 6:
            assert "| milestone |" in section and section.count("\n| ") >= 6, "the capstone needs its milestones"
        else:
            assert "- **Activity" in section and "- **Predict:**" in section, f"module {m.module}"
            assert len(re.findall(r"^  \d\. ", section, flags=re.M)) >= 2, f"module {m.module} needs two predictions"


def test_every_web_address_is_https():
    for url in re.findall(r"<(\S+?)>", SEMINAR):
        assert url.startswith("https://"), url


def test_module_1s_predicted_numbers_are_the_datas():
    cs = datasets.load_civil_service_applicants()
    annual = cs[cs["measure"] == "old Type I + comprehensive (annual report)"].set_index("fiscal_year")["applicants"]
    people = datasets.load_population_age22().set_index("year")["population_thousands"]
    fall = (1 - annual[2020] / annual[1996]) * 100
    rate_fall = (1 - (annual[2020] / people[2020]) / (annual[1996] / people[1996])) * 100
    cohort_fall = (1 - people[2020] / people[1996]) * 100
    section = _section(1)
    assert f"fell {fall:.0f}%" in section and f"about {rate_fall:.0f}%" in section and f"by {cohort_fall:.0f}%" in section


def test_module_5s_rank_is_the_datas():
    egov = datasets.load_egov_index()
    japan = egov[(egov["country"] == "Japan") & (egov["year"] == egov["year"].max())]
    assert f"is {int(japan['rank'].iloc[0])}th" in _section(5)

"""course.late: the manifest's late policy, as nbgrader applies it."""

import pytest
import yaml

from course import manifest
from course.errors import ManifestError
from course.grading.steps import late_penalty as penalty

DAY = 86400


@pytest.mark.parametrize(
    "per_day, max_days, score, late, expected",
    [
        (10, 5, 20, 0, 0),  # on time
        (10, 5, 20, 1, 2),  # one second late is a started day
        (10, 5, 20, DAY + 1, 4),  # two started days
        (10, 5, 20, 5 * DAY, 10),
        (10, 5, 20, 5 * DAY + 1, 20),  # past max_days: zero
        (50, 0, 20, 3 * DAY, 20),  # never more than the score
        (0, 0, 20, 9 * DAY, 0),  # no policy
    ],
)
def test_penalty(per_day, max_days, score, late, expected):
    assert penalty(per_day, max_days, score, late) == pytest.approx(expected)


@pytest.mark.parametrize("policy", [{"per_day": 120}, {"per_day": -1}, {"grace": 2}, "10%"])
def test_bad_late_policy_is_refused(toy_root, policy):
    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["late_policy"] = policy
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ManifestError, match="late_policy"):
        manifest.load("00-toy", toy_root)

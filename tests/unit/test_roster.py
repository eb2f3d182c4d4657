"""course.roster: a class list that nbgrader can use, or a clear error."""

import pytest

from course.grading import roster
from course.errors import RosterError


def _roster(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_reads_students_with_optional_columns(tmp_path):
    students = roster.load(_roster(tmp_path, "id,first_name,last_name,email\na1,Aiko,Tanaka,a@x.jp\nb2,,,\n"))
    assert [s.id for s in students] == ["a1", "b2"]
    assert students[0].first_name == "Aiko" and students[1].email == ""


@pytest.mark.parametrize(
    "text, message",
    [
        ("id,first_name\na1,A\nb2,B\na1,C\n", "line 4: duplicate student id 'a1' (first on line 2)"),
        ("id,first_name\n,A\n", "line 2: empty student id"),
        ("id\nalice+bob\n", "may only use letters, digits"),
        ("name,email\nA,a@x\n", "no 'id' column"),
        ("id,first_name\n", "no students"),
    ],
)
def test_bad_rosters_say_which_line_and_what_to_do(tmp_path, text, message):
    with pytest.raises(RosterError) as err:
        roster.load(_roster(tmp_path, text))
    assert message in str(err.value)


def test_missing_roster_file(tmp_path):
    with pytest.raises(RosterError, match="no such file"):
        roster.load(tmp_path / "nope.csv")

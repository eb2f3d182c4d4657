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
        ("id\nalice+bob\n", "'alice+bob' has '+', which nbgrader's exchange uses in its file names: fix it on that line"),
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


def test_email_addresses_and_hub_names_are_ids_and_the_lms_user_id_is_kept(tmp_path):
    students = roster.load(_roster(tmp_path, "id,first_name,last_name,email,lms_user_id\n"
                                   "aiko.tanaka@uni.example.ac.jp,Aiko,Tanaka,,4711\n"
                                   "jupyter-kenji,Kenji,Sato,k@x.jp,\n"
                                   "O'Brien_2@x.jp,,,,\n"))
    assert [s.id for s in students] == ["aiko.tanaka@uni.example.ac.jp", "jupyter-kenji", "O'Brien_2@x.jp"]
    assert students[0].lms_user_id == "4711" and students[1].lms_user_id == ""


@pytest.mark.parametrize(
    "sid, why",
    [
        ("a/b@x.jp", "has a '/'"),
        ("..", "is a folder's own name"),
        (".", "is a folder's own name"),
        ("aiko tanaka@x.jp", "has a space"),
        ("aiko\x00@x.jp", "control character"),
        ("-rf@x.jp", "starts with '-'"),
        ("a*@x.jp", "has '*'"),
        ("a[1]@x.jp", "has '[' ']'"),
        ("a" * 129, "longer than the 128 characters"),
    ],
)
def test_unsafe_ids_are_refused_naming_the_line_and_the_reason(tmp_path, sid, why):
    with pytest.raises(RosterError) as err:
        roster.load(_roster(tmp_path, f"id\nok@x.jp\n{sid}\n"))
    assert "line 3" in str(err.value) and why in str(err.value) and "\n" not in str(err.value)


def test_an_email_id_is_a_folder_nbgrader_and_the_course_tools_use(tmp_path):
    """nbgrader makes the id a folder (submitted/<id>/<assignment>): one with '@' and '.' round-trips."""
    from course.grading.grade import import_submissions
    from course.grading.workspace import Student, Workspace

    sid = "aiko.tanaka@uni.example.ac.jp"
    assert roster.id_problem(sid) == ""
    lms = tmp_path / "lms" / sid
    lms.mkdir(parents=True)
    (lms / "lab.ipynb").write_text("{}")
    ws = Workspace(tmp_path / "course", sandboxed=False)
    assert import_submissions(ws, "00-toy", tmp_path / "lms", [Student(sid)]) == []
    assert (tmp_path / "course" / "submitted" / sid / "00-toy" / "lab.ipynb").read_text() == "{}"

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


# Rosters as Excel saves them: the bytes are written here as each encoding has them.
JAPANESE = "id,first_name,last_name,email\ns01,愛子,田中,a@x.jp\ns02,健二,佐藤,k@x.jp\n"
WESTERN = "id,first_name,last_name,email\ns01,Zoë,Müller,z@x.de\ns02,José,Núñez,j@x.es\n"


@pytest.mark.parametrize(
    "data, encoding, first, last",
    [
        (JAPANESE.encode("cp932"), "cp932", "愛子", "佐藤"),  # Japanese Excel: "CSV (comma delimited)"
        (WESTERN.encode("cp1252"), "cp1252", "Zoë", "Núñez"),  # Western Excel
        (b"\xef\xbb\xbf" + JAPANESE.encode("utf-8"), "utf-8-sig", "愛子", "佐藤"),  # Excel's "CSV UTF-8": a BOM
    ],
)
def test_excel_rosters_are_read_and_the_encoding_is_said(tmp_path, data, encoding, first, last):
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    said = []
    students = roster.load(path, progress=said.append)
    assert [s.id for s in students] == ["s01", "s02"]
    assert students[0].first_name == first and students[1].last_name == last
    assert said == [f"Roster roster.csv read as {encoding}"]


def test_plain_utf8_is_read_silently_and_an_encoding_can_be_forced(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(JAPANESE.encode("utf-8"))
    said = []
    assert roster.load(path, progress=said.append)[0].first_name == "愛子" and said == []
    path.write_bytes(WESTERN.encode("latin-1"))
    assert roster.load(path, encoding="latin-1")[1].last_name == "Núñez"
    with pytest.raises(RosterError, match="not utf-8 .*Leave out --encoding"):
        roster.load(path, encoding="utf-8")
    with pytest.raises(RosterError, match="unknown encoding 'klingon'"):
        roster.load(path, encoding="klingon")


def test_a_file_in_no_known_encoding_is_one_line_saying_what_to_do(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"id\n\x80\x81\x8d\x8f\x90\x9d\n")  # undefined in UTF-8, cp932 and cp1252 alike
    with pytest.raises(RosterError) as err:
        roster.load(path)
    assert "neither UTF-8 nor cp932 nor cp1252" in str(err.value) and "CSV UTF-8" in str(err.value)
    assert "\n" not in str(err.value)


def test_ids_differing_only_in_case_are_one_student(tmp_path):
    with pytest.raises(RosterError) as err:
        roster.load(_roster(tmp_path, "id,first_name\nS01,A\ns02,B\ns01,C\n"))
    assert str(err.value).endswith("line 4: student id 's01' is 'S01' in other letter case (ids ignore case) "
                                   "(first on line 2). Each student needs one id.")

"""Submissions as Canvas and Moodle download them, browser renames, lateness unknown vs known, arguments checked first.

The downloads are built here as each LMS names its files (course/grading/downloads.py says from
what): no LMS runs on this machine, so the files stand in for a real download.
"""

import csv
import zipfile
from pathlib import Path

import pytest
import yaml

from course import manifest
from course.errors import CourseError
from course.grading import downloads, grade
from course.grading.grade import GRADED
from course.grading.workspace import Student, Workspace

NB = "00-toy-lab.ipynb"
ROSTER = [
    Student("aiko", "Aiko", "Tanaka", "", "4711"),
    Student("kenji", "Kenji", "Sato", "", "4712"),
    Student("mei", "Mei", "Suzuki", "", ""),
]


#: Stand-ins for the notebooks where only the importing is tested (no grading): different bytes per answer.
FAKE = {"solution": b'{"answers": "solution"}', "blank": b'{"answers": "blank"}'}


def _bare(toy_root, tmp_path) -> Workspace:
    """A course folder whose release holds the notebook's name (what renamed copies are matched to), nothing generated."""
    ws = Workspace(tmp_path / "course", repo=toy_root, sandboxed=False)
    ws.release_dir("00-toy").mkdir(parents=True)
    (ws.release_dir("00-toy") / NB).write_text("{}")
    return ws


def _course(toy_root, tmp_path, name="course"):
    """An nbgrader course with 00-toy released; returns it and the answer notebooks as bytes."""
    from course.authoring.sample import build_submission

    m = manifest.load("00-toy", toy_root)
    ws = Workspace(tmp_path / name, repo=toy_root, sandboxed=False, late_policy=m.late_policy)
    ws.sync(m, ROSTER)
    release = ws.generate(m)
    books = {}
    for answers in ("solution", "blank"):
        build_submission(m, ws.source_dir("00-toy"), release, tmp_path / f"nb-{answers}", answers)
        books[answers] = (tmp_path / f"nb-{answers}" / NB).read_bytes()
    return m, ws, books


def _canvas(folder: Path, books) -> Path:
    """Canvas's "Download Submissions", unpacked: <name>[_LATE]_<user id>_<submission id>_<file>, flat."""
    folder.mkdir(parents=True)
    (folder / f"tanakaaiko_4711_90001_{NB}").write_bytes(books["solution"])
    (folder / f"satokenji_LATE_4712_90002_{NB}").write_bytes(books["solution"])
    (folder / f"strangerx_9999_90003_{NB}").write_bytes(books["blank"])
    return folder


def _zip(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.rglob("*")):
            zf.write(p, p.relative_to(folder))
    return dest


def test_canvas_flat_download_and_its_zip_map_user_ids_and_say_who_was_late(toy_root, tmp_path):
    books = FAKE
    flat = _canvas(tmp_path / "canvas", books)
    for i, given in enumerate([flat, _zip(flat, tmp_path / "submissions.zip")]):
        ws = Workspace(tmp_path / f"c{i}", repo=toy_root, sandboxed=False)
        done = downloads.import_download(ws, "00-toy", given, ROSTER)
        assert done.layout == "canvas" and sorted(done.students) == ["aiko", "kenji"]
        assert (ws.submitted_dir("00-toy", "aiko") / NB).read_bytes() == books["solution"]
        assert sorted(p.name for p in ws.submitted_dir("00-toy", "kenji").iterdir()) == [NB]
        assert downloads.lateness_known(ws.submitted_dir("00-toy", "aiko"))  # Canvas: not marked LATE
        assert not downloads.lateness_known(ws.submitted_dir("00-toy", "kenji"))  # LATE, by how much unknown
        assert done.notices == ["Canvas user 9999 (strangerx): no roster line has lms_user_id 9999; skipped. "
                                "Add their Canvas user ID to the roster's lms_user_id column."]


def test_moodle_download_maps_participants_by_lms_id_or_name(toy_root, tmp_path):
    ws, books = _bare(toy_root, tmp_path), FAKE
    moodle = tmp_path / "moodle"
    for folder, data in [("Aiko Tanaka_1530214_assignsubmission_file_", books["solution"]),  # by name
                         ("Kenji Sato_4712_assignsubmission_file_", books["blank"]),  # by lms_user_id
                         ("Nobody Here_777_assignsubmission_file_", books["blank"])]:
        (moodle / folder).mkdir(parents=True)
        (moodle / folder / NB).write_bytes(data)
    (moodle / "Mei Suzuki_88_assignsubmission_onlinetext_").mkdir()
    (moodle / "Mei Suzuki_88_assignsubmission_onlinetext_" / "onlinetext.html").write_text("<p>hi</p>")
    done = downloads.import_download(ws, "00-toy", _zip(moodle, tmp_path / "moodle.zip"), ROSTER)
    assert done.layout == "moodle" and sorted(done.students) == ["aiko", "kenji"]
    assert (ws.submitted_dir("00-toy", "aiko") / NB).read_bytes() == books["solution"]
    assert (ws.submitted_dir("00-toy", "kenji") / NB).read_bytes() == books["blank"]
    assert not ws.submitted_dir("00-toy", "mei").exists()
    assert not downloads.lateness_known(ws.submitted_dir("00-toy", "aiko"))  # Moodle's download has no times
    assert len(done.notices) == 1 and done.notices[0].startswith("Moodle participant 777 (Nobody Here): no roster line")


def test_browser_renamed_copies_the_newest_wins_and_folder_ids_ignore_case(toy_root, tmp_path):
    ws, books = _bare(toy_root, tmp_path), FAKE
    lms = tmp_path / "lms" / "AIKO"  # the roster says aiko
    lms.mkdir(parents=True)
    (lms / NB).write_bytes(books["blank"])
    (lms / "00-toy-lab (1).ipynb").write_bytes(books["blank"])
    (lms / "00-toy-lab (2).ipynb").write_bytes(books["solution"])
    notices = grade.import_submissions(ws, "00-toy", tmp_path / "lms", ROSTER)
    folder = ws.submitted_dir("00-toy", "aiko")
    assert [p.name for p in folder.iterdir()] == [NB] and (folder / NB).read_bytes() == books["solution"]
    assert notices == ["aiko: 00-toy-lab (2).ipynb graded as 00-toy-lab.ipynb (a renamed copy; the newest of "
                       "00-toy-lab (2).ipynb, 00-toy-lab.ipynb, 00-toy-lab (1).ipynb)."]


@pytest.mark.parametrize("make, message", [
    (lambda d: (d / "lab.ipynb").write_text("{}"), "are in no layout this tool knows. Expected one folder per student id"),
    (lambda d: (d / "x.txt").write_text("x"), "are in no layout"),
])
def test_an_unknown_layout_is_one_line_saying_what_was_expected(toy_root, tmp_path, make, message):
    ws = Workspace(tmp_path / "course", repo=toy_root, sandboxed=False)
    (tmp_path / "dl").mkdir()
    make(tmp_path / "dl")
    with pytest.raises(CourseError) as err:
        downloads.import_download(ws, "00-toy", tmp_path / "dl", ROSTER)
    assert message in str(err.value) and "Moodle's" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CourseError, match="not a folder and not a .zip file"):
        downloads.check_path(tmp_path / "notes.pdf")


@pytest.mark.slow  # three grading runs with nbgrader: ~29 s on a loaded 2-core machine
def test_lateness_unknown_is_shown_as_unknown_and_no_policy_applies_silently(toy_root, tmp_path):
    """Graded with nbgrader for real: a Canvas LATE file (no time), an unmarked one, and a folder with nbgrader's timestamp."""
    from course.grading import report

    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["late_policy"] = {"per_day": 10, "max_days": 5}
    path.write_text(yaml.safe_dump(data))
    m, ws, books = _course(toy_root, tmp_path)
    run = grade.grade_all("00-toy", roster=ROSTER, workspace=ws, submissions=_canvas(tmp_path / "canvas", books),
                          collect=False, root=toy_root, progress=None, workers=1)
    # mei's work comes as a folder carrying nbgrader's timestamp: 26 hours after the due date
    mei = tmp_path / "folders" / "mei"
    mei.mkdir(parents=True)
    (mei / NB).write_bytes(books["solution"])
    (mei / "timestamp.txt").write_text("2027-01-16 00:59:00.000000 UTC")  # due 2027-01-15 14:59 UTC
    run = grade.grade_all("00-toy", roster=ROSTER, workspace=ws, submissions=tmp_path / "folders",
                          collect=False, root=toy_root, progress=None, workers=1)
    aiko, kenji, mei_row = run.result("aiko"), run.result("kenji"), run.result("mei")
    assert aiko.status == kenji.status == mei_row.status == GRADED
    assert aiko.late_known and aiko.late_seconds == 0 and aiko.penalty == 0
    assert not kenji.late_known and kenji.penalty == 0 and kenji.total == 3
    assert mei_row.late_known and mei_row.late_seconds == pytest.approx(10 * 3600) and mei_row.penalty == pytest.approx(0.3)
    said = [n for n in run.notices if "no submission time" in n]
    assert said == ["1 submission(s) came with no submission time (kenji): lateness unknown, no late penalty applied "
                    "to them. Grade them from the nbgrader exchange, or put nbgrader's timestamp.txt in each folder."]
    out = report.write_report(run, tmp_path / "out")
    with out.csv.open() as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert rows["kenji"]["late_hours"] == "unknown" and rows["aiko"]["late_hours"] == "0.0"
    assert rows["mei"]["late_hours"] == "10.0" and rows["mei"]["late_penalty"] == "0.3"
    kenji_line = next(line for line in report.table_text(run).splitlines() if line.startswith("kenji"))
    assert "unknown" in kenji_line
    # Nothing new: a run that writes no grade makes no backup of the gradebook
    backups = sorted((ws.root / "backups").glob("*.db"))
    assert len(backups) == 2  # one per run that graded
    said = []
    again = grade.grade_all("00-toy", roster=ROSTER, workspace=ws, submissions=tmp_path / "folders",
                            collect=False, root=toy_root, progress=said.append, workers=1)
    assert [again.result(s.id).late_known for s in ROSTER] == [True, False, True]
    assert sorted((ws.root / "backups").glob("*.db")) == backups and not any("backed up" in line for line in said)


def test_bad_arguments_fail_in_one_line_before_the_gradebook_is_touched(toy_root, tmp_path, monkeypatch, capsys):
    """`course grade` with a wrong argument, run in this process (the same click program, as tests/unit/test_cli.py does)."""
    from course.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name\naiko,Aiko\n")
    bad_roster = tmp_path / "excel.csv"
    bad_roster.write_bytes(b"id\n\x80\x81\x8d\x8f\x90\x9d\n")  # neither UTF-8 nor cp932 nor cp1252
    work = tmp_path / "work"
    monkeypatch.setenv("COURSE_WORK", str(work))
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    cases = [
        (["--roster", str(roster), "--student", "nobody"],
         "nobody is not on the roster: check the id, or add the student to the roster."),
        (["--roster", str(roster), "--submissions", str(tmp_path / "nope")], "no submissions folder or .zip"),
        (["--roster", str(bad_roster)], "neither UTF-8 nor cp932 nor cp1252"),
    ]
    for args, message in cases:
        with pytest.raises(SystemExit) as exit_:
            main(["--root", str(toy_root), "grade", "00-toy", "--no-collect", *args])
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert exit_.value.code == 1 and len(lines) == 1 and lines[0].startswith("error: "), err
        assert message in lines[0] and "Traceback" not in err
        assert not work.exists()  # no gradebook made, synced or backed up


def test_course_autograde_checks_the_submissions_path_before_opening_the_course(tmp_path):
    from course.grading import dropin

    with pytest.raises(CourseError, match="no submissions folder or .zip"):
        dropin.autograde("ps1", course=tmp_path / "course", submissions=tmp_path / "nope", progress=None)
    assert not (tmp_path / "course").exists()


def test_zips_of_student_folders_or_of_a_wrapped_download_and_no_link_is_made(toy_root, tmp_path):
    ws = _bare(toy_root, tmp_path)
    zpath = tmp_path / "class.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(f"Kenji/{NB}", FAKE["solution"])  # one folder per student id (the roster says kenji)
        link = zipfile.ZipInfo("Kenji/notes.txt")
        link.external_attr = (0o120777 << 16)  # a symbolic link stored in the archive
        zf.writestr(link, "/etc/passwd")
    assert downloads.import_download(ws, "00-toy", zpath, ROSTER).students == ["kenji"]
    folder = ws.submitted_dir("00-toy", "kenji")
    assert sorted(p.name for p in folder.iterdir()) == [NB] and (folder / NB).read_bytes() == FAKE["solution"]
    wrapped = tmp_path / "wrapped.zip"
    with zipfile.ZipFile(wrapped, "w") as zf:  # a download re-zipped with its folder
        zf.writestr(f"submissions/tanakaaiko_4711_90001_{NB}", FAKE["blank"])
    done = downloads.import_download(ws, "00-toy", wrapped, ROSTER)
    assert done.layout == "canvas" and (ws.submitted_dir("00-toy", "aiko") / NB).read_bytes() == FAKE["blank"]

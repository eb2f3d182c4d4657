"""`course check`: a learner grades their own notebook, hidden tests included, and sees no hidden test or solution."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course.authoring import release as releasing
from course.cli import main
from course.grading import selfcheck
from tests.conftest import edit_toy_lab, toy_copy

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOY = REPO / "tests" / "fixtures" / "toy-course"
#: A message only the toy's hidden test carries: it must never reach the learner.
SECRET = "SECRET-the-sum-is-55"


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    """The toy course, its hidden test given a tell-tale message, released by nbgrader."""
    root = toy_copy(tmp_path_factory.mktemp("selfcheck") / "toy")
    source = root / "source" / "00-toy" / "00-toy-lab.ipynb"
    source.write_text(source.read_text().replace("total is not the sum of 1 to 10.", SECRET))
    releasing.release("00-toy", root)
    return root


def learner_notebook(toy: Path, folder: Path, answers: dict[str, str], name: str = "00-toy-lab.ipynb") -> Path:
    """The released notebook with the learner's code in its answer cells ({grade_id: code})."""
    nb = nbformat.read(toy / "release" / "00-toy" / "00-toy-lab.ipynb", as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def scores(result: selfcheck.SelfCheck) -> dict[str, float | None]:
    return {r.id: r.score for r in result.rows}


def assert_reveals_nothing(text: str, toy: Path) -> None:
    """No hidden test code, hidden test message or solution code appears in ``text``."""
    source = nbformat.read(toy / "source" / "00-toy" / "00-toy-lab.ipynb", as_version=4)
    for cell in source.cells:
        for block in re.findall(r"### BEGIN (?:HIDDEN TESTS|SOLUTION)\n(.*?)### END", cell.source, re.DOTALL):
            for line in filter(None, (line.strip() for line in block.splitlines())):
                assert line not in text, f"leaked: {line}"
    assert SECRET not in text and "BEGIN HIDDEN" not in text


@pytest.fixture(scope="module")
def undeclared(tmp_path_factory) -> Path:
    """The toy course whose q2 answer makes helper without declaring it, and whose visible q2 test reads helper."""
    root = toy_copy(tmp_path_factory.mktemp("undeclared") / "toy")
    edit_toy_lab(root, {
        "q2-answer": lambda src: src.replace("doubled = 2 * SEED\n", "helper = 2\ndoubled = helper * SEED\n"),
        "q2-tests": lambda src: "assert doubled == helper * SEED, 'doubled is not helper times SEED'\n" + src,
    })
    releasing.release("00-toy", root)
    return root


def test_a_visible_test_that_reads_an_undeclared_name_fails_as_in_grading_and_says_which(undeclared, tmp_path):
    """Grading's tests get only the declared names (doubled): course check, which grades as grading does, and
    check() in the notebook both fail q2 and name helper, where one kernel would pass it."""
    from course.learn import coach
    from course.notebooks import unseen_message

    path = learner_notebook(undeclared, tmp_path / "00-toy", {"q1-answer": "total = 55",
                                                              "q2-answer": "helper = 2\ndoubled = helper * SEED"})
    result = selfcheck.self_check(path, root=undeclared)
    assert scores(result) == {"q1": 2, "q2": 0, "q3": None}
    assert result.rows[1].message == unseen_message("helper", ["doubled"])
    in_notebook = coach.Coach("00-toy", root=undeclared).check("q2", {"SEED": 1, "helper": 2, "doubled": 2})
    assert not in_notebook.passed and in_notebook.message == f"not yet. {result.rows[1].message}"  # one message, both places


def test_a_complete_notebook_scores_full_marks_and_written_answers_are_left_to_a_person(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 10 * 11 // 2", "q2-answer": "doubled = SEED + SEED"})
    result = selfcheck.self_check(path, root=toy)
    assert scores(result) == {"q1": 2, "q2": 1, "q3": None}
    text = result.summary()
    assert text.startswith("00-toy-lab.ipynb (00-toy): 3 of 3 autograded points")
    assert "Written answers (2 points) are graded by a person." in text
    assert_reveals_nothing(text, toy)


def test_a_hidden_failure_is_reported_without_its_code_or_message(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 54", "q2-answer": "doubled = 3"})
    result = selfcheck.self_check(path, root=toy)
    assert scores(result) == {"q1": 0, "q2": 0, "q3": None}
    assert [r.message for r in result.rows[:2]] == [selfcheck.HIDDEN_MESSAGE] * 2
    # one's own clone (the toy is owned by whoever runs this): hidden tests ran, and no note says otherwise
    assert result.hidden_tests and "visible tests only" not in result.summary()
    assert_reveals_nothing(result.summary(), toy)


def test_a_half_done_notebook_gets_its_visible_messages(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 5.5"})
    result = selfcheck.self_check(path, root=toy)
    assert scores(result) == {"q1": 0, "q2": 0, "q3": None}
    assert result.rows[0].message == "total should be a whole number."
    assert "doubled is still ..." in result.rows[1].message


def test_editing_a_test_cell_changes_nothing(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 54", "q1-tests": "pass", "q2-answer": "doubled = 2 * SEED"})
    assert scores(selfcheck.self_check(path, root=toy)) == {"q1": 0, "q2": 1, "q3": None}


def test_a_deleted_test_cell_scores_zero_and_says_how_to_get_it_back(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 55"})
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "q1-tests"]
    nbformat.write(nb, path)
    row = selfcheck.self_check(path, root=toy).rows[0]
    assert row.score == 0 and "test cell is missing" in row.message and "release/00-toy/00-toy-lab.ipynb" in row.message


def test_without_a_sandbox_it_runs_unsandboxed_with_a_one_line_note(toy, tmp_path, monkeypatch):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 55", "q2-answer": "doubled = 3"})
    monkeypatch.setattr(selfcheck, "_sandbox_available", lambda: "bubblewrap is not installed")
    result = selfcheck.self_check(path, root=toy)
    assert scores(result) == {"q1": 2, "q2": 0, "q3": None}
    assert result.notes == ["no sandbox on this machine (bubblewrap is not installed): your notebook ran without one, as your own code."]
    assert_reveals_nothing(result.summary(), toy)


def test_a_changed_seed_is_pointed_out(toy, tmp_path):
    path = learner_notebook(toy, tmp_path / "00-toy", {"q1-answer": "total = 55", "q2-answer": "doubled = 2 * SEED"})
    nb = nbformat.read(path, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = params.source.replace("SEED = 1", "SEED = 3")
    nbformat.write(nb, path)
    result = selfcheck.self_check(path, root=toy, sandboxed=False)
    assert scores(result)["q2"] == 0
    assert any("changes SEED; grading uses SEED = 1" in n for n in result.notes)


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_the_command_prints_the_score_table(toy, tmp_path, capsys):
    path = learner_notebook(toy, tmp_path / "my-work" / "00-toy", {"q1-answer": "total = 55"})
    main(["--root", str(toy), "check", str(path)])
    out = capsys.readouterr().out
    assert "00-toy-lab.ipynb (00-toy): 2 of 3 autograded points" in out
    assert re.search(r"q1\s+2/2\s+passed", out)
    assert_reveals_nothing(out, toy)


def test_a_real_blank_lab_scores_zero_and_reveals_no_hidden_test(capsys):
    path = REPO / "release" / "01-problem-framing" / "01-problem-framing-lab.ipynb"
    main(["--root", str(REPO), "check", str(path)])
    out = capsys.readouterr().out
    assert "01-problem-framing-lab.ipynb (01-problem-framing): 0 of" in out
    assert "is still `...`" in out
    source = nbformat.read(REPO / "source" / "01-problem-framing" / "01-problem-framing-lab.ipynb", as_version=4)
    for cell in source.cells:
        for block in re.findall(r"### BEGIN (?:HIDDEN TESTS|SOLUTION)\n(.*?)### END", cell.source, re.DOTALL):
            for line in filter(None, (line.strip() for line in block.splitlines())):
                assert line not in out, f"leaked: {line}"


def _students_copy(toy: Path, dest: Path, source_owner: int | None) -> Path:
    """The released toy course as a student has it: without source/ (None), or with one owned by another uid."""
    shutil.copytree(toy, dest, ignore=None if source_owner is not None else shutil.ignore_patterns("source"))
    if source_owner is not None:
        for path in [dest / "source", *(dest / "source").rglob("*")]:
            os.chown(path, source_owner, source_owner)  # a real change of owner: these tests run as root
    return dest


@pytest.mark.parametrize("source_owner", [None, 54321], ids=["no-source", "source-of-another-user"])
def test_without_a_source_of_its_own_only_visible_tests_run_and_it_says_so(toy, tmp_path, capsys, source_owner):
    if source_owner is not None and os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root (CI runs as root)")
    root = _students_copy(toy, tmp_path / "course", source_owner)
    # q1 passes the visible tests but not the hidden one; with the hidden tests it scores 0 (above)
    path = learner_notebook(toy, tmp_path / "my-work" / "00-toy", {"q1-answer": "total = 54", "q2-answer": "doubled = 2 * SEED"})
    main(["--root", str(root), "check", str(path)])
    out = capsys.readouterr().out
    assert "00-toy-lab.ipynb (00-toy): 3 of 3 autograded points (visible tests only)" in out
    note = [line for line in out.splitlines() if "hidden tests are not run here" in line]
    assert len(note) == 1
    assert ("belongs to another user, so it is not used" in note[0]) == (source_owner is not None)
    assert_reveals_nothing(out, toy)



def test_the_second_check_reuses_the_pre_loaded_processes_and_scores_the_same(toy, tmp_path):
    """`course check` as a learner types it (course.launch): the first run starts the learner's checker server,
    the next run reuses its sandboxes; both give the in-process score table and reveal no hidden test."""
    import subprocess
    import sys

    from course.grading import checkserver

    import tempfile

    runtime = Path(tempfile.mkdtemp(prefix="cc-"))  # short: a socket's path must fit in 108 bytes
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop(checkserver.ENV, None)
    path = learner_notebook(toy, tmp_path / "my-work" / "00-toy", {"q1-answer": "total = 54"})

    def course_check():
        done = subprocess.run([sys.executable, "-m", "course", "check", "--root", str(toy), str(path)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    try:
        first, second = course_check(), course_check()
    finally:
        sock = next((runtime / f"course-check-{os.getuid()}").glob("*.sock"), None)
        stopped = sock is not None and checkserver.stop(sock)
        shutil.rmtree(runtime, ignore_errors=True)
    assert stopped, "no checker server was left running to reuse"
    assert "starting the checker's pre-loaded processes" in first.stderr
    assert "starting" not in second.stderr  # the second run found the server
    table = lambda out: [line for line in out.splitlines() if not line.startswith("Checked in")]  # noqa: E731
    assert table(first.stdout) == table(second.stdout)
    assert table(first.stdout) == table(selfcheck.self_check(path, root=toy, sandboxed=None).summary())
    assert selfcheck.HIDDEN_MESSAGE in first.stdout
    assert_reveals_nothing(first.stdout + first.stderr, toy)


@pytest.mark.parametrize("with_source", [True, False], ids=["self-learner's clone", "student's install"])
def test_a_japanese_lab_is_checked_in_japanese(tmp_path, capsys, with_source):
    """The test run speaks the learner's language, as grading does: the package's messages and the test cells' own."""
    aid, lab = "01-problem-framing", "01-problem-framing-lab.ipynb"
    root = REPO
    if not with_source:  # as on the hub: the released notebooks in both languages, the manifests, no source/
        root = tmp_path / "course"
        for part in ("assignments", f"release/{aid}", f"release/ja/{aid}"):
            shutil.copytree(REPO / part, root / part)
        shutil.copy(REPO / "nbgrader_config.py", root)
    path = tmp_path / "my-work" / "ja" / aid / lab
    path.parent.mkdir(parents=True)
    shutil.copy(REPO / "release" / "ja" / aid / lab, path)
    main(["--root", str(root), "check", str(path)])
    out = capsys.readouterr().out
    assert "baseline_minutes はまだ `...` のままです" in out  # course.checks, in the sandboxed test run
    assert "is still `...`" not in out

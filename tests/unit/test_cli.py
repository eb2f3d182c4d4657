"""The `course` command: help everywhere, one-line errors with a non-zero exit on bad input."""

import json
import subprocess
import sys

import pytest

from course.cli import main

COMMANDS = ["list", "release", "validate", "demo", "grade", "check", "syllabus"]


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    main([command, "--help"])  # in this process: the same click program, without paying for a new interpreter each time
    out = capsys.readouterr().out
    assert "Usage: course " + command in out
    assert "Show this message and exit." in out


def test_the_installed_command_starts_and_lists_its_commands():
    done = subprocess.run([sys.executable, "-m", "course", "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    assert all(command in done.stdout for command in COMMANDS)


def _assert_one_line_error(code, err, *needles):
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in err


def test_unknown_assignment(toy_root, capsys):
    code, _, err = run(capsys, "--root", str(toy_root), "validate", "00-tyo")
    _assert_one_line_error(code, err, 'no assignment "00-tyo"', 'Did you mean "00-toy"?')


def test_missing_manifest_field(toy_root, capsys):
    path = toy_root / "assignments" / "00-toy.yml"
    path.write_text(path.read_text().replace("timeout: 30\n", ""))
    code, _, err = run(capsys, "--root", str(toy_root), "release", "00-toy")
    _assert_one_line_error(code, err, "missing field timeout")


def test_malformed_source_notebook(toy_root, capsys):
    (toy_root / "source" / "00-toy" / "00-toy-lab.ipynb").write_text('{"cells": [}')
    code, _, err = run(capsys, "--root", str(toy_root), "release", "00-toy")
    _assert_one_line_error(code, err, "00-toy-lab.ipynb: not a valid notebook")


def test_roster_with_a_duplicate_student(toy_root, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nana\nben\nana\n")
    code, _, err = run(capsys, "--root", str(toy_root), "grade", "00-toy", "--roster", str(roster))
    _assert_one_line_error(code, err, "duplicate student id 'ana'")


def test_source_with_outputs_is_refused(toy_root, capsys):
    path = toy_root / "source" / "00-toy" / "00-toy-lab.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "55\n"}]
    path.write_text(json.dumps(nb))
    code, _, err = run(capsys, "--root", str(toy_root), "release", "00-toy")
    _assert_one_line_error(code, err, "cell 2 has outputs")


def test_missing_required_argument_is_a_usage_error(capsys):
    code, _, err = run(capsys, "grade")
    assert code == 2 and "Missing argument" in err


def test_list_shows_points(toy_root, capsys):
    main(["--root", str(toy_root), "list"])
    assert "5 points: 2 autograded, 1 by hand" in capsys.readouterr().out


def test_list_names_a_manifest_it_cannot_read_and_exits_non_zero(toy_root, capsys):
    (toy_root / "assignments" / "ps1.yml").write_text((toy_root / "assignments" / "00-toy.yml").read_text())
    code, out, err = run(capsys, "--root", str(toy_root), "list")
    assert code == 1 and "00-toy" in out
    assert "assignments/ps1.yml: not read as a manifest: its name is not an assignment id" in err


def test_validate_names_an_unknown_parameter_set_in_one_line(toy_root):
    from course.authoring import validate
    from course.errors import ValidationError

    with pytest.raises(ValidationError, match="no parameter set nope; its sets are default, other-seed"):
        validate.validate("00-toy", root=toy_root, progress=None, parameters=["nope"])

"""`course release ID --lang ja`: nbgrader's student version of the translated source in release/ja/<id>/.

Runs the real nbgrader generate_assignment on a copy of module 0 with a machine-made translation
(tests/machine_translation.py), so it does not wait for, or depend on, the translators' file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from course.authoring import release as releasing
from course.errors import ReleaseError
from tests import machine_translation
from tests.conftest import REPO

AID = "00-python-pandas"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("ja") / "course"
    for sub in ("assignments", "source"):
        (root / sub).mkdir(parents=True)
    shutil.copy(REPO / "assignments" / f"{AID}.yml", root / "assignments")
    shutil.copy(REPO / "source" / f"{AID}.yml", root / "source")
    shutil.copytree(REPO / "source" / AID, root / "source" / AID)
    shutil.copy(REPO / "nbgrader_config.py", root)
    (root / "docs").mkdir()
    shutil.copy(REPO / "docs" / "GLOSSARY.md", root / "docs")  # the module's copy is made from it
    machine_translation.write(AID, root)
    return root


@pytest.mark.slow  # about 25 s on a loaded 2-core machine: two nbgrader generate_assignment runs
def test_release_lang_ja_writes_the_translated_student_version_beside_the_english(course):
    started = time.perf_counter()
    released = releasing.release(AID, course, lang="ja")
    print(f"release --lang ja: {time.perf_counter() - started:.1f} s")
    folder = course / "release" / "ja" / AID
    assert released.summary().startswith(f"{AID}: release/ja/{AID}/ has 4 files")
    assert (folder / releasing.LANG_FILE).read_text().strip() == "ja"
    assert (folder / "GLOSSARY.md").read_text(encoding="utf-8").startswith("# 用語集")  # the glossary in Japanese
    assert not (course / "release" / AID).exists()  # English is released on its own, to release/<id>/
    lab = json.loads((folder / f"{AID}-lab.ipynb").read_text(encoding="utf-8"))
    assert lab["metadata"]["course"]["lang"] == "ja"
    texts = ["".join(c["source"]) for c in lab["cells"]]
    assert sum(machine_translation.MARK in t for t in texts) > 10
    assert not any("### BEGIN SOLUTION" in t or "### BEGIN HIDDEN TESTS" in t for t in texts)
    assert releasing.languages(AID, course) == ["en", "ja"]

    releasing.check_release(AID, course, lang="ja")  # what was just written is what nbgrader generates
    (folder / releasing.LANG_FILE).write_text("en\n")
    with pytest.raises(ReleaseError, match=f"release/ja/{AID}/ differs .*Run: course release {AID} --lang ja"):
        releasing.check_release(AID, course, lang="ja")


def test_an_unknown_language_is_one_line_that_names_the_known_ones(course):
    with pytest.raises(ReleaseError, match="no language 'fr': use en or one of ja"):
        releasing.release_dir(AID, "fr", course)
    from click.testing import CliRunner

    from course.cli import cli

    out = CliRunner().invoke(cli, ["--root", str(course), "release", AID, "--lang", "fr"])
    assert out.exit_code == 2 and "'fr' is not one of 'en', 'ja'" in out.output


def test_make_lab_lang_ja_copies_the_japanese_release_and_never_overwrites(tmp_path):
    # the real Makefile's lab target, with a stand-in for JupyterLab (tests/e2e/test_make_lab.py starts the real one)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed-stamp").touch()
    (venv / "bin" / "jupyter").write_text('#!/bin/sh\necho "jupyter $* COURSE_LANG=$COURSE_LANG"\n')
    (venv / "bin" / "jupyter").chmod(0o755)
    for folder, text in (("release/00-a", "english"), ("release/ja/00-a", "japanese")):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "a.ipynb").write_text(text)

    def lab(*args):
        env = {k: v for k, v in os.environ.items() if k != "COURSE_LANG"}
        return subprocess.run(["make", "-s", "-f", str(REPO / "Makefile"), "-o", f"{venv}/.installed-stamp", "lab",
                               f"VENV={venv}", *args], cwd=tmp_path, env=env, capture_output=True, text=True)

    english = lab()
    assert english.returncode == 0, english.stderr
    assert (tmp_path / "my-work" / "00-a" / "a.ipynb").read_text() == "english"
    assert not (tmp_path / "my-work" / "ja" / "00-a").exists()  # release/ja is not an assignment
    assert "COURSE_LANG=en" in english.stdout

    japanese = lab("LANG=ja")
    assert japanese.returncode == 0, japanese.stderr
    assert (tmp_path / "my-work" / "ja" / "00-a" / "a.ipynb").read_text() == "japanese"
    assert "my-work/ja/ COURSE_LANG=ja" in japanese.stdout
    (tmp_path / "my-work" / "ja" / "00-a" / "a.ipynb").write_text("my answers")
    assert lab("LANG=ja").returncode == 0
    assert (tmp_path / "my-work" / "ja" / "00-a" / "a.ipynb").read_text() == "my answers"
    missing = lab("LANG=fr")
    assert missing.returncode != 0 and "no release/fr/" in missing.stdout

"""A hub with one instructor and two students, shared by the tests in this folder.

The hub runs from this checkout (REPO) as the one-machine recipe runs it from /srv/social-design-lab
(docs/DEPLOY.md), after the recipe's step that closes the clone to students
(deploy/close-clone.sh). Two differences, both stand-ins: the recipe installs the course package
non-editable into /opt/course, while the test's environment is REPO/.venv, an editable install of
REPO/course; so those two stay open to the students' servers (the script's ENTRY arguments), as
/opt/course is in the recipe. Everything else in REPO is closed for the whole session and its modes
are put back afterwards.
"""

import os
import shutil
import subprocess
import time

import pytest

from tests.hub import hubctl

INSTRUCTOR = "sdl-teacher"
STUDENTS = ["sdl-ana", "sdl-ben"]
#: What an instructor keeps in their clone of the course repository (the code comes from the image).
REPO_PARTS = ("assignments", "source", "release", "nbgrader_config.py")
#: What of REPO stays open to students in the test: the stand-ins for /opt/course (see above).
TEST_ENVIRONMENT = (".venv", "course")


def close_clone(repo):
    """Run the recipe's deploy/close-clone.sh on ``repo``; return a function that puts every mode back."""
    paths = [repo, *repo.iterdir(), *(repo / "deploy").rglob("*")]
    modes = {p: p.lstat().st_mode for p in paths if not p.is_symlink()}
    subprocess.run(["sh", str(repo / "deploy" / "close-clone.sh"), str(repo), *TEST_ENVIRONMENT],
                   check=True, capture_output=True, text=True)

    def reopen():
        for path, mode in modes.items():
            if path.exists():
                os.chmod(path, mode & 0o7777)
    return reopen


@pytest.fixture(scope="session")
def hub():
    reason = hubctl.why_no_hub()
    if reason:
        pytest.skip(f"no JupyterHub test here: {reason}")
    users = [INSTRUCTOR, *STUDENTS]
    the_hub = hubctl.Hub([INSTRUCTOR], STUDENTS)
    closed = hubctl.closed_folders()
    reopen = None
    try:
        reopen = close_clone(hubctl.REPO)
        homes = {name: hubctl.add_system_user(name) for name in users}
        for name in users:
            # e.g. a pyenv Python under /root: the users' servers run this same environment
            hubctl.let_in(name, closed)
        clone = homes[INSTRUCTOR] / "social-design-lab"
        clone.mkdir()
        for part in REPO_PARTS:
            src = hubctl.REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, clone / part)
        subprocess.run(["chown", "-R", f"{INSTRUCTOR}:", str(clone)], check=True)
        the_hub.homes = homes
        the_hub.started = time.time()
        the_hub.start()
        print(f"\nJupyterHub at {the_hub.url}, log: {the_hub.log_path}")
        yield the_hub
    finally:
        the_hub.stop()
        if reopen is not None:
            reopen()
        for name in users:
            hubctl.let_out(name, closed)
            hubctl.remove_system_user(name)

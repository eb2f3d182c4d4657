"""A hub with one instructor and two students, shared by the tests in this folder."""

import shutil
import subprocess

import pytest

from tests.hub import hubctl

INSTRUCTOR = "sdl-teacher"
STUDENTS = ["sdl-ana", "sdl-ben"]
#: What an instructor keeps in their clone of the course repository (the code comes from the image).
REPO_PARTS = ("assignments", "source", "release", "nbgrader_config.py")


@pytest.fixture(scope="session")
def hub():
    reason = hubctl.why_no_hub()
    if reason:
        pytest.skip(f"no JupyterHub test here: {reason}")
    users = [INSTRUCTOR, *STUDENTS]
    the_hub = hubctl.Hub([INSTRUCTOR], STUDENTS)
    closed = hubctl.closed_folders()
    try:
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
        the_hub.start()
        print(f"\nJupyterHub at {the_hub.url}, log: {the_hub.log_path}")
        yield the_hub
    finally:
        the_hub.stop()
        for name in users:
            hubctl.let_out(name, closed)
            hubctl.remove_system_user(name)

"""A shared gradebook on a real PostgreSQL server that the test starts itself (initdb, pg_ctl, a loopback port).

`course grade --workers 2` grades the toy class against it in parallel, its grades equal the
sqlite run's, and a second instructor's process (`nbgrader export`, its own connection) sees them.
PostgreSQL comes from Debian's `postgresql` package (make test-deps installs it).
"""

import csv
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import needs_sandbox
from tests.e2e.conftest import course_grade
from tests.e2e.test_lms_export import nbgrader_export

pytestmark = [pytest.mark.slow, needs_sandbox]

#: A throw-away account for the server when the tests run as root and Debian's `postgres` user is absent.
SERVER_USER = "course-pgtest"
PASSWORD = "pg-test-s3cret"


def _pg_bin() -> Path | None:
    """The folder of initdb and pg_ctl: the one pg_ctl on PATH links to, else Debian's newest."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                                           reverse=True)]
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL server in a temporary folder, run by an unprivileged user (PostgreSQL refuses root)."""

    def __init__(self, bin_dir: Path):
        self.bin, self.created_user = bin_dir, False
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
                self.user = "postgres"
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
                               check=True, capture_output=True)
                self.user, self.created_user = SERVER_USER, True
            entry = pwd.getpwnam(self.user)
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        else:
            self.user, self.uid, self.gid = pwd.getpwuid(os.getuid()).pw_name, None, None
        self.folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self.data, self.port = self.folder / "data", 0
        if self.uid is not None:
            os.chown(self.folder, self.uid, self.gid)

    def run(self, *args: str, password: bool = False) -> subprocess.CompletedProcess:
        """A PostgreSQL program, as the server's user (``password``: logging in as the database's owner)."""
        as_user = {} if self.uid is None else {"user": self.uid, "group": self.gid, "extra_groups": []}
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", **({"PGPASSWORD": PASSWORD} if password else {})}
        return subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True, timeout=120,
                              cwd=self.folder, env=env, **as_user)

    def start(self) -> None:
        pwfile = self.folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.uid is not None:
            os.chown(pwfile, self.uid, self.gid)
        done = self.run("initdb", "-D", str(self.data), "-U", "teacher", f"--pwfile={pwfile}", "-A", "scram-sha-256",
                        "-E", "UTF8", "--locale=C", "--no-sync")
        assert done.returncode == 0, f"initdb failed: {done.stdout}{done.stderr}"
        for _ in range(3):  # a port found free can be taken before the server binds it: try another
            self.port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            done = self.run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                            "-o", options, "start")
            if done.returncode == 0:
                break
        assert done.returncode == 0, f"pg_ctl start failed: {done.stdout}{done.stderr}{self.log()}"
        done = self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "teacher", "gradebook", password=True)
        assert done.returncode == 0, f"createdb failed: {done.stderr}"

    def url(self) -> str:
        return f"postgresql://teacher:{PASSWORD}@127.0.0.1:{self.port}/gradebook"

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.is_file() else ""

    def stop(self) -> None:
        if (self.data / "postmaster.pid").is_file():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.created_user:
            subprocess.run(["userdel", SERVER_USER], capture_output=True)


@pytest.fixture
def postgres():
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl): run `make test-deps` as root, "
                    "or install Debian's postgresql package")
    server = Server(bin_dir)
    try:
        server.start()
        yield server
    finally:  # even when the test or the start failed
        server.stop()


def test_course_grade_in_parallel_on_a_postgresql_gradebook_that_a_second_instructor_reads(
        postgres, graded_toy_class, tmp_path):
    cls = graded_toy_class
    work, output = tmp_path / "course", tmp_path / "grades"
    # The sqlite run already proved the instructor's solution in the sandbox: its cached verdict (keyed by
    # the notebooks, limits and engine) spares this run that step, which has nothing to do with the gradebook.
    shutil.copytree(cls.work / ".course-cache", work / ".course-cache")
    done = course_grade(cls.root, cls.roster, cls.submissions, work, output, db_url=postgres.url(), workers=2)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log + postgres.log()

    # in parallel: the workers ran, each on its private snapshot; never said to fall back
    assert "Executing 4 submissions in sandboxes, 2 at a time" in log
    assert "] 4/4" in log and "one submission at a time" not in log
    assert PASSWORD not in log and "postgresql://teacher:***@127.0.0.1" in log  # the backup notice hides it
    assert not (work / "gradebook.db").exists()

    assert cls.grades(output) == cls.grades()  # every student, question, total: as with the sqlite gradebook
    assert cls.grades()["aiko.tanaka@uni.example.ac.jp"]["total"] == "3.0"

    # a second instructor: another process and connection, reading the shared gradebook
    canvas = nbgrader_export(cls.root, tmp_path / "elsewhere", "Canvas", tmp_path / "canvas.csv", db_url=postgres.url())
    with (output / "00-toy-canvas.csv").open(newline="") as fh:
        written = list(csv.reader(fh))
    assert sorted(canvas[2:]) == sorted(written[2:]) and len(canvas) == 2 + 4
    # q3, a written answer, waits for the hand-grader: a blank cell, as Canvas reads "no grade"
    assert ["Tanaka, Aiko", "4711", "aiko.tanaka@uni.example.ac.jp", "aiko.tanaka@uni.example.ac.jp", "", ""] in canvas

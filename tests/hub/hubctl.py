"""A real JupyterHub on 127.0.0.1 for the tests, configured by deploy/jupyterhub/jupyterhub_config.py.

Users log in as a person does: through the hub's login form, checked by the shipped
configuration's PAM authenticator against the throw-away system users' real passwords. The
test's overrides are only what a laptop-sized hub needs: loopback ports, a throw-away database,
and local processes instead of systemd units (a stand-in: there is no systemd in the test's
container; the servers still run as the users' own uids).
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHP = REPO / ".work" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
CHP_VERSION = "5.3.0"
ARTIFACTS = REPO / ".work" / "artifacts"
DEPLOY_CONFIG = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
COURSE_ID = "social-design-lab"
#: Each throw-away system user's password (chpasswd), made anew for every run.
PASSWORDS: dict[str, str] = {}
#: When this test session began (this module is imported while pytest collects). A file the session
#: wrote or changed has a later ctime, which no copy (``shutil.copy2``) or ``touch`` can set back.
SESSION_STARTED = time.time()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def why_no_hub() -> str | None:
    """Why a hub with system users cannot run here, or None."""
    if os.geteuid() != 0:
        return "the hub test creates throw-away system users and spawns servers as them: run it as root (CI does)"
    if not shutil.which("useradd"):
        return "no useradd on this machine: the hub test needs it to create its throw-away users"
    if closed_folders() and not shutil.which("setfacl"):
        return (f"{', '.join(map(str, closed_folders()))} cannot be entered by other users, so the users' servers "
                "cannot run this Python, and there is no setfacl to let the test's users in (apt-get install acl; make test does)")
    if not CHP.exists():
        npm = shutil.which("npm")
        if not npm:
            return "no npm: install Node.js 20+ and npm so the test can install configurable-http-proxy (make test does)"
        done = subprocess.run([npm, "install", "--prefix", str(CHP.parents[2]), "--no-audit", "--no-fund",
                               "--save-exact", f"configurable-http-proxy@{CHP_VERSION}"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode or not CHP.exists():
            return f"could not install configurable-http-proxy from the npm registry: {done.stderr.strip()[-300:]}"
    return None


def closed_folders() -> list[Path]:
    """Folders on the way to this Python or the repository that other users cannot enter (e.g. /root for pyenv)."""
    found = []
    for target in (Path(sys.executable).resolve(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), REPO):
        for parent in [target, *target.parents] if target.is_dir() else target.parents:
            if parent.stat().st_mode & 0o001 == 0 and parent not in found:
                found.append(parent)
    return found


def let_in(name: str, folders: list[Path]) -> None:
    """Let user ``name`` pass through ``folders`` (search permission only: no listing, no reading)."""
    for folder in folders:
        subprocess.run(["setfacl", "-m", f"u:{name}:x", str(folder)], check=True, capture_output=True)


def let_out(name: str, folders: list[Path]) -> None:
    for folder in folders:
        subprocess.run(["setfacl", "-x", f"u:{name}", str(folder)], capture_output=True)


def add_system_user(name: str) -> Path:
    """A throw-away system user with a home folder and a password of its own (removed first if a crashed run left it)."""
    remove_system_user(name)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True, capture_output=True)
    PASSWORDS[name] = f"{name}-" + secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{name}:{PASSWORDS[name]}\n", text=True, check=True, capture_output=True)
    return Path(pwd.getpwnam(name).pw_dir)


def remove_system_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    subprocess.run(["userdel", "--force", "--remove", name], capture_output=True)


@dataclass
class User:
    """A hub user, acting with a token of their own (as the hub issues to them)."""

    hub: "Hub"
    name: str
    token: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    @property
    def server(self) -> str:
        return f"{self.hub.url}/user/{self.name}"

    def get(self, path: str, **kw) -> requests.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.session.get(self.server + path, headers=headers, timeout=120, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.session.post(self.server + path, headers=headers, timeout=300, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.session.put(self.server + path, headers=headers, timeout=120, **kw)

    def start_server(self, wait: bool = True, timeout: float = 90) -> None:
        """Ask the hub's REST API to start this user's server; wait until it is ready unless ``wait`` is False."""
        r = self.session.post(f"{self.hub.url}/hub/api/users/{self.name}/server", headers=self.headers, timeout=60)
        assert r.status_code in (201, 202, 400), f"{self.name}: starting the server gave {r.status_code} {r.text}"
        if wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.session.get(f"{self.hub.url}/hub/api/users/{self.name}", headers=self.headers, timeout=30).json()
            if info.get("servers", {}).get("", {}).get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{self.name}'s server did not start in {timeout} s; see {self.hub.log_path}")

    def nbgrader(self, action: str, assignment_id: str) -> list:
        """An action of the Assignments tab (fetch, submit, fetch_feedback), as the lab extension posts it."""
        r = self.post(f"/assignments/{action}", data={"course_id": COURSE_ID, "assignment_id": assignment_id})
        assert r.status_code == 200, f"{self.name}: {action} gave {r.status_code} {r.text[:500]}"
        body = r.json()
        assert isinstance(body, list) or body.get("success"), f"{self.name}: {action} failed: {body}"
        return body

    def assignments(self) -> list:
        r = self.get("/assignments", params={"course_id": COURSE_ID})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.get("success"), body
        return body["value"]

    def shell(self, command: str, timeout: float = 300) -> tuple[int, str]:
        """Run ``command`` in a JupyterLab terminal of this user's server; return its exit code and output."""
        r = self.post("/api/terminals")
        assert r.status_code == 200, f"{self.name}: opening a terminal gave {r.status_code} {r.text}"
        name = r.json()["name"]
        try:
            return asyncio.run(_terminal_run(self, name, command, timeout))
        finally:
            self.session.delete(f"{self.server}/api/terminals/{name}", headers=self.headers, timeout=30)


def _xsrf(session: requests.Session) -> str:
    """The _xsrf cookie the hub set last (a page sets it again once the user is logged in)."""
    found = [cookie.value for cookie in session.cookies if cookie.name == "_xsrf"]
    return found[-1] if found else ""


_DONE = re.compile(r"__DONE__(\d+)__")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


async def _terminal_run(user: User, name: str, command: str, timeout: float) -> tuple[int, str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    url = user.server.replace("http://", "ws://") + f"/terminals/websocket/{name}"
    ws = await websocket_connect(HTTPRequest(url, headers=user.headers))
    try:
        # the echoed command line shows "$?", the output shows the number: only the output matches
        await ws.write_message(json.dumps(["stdin", f"{command}; echo __DONE__$?__\r"]))
        out = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = await asyncio.wait_for(ws.read_message(), timeout=max(1, deadline - time.monotonic()))
            if msg is None:
                break
            kind, *rest = json.loads(msg)
            if kind == "stdout":
                out += rest[0]
                found = _DONE.search(_ANSI.sub("", out))
                if found:
                    text = _ANSI.sub("", out)
                    return int(found.group(1)), text[: found.start()]
        raise AssertionError(f"{user.name}: `{command}` gave no exit status in {timeout} s:\n{_ANSI.sub('', out)[-2000:]}")
    finally:
        ws.close()


class Hub:
    """A JupyterHub run as root on 127.0.0.1 with the course's deployed configuration."""

    def __init__(self, instructors: list[str], students: list[str]):
        # Not under pytest's tmp_path: that is private to root, and the students' servers
        # must reach the exchange in here.
        self.dir = Path(tempfile.mkdtemp(prefix="sdl-hub-"))
        self.dir.chmod(0o755)
        self.exchange = self.dir / "exchange"
        self.instructors, self.students = instructors, students
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / "hub" / "jupyterhub.log"
        self.proc: subprocess.Popen | None = None

    def config_text(self) -> str:
        private = self.dir / "hub"
        private.mkdir(mode=0o700, exist_ok=True)
        return f"""
load_subconfig({str(DEPLOY_CONFIG)!r})
c = get_config()
c.JupyterHub.bind_url = {self.url + "/"!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.db_url = "sqlite:///{private}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{private}/cookie_secret"
c.JupyterHub.pid_file = "{private}/jupyterhub.pid"
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
"""

    def start(self, timeout: float = 60) -> None:
        self.exchange.mkdir(mode=0o777)
        self.exchange.chmod(0o777)
        config = self.dir / "hub" / "jupyterhub_test_config.py"
        config.parent.mkdir(mode=0o700, exist_ok=True)
        config.write_text(self.config_text())
        env = dict(os.environ)
        env.update({
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "COURSE_INSTRUCTORS": ",".join(self.instructors),
            "COURSE_STUDENTS": ",".join(self.students),
            "COURSE_EXCHANGE": str(self.exchange),
            "COURSE_ID": COURSE_ID,
        })
        for key in ("COURSE_ROOT", "COURSE_WORK", "COURSE_DB_URL", "JUPYTER_CONFIG_PATH"):
            env.pop(key, None)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("w")
        self.proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=self.dir / "hub",
                                     env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"JupyterHub exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/api", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"JupyterHub did not answer in {timeout} s:\n{self.log_tail()}")

    def authenticator(self) -> str:
        """The authenticator class the running hub says it uses (its start-up log line)."""
        found = re.search(r"Using Authenticator: ([\w.]+)", self.log_path.read_text(errors="replace"))
        return found.group(1).rsplit(".", 1)[-1] if found else "none logged"

    def wait_for_log(self, pattern: str, timeout: float = 30) -> str:
        """The first line of the hub's log matching ``pattern``, waiting up to ``timeout`` s for it ("" if none)."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.log_path.read_text(errors="replace"))
            if found or time.monotonic() > deadline:
                return found.group(0) if found else ""
            time.sleep(0.5)

    def log_tail(self, n: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []
        return "\n".join(lines[-n:])

    def login(self, name: str, password: str) -> requests.Session:
        """Log in through the hub's login form, as a browser does: the form's _xsrf cookie, then the POST.

        Returns the session holding the hub's login cookie; raises AssertionError if the hub refuses.
        """
        session = requests.Session()
        page = session.get(f"{self.url}/hub/login", timeout=30)
        assert page.status_code == 200 and _xsrf(session), f"the login page: {page.status_code} {session.cookies}"
        r = session.post(f"{self.url}/hub/login", timeout=60, allow_redirects=False,
                         data={"username": name, "password": password, "_xsrf": _xsrf(session)})
        assert r.status_code == 302 and "jupyterhub-session-id" in session.cookies, \
            f"{name} could not log in: HTTP {r.status_code} {r.text[:300]}"
        return session

    def user(self, name: str) -> User:
        """The user ``name``, logged in with their system password, holding an API token they made themselves.

        The token is made as the hub's own token page makes it: a request with the login cookie
        and the page's _xsrf token (JupyterHub refuses cookie-authenticated API requests without it).
        """
        session = self.login(name, PASSWORDS[name])
        session.get(f"{self.url}/hub/token", timeout=30)  # a page: it sets the _xsrf cookie of the logged-in user
        r = session.post(f"{self.url}/hub/api/users/{name}/tokens", json={"note": "class test", "expires_in": 3600},
                         headers={"X-XSRFToken": _xsrf(session)}, timeout=30)
        assert r.status_code == 201, f"{name} making a token after logging in: {r.status_code} {r.text}"
        return User(self, name, r.json()["token"], session)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            # SIGTERM: the hub stops the users' servers and its proxy before it exits
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- what a student can read

#: nbgrader's markers around solutions and hidden tests: in any file, they mean a source notebook.
MARKERS = ["### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"]
SCANNER = Path(__file__).with_name("secret_scan.py")


def _lines(source) -> list[str]:
    return ("".join(source) if isinstance(source, list) else source).splitlines()


def hidden_test_lines(repo: Path = REPO) -> list[str]:
    """Lines of the hidden tests in source/ that appear nowhere a student is meant to see.

    Left out: lines that are also in (or part of a line in) a visible part of any source notebook,
    release/ or the course package, and lines too short or too plain to tell apart (``assert ok``).
    """
    hidden, public = set(), set()
    for nb in sorted((repo / "source").glob("*/*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            inside = False
            for line in _lines(cell["source"]):
                text = line.strip()
                if "BEGIN HIDDEN TESTS" in text or "END HIDDEN TESTS" in text:
                    inside = "BEGIN" in text
                    continue
                (hidden if inside else public).add(text)
    for nb in (repo / "release").rglob("*.ipynb"):
        public.update(line.strip() for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]
                      for line in _lines(cell["source"]))
    for py in (repo / "course").rglob("*.py"):
        public.update(line.strip() for line in py.read_text(encoding="utf-8").splitlines())
    seen = "\n".join(public)
    return sorted(t for t in hidden - public if len(t) >= 16 and len(re.findall(r"\w", t)) >= 8 and t not in seen)


def foreign_checkout(path: Path, repo: Path = REPO) -> Path | None:
    """The other copy of this repository ``path`` lies in (a developer's worktree, CI's clone), or None."""
    for folder in Path(path).parents:
        if folder == repo:
            return None
        project = folder / "pyproject.toml"
        if (folder / ".git").exists() and project.is_file() and 'name = "social-design-lab"' in project.read_text():
            return folder
    return None


def scan_as(user: str, needles: dict[str, list[str]], roots=("/",)) -> dict:
    """Run tests/hub/secret_scan.py as system user ``user``: every file they can read, searched for ``needles``."""
    program = SCANNER.read_text() + f"\nmain({list(roots)!r}, {needles!r})\n"
    done = subprocess.run(["runuser", "-u", user, "--", sys.executable, "-I", "-"], input=program,
                          capture_output=True, text=True, cwd="/", timeout=300)
    assert done.returncode == 0, f"the scan as {user} failed: {done.stderr[-2000:]}"
    return json.loads(done.stdout)

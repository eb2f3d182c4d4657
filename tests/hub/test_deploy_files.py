"""The deployment files agree with each other and with the notebooks' budget (no hub needed).

The one-machine hub's configuration is loaded as JupyterHub loads it (its own Application and
traitlets' Python config loader, with load_subconfig), under plain JupyterHub and under The
Littlest JupyterHub. TLJH itself is not installed here: its jupyterhub_config.py is stood in for
by a file setting what TLJH's configurer sets (tljh/configurer.py: authenticator, user lists,
spawner, culler service) before it loads ours from jupyterhub_config.d/, as TLJH does.
"""

import importlib.util
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

DEPLOY = REPO / "deploy"
HUB_CONFIG = DEPLOY / "jupyterhub" / "jupyterhub_config.py"

#: What TLJH's own jupyterhub_config.py sets before it loads jupyterhub_config.d/*.py (a stand-in, see above):
#: its configurer's values for a config.yaml with `users: {allowed: [...], admin: [...]}` and the defaults.
TLJH_STAND_IN = """
import sys
from tljh.user_creating_spawner import UserCreatingSpawner
c = get_config()
c.JupyterHub.spawner_class = UserCreatingSpawner
c.JupyterHub.cleanup_servers = False
c.JupyterHub.hub_port = 15001
c.SystemdSpawner.unit_name_template = "jupyter-{{USERNAME}}"
c.SystemdSpawner.username_template = "jupyter-{{USERNAME}}"
c.JupyterHub.authenticator_class = "firstuseauthenticator.FirstUseAuthenticator"
c.Authenticator.allowed_users = set({allowed!r})
c.Authenticator.blocked_users = set()
c.Authenticator.admin_users = set({admin!r})
c.UserCreatingSpawner.user_groups = {{}}
c.Spawner.mem_limit = None
c.Spawner.cpu_limit = None
c.JupyterHub.services = [{{"name": "cull-idle", "admin": True,
                          "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=600"]}}]
load_subconfig({course!r})
"""


def _module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kubernetes_student_limits_match_the_single_server_ones_and_the_budget(monkeypatch, tmp_path):
    from traitlets.config import Config

    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    hub = runpy.run_path(str(HUB_CONFIG), init_globals={"get_config": Config, "load_subconfig": lambda *a: None})
    values = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text())["singleuser"]
    limits = hub["STUDENT_LIMITS"]
    assert values["cpu"] == {"limit": limits["cpu_limit"], "guarantee": limits["cpu_guarantee"]}
    assert values["memory"] == {"limit": limits["mem_limit"], "guarantee": limits["mem_guarantee"]}
    # the budget: a notebook runs on one core in under 1 GB
    assert limits["cpu_limit"] >= 1 and limits["mem_guarantee"] == "1G"
    assert "environment.yml" in (DEPLOY / "image" / "Dockerfile").read_text()


def test_formgrader_frames_relaxes_only_the_formgraders_pages_framed_by_the_same_server():
    frames = _module(DEPLOY / "jupyter" / "instructor" / "formgrader_frames.py")
    base = "/user/teacher/"
    own = {"Sec-Fetch-Dest": "iframe", "Referer": "https://hub.example.edu/user/teacher/lab"}
    assert frames.may_frame("/user/teacher/formgrader", base, own)
    assert frames.may_frame("/user/teacher/formgrader/manage_students", base, own)
    assert not frames.may_frame("/user/teacher/lab", base, own)
    assert not frames.may_frame("/user/teacher/api/contents", base, own)
    assert not frames.may_frame("/user/teacher/formgrader", base, {**own, "Referer": "https://hub.example.edu/user/ben/files/x.html"})
    assert not frames.may_frame("/user/teacher/formgrader", base, {**own, "Sec-Fetch-Dest": "document"})
    assert not frames.may_frame("/user/teacher/formgrader", base, {"Referer": own["Referer"]})
    assert frames.relaxed_policy("frame-ancestors 'none'; report-uri /x") == "frame-ancestors 'self'; report-uri /x"


def test_kubernetes_pods_get_a_uid_per_user_so_the_shared_exchange_keeps_students_apart():
    values = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text())
    hook_source = values["hub"]["extraConfig"]["course-roles"]

    class Config(dict):
        def __getattr__(self, key):
            return self.setdefault(key, Config())

    c = Config()
    namespace = {"c": c}
    exec(hook_source, namespace)
    hook = c.KubeSpawner.pre_spawn_hook

    class Group:
        def __init__(self, name):
            self.name = name

    class User:
        def __init__(self, uid, groups):
            self.id, self.groups = uid, [Group(g) for g in groups]

    class Spawner:
        def __init__(self, user):
            self.user, self.environment = user, {}

    pods = [Spawner(User(i, groups)) for i, groups in ((1, ["instructors"]), (2, []), (3, []))]
    for pod in pods:
        hook(pod)
    # The pod starts as root only for start.sh, which runs the server as NB_UID (tests/hub/test_kubernetes.py).
    uids = [int(pod.environment["NB_UID"]) for pod in pods]
    assert len(set(uids)) == 3 and all(uid >= 100000 for uid in uids)  # never root, never jovyan's 1000
    assert {pod.environment["NB_GID"] for pod in pods} == {"100"}
    assert pods[0].environment["COURSE_ROLE"] == "instructor" and pods[1].environment["COURSE_ROLE"] == "student"


def _load_hub(config_file: Path, monkeypatch, tmp_path, **env):
    """The JupyterHub application with ``config_file`` loaded as ``jupyterhub -f`` loads it."""
    from jupyterhub.app import JupyterHub

    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))  # the file makes the exchange when run as root
    for key in ("COURSE_INSTRUCTORS", "COURSE_STUDENTS", "COURSE_DEPLOY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = JupyterHub()
    app.load_config_file(str(config_file))
    return app


#: Stand-ins for TLJH's spawner and default authenticator, so that JupyterHub can resolve the class names
#: TLJH configures (neither package is installed here; TLJH installs them in its hub environment).
STAND_IN_MODULES = {
    "tljh/__init__.py": "",
    "tljh/user_creating_spawner.py": "from jupyterhub.spawner import LocalProcessSpawner\n\n\n"
                                     "class UserCreatingSpawner(LocalProcessSpawner):\n    pass\n",
    "firstuseauthenticator.py": "from jupyterhub.auth import Authenticator\n\n\n"
                                "class FirstUseAuthenticator(Authenticator):\n    pass\n",
}


@pytest.fixture
def tljh_modules(tmp_path, monkeypatch):
    modules = tmp_path / "stand-in-modules"
    for name, text in STAND_IN_MODULES.items():
        (modules / name).parent.mkdir(parents=True, exist_ok=True)
        (modules / name).write_text(text)
    monkeypatch.syspath_prepend(str(modules))
    yield
    for name in ("tljh", "tljh.user_creating_spawner", "firstuseauthenticator"):
        sys.modules.pop(name, None)


def _tljh(tmp_path, allowed=(), admin=()) -> Path:
    stand_in = tmp_path / "tljh_jupyterhub_config.py"
    stand_in.write_text(TLJH_STAND_IN.format(allowed=sorted(allowed), admin=sorted(admin), course=str(HUB_CONFIG)))
    return stand_in


class _Group:
    def __init__(self, name):
        self.name = name


class _User:
    def __init__(self, name, groups=()):
        self.name, self.groups = name, [_Group(g) for g in groups]


class _Spawner:
    """A stand-in for the spawner the hook is given before the server starts (unix_username not yet set)."""

    def __init__(self, name, groups=()):
        self.user, self.environment = _User(name, groups), {}


def test_the_one_machine_hub_logs_in_with_pam_never_the_dummy_authenticator(monkeypatch, tmp_path):
    from jupyterhub.auth import DummyAuthenticator, PAMAuthenticator

    app = _load_hub(HUB_CONFIG, monkeypatch, tmp_path, COURSE_INSTRUCTORS="yamada", COURSE_STUDENTS="ana,ben")
    auth = app.authenticator_class  # the class JupyterHub will use, resolved as it resolves it
    assert issubclass(auth, PAMAuthenticator) and not issubclass(auth, DummyAuthenticator), auth
    authenticator = auth(parent=app)  # made as the hub makes it, with the loaded configuration
    assert authenticator.allowed_users == {"yamada", "ana", "ben"}
    assert authenticator.admin_users == {"yamada"}
    assert authenticator.create_system_users is True


def test_under_tljh_the_course_adds_to_tljhs_authenticator_and_user_lists(monkeypatch, tmp_path, tljh_modules):
    app = _load_hub(_tljh(tmp_path, allowed={"chris"}, admin={"owner"}), monkeypatch, tmp_path,
                    COURSE_INSTRUCTORS="yamada", COURSE_STUDENTS="ana")
    from jupyterhub.auth import DummyAuthenticator

    config = app.config
    # TLJH's authenticator is kept (never the dummy one), and so are its lists: ours are added to them
    assert app.authenticator_class.__name__ == "FirstUseAuthenticator"
    assert not issubclass(app.authenticator_class, DummyAuthenticator)
    authenticator = app.authenticator_class(parent=app)
    assert authenticator.allowed_users == {"chris", "yamada", "ana"}
    assert authenticator.admin_users == {"owner", "yamada"}
    assert app.spawner_class.__name__ == "UserCreatingSpawner"
    assert "create_system_users" not in config.LocalAuthenticator
    # `tljh-config add-item users.allowed dana` + `tljh-config reload`: the hub loads both files again
    again = _load_hub(_tljh(tmp_path, allowed={"chris", "dana"}, admin={"owner"}), monkeypatch, tmp_path,
                      COURSE_INSTRUCTORS="yamada", COURSE_STUDENTS="ana")
    assert again.authenticator_class(parent=again).allowed_users == {"chris", "dana", "yamada", "ana"}
    # one culler: TLJH's own
    assert [s["name"] for s in again.services] == ["cull-idle"]


def test_under_tljh_an_instructors_course_folder_is_in_their_jupyter_home(monkeypatch, tmp_path, tljh_modules):
    app = _load_hub(_tljh(tmp_path), monkeypatch, tmp_path, COURSE_INSTRUCTORS="yamada")
    hook = app.config.Spawner.pre_spawn_hook
    teacher, student = _Spawner("yamada"), _Spawner("ana")
    hook(teacher)
    hook(student)
    assert teacher.environment["COURSE_ROOT"] == "/home/jupyter-yamada/social-design-lab"
    assert teacher.environment["COURSE_ROLE"] == "instructor" and student.environment["COURSE_ROLE"] == "student"
    assert "COURSE_ROOT" not in student.environment
    assert student.environment["JUPYTER_CONFIG_PATH"] == str(DEPLOY / "jupyter" / "student")
    assert (student.cpu_limit, student.mem_limit) == (1.0, "2G")
    # a member of the hub group "instructors" is an instructor too
    grouped = _Spawner("suzuki", groups=["instructors"])
    hook(grouped)
    assert grouped.environment["COURSE_ROOT"] == "/home/jupyter-suzuki/social-design-lab"


def test_on_plain_jupyterhub_an_instructors_course_folder_is_in_their_system_home(monkeypatch, tmp_path):
    import pwd

    account = pwd.getpwuid(os.getuid())
    app = _load_hub(HUB_CONFIG, monkeypatch, tmp_path, COURSE_INSTRUCTORS=account.pw_name)
    teacher = _Spawner(account.pw_name)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # the hook closes homes only as root: leave this one as it is
    app.config.Spawner.pre_spawn_hook(teacher)
    assert teacher.environment["COURSE_ROOT"] == str(Path(account.pw_dir) / "social-design-lab")


def test_the_idle_culler_runs_with_the_hubs_own_python(monkeypatch, tmp_path):
    app = _load_hub(HUB_CONFIG, monkeypatch, tmp_path)
    services = {s["name"]: s for s in app.services}
    command = services["idle-culler"]["command"]
    assert command[:3] == [sys.executable, "-m", "jupyterhub_idle_culler"], command
    roles = {r["name"]: r for r in app.load_roles}
    assert roles["idle-culler"]["services"] == ["idle-culler"] and "delete:servers" in roles["idle-culler"]["scopes"]
    # installed in the hub's environment, and it runs
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--cull-every" in done.stdout, done.stderr[-2000:]


@pytest.mark.slow  # nbgrader's start-up: 7 s on a quiet machine, 18 s on a busy one
def test_a_student_is_known_to_nbgrader_by_their_hub_name_not_their_system_user(tmp_path):
    """Under TLJH hub user ``ana`` runs as system user ``jupyter-ana``; here the process runs as this test's own user."""
    course = tmp_path / "exchange" / "social-design-lab"
    (course / "outbound" / "a1").mkdir(parents=True)
    (course / "inbound").mkdir(mode=0o733)
    work = tmp_path / "home" / "a1"
    work.mkdir(parents=True)
    for folder in (course / "outbound" / "a1", work):
        (folder / "lab.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_"))}
    env.update({"HOME": str(tmp_path / "home"), "JUPYTER_CONFIG_PATH": str(DEPLOY / "jupyter" / "student"),
                "COURSE_EXCHANGE": str(tmp_path / "exchange"), "JUPYTERHUB_USER": "ana"})
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "submit", "a1"], cwd=work.parent,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [p.name.split("+")[0] for p in (course / "inbound").iterdir()] == ["ana"]


def test_feedback_from_the_instructors_formgrader_shows_no_hidden_test_nor_a_traceback_quoting_one(tmp_path, monkeypatch):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("COURSE_ROOT", str(tmp_path / "no-clone"))  # the hub sets it; no clone: the file's own defaults
    config = PyFileConfigLoader("nbgrader_config.py", str(DEPLOY / "jupyter" / "instructor")).load_config()
    steps = config.GenerateFeedback.preprocessors
    assert [s.__name__ for s in steps] == ["StripHiddenTests", "GetGrades", "CSSHTMLHeaderPreprocessor",
                                             "PendingHandGrading"]
    hidden = "assert abs(rate - 0.4321) < 1e-3, 'SECRET-VALUE'"
    cell = new_code_cell(f"assert rate is not ...\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS\n",
                         outputs=[new_output("error", ename="AssertionError", evalue="SECRET-VALUE",
                                             traceback=["----> 3 " + hidden, "AssertionError: SECRET-VALUE"])])
    nb, _ = steps[0]().preprocess(new_notebook(cells=[cell]), {})
    shown = nbformat.writes(nb)
    assert "0.4321" not in shown and "HIDDEN TESTS" not in shown and "assert rate is not ..." in shown


def test_the_operators_course_lang_reaches_every_server(monkeypatch, tmp_path):
    for lang, expected in (("ja", "ja"), ("", None)):
        app = _load_hub(HUB_CONFIG, monkeypatch, tmp_path, COURSE_INSTRUCTORS="yamada", COURSE_LANG=lang)
        teacher, student = _Spawner("yamada"), _Spawner("ana")
        app.config.Spawner.pre_spawn_hook(teacher)
        app.config.Spawner.pre_spawn_hook(student)
        assert teacher.environment.get("COURSE_LANG") == student.environment.get("COURSE_LANG") == expected

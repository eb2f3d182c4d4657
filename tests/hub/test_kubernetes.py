"""deploy/kubernetes works as shipped: the pinned chart, real logins over HTTPS, and users' uids nbgrader can use.

No cluster runs here (no Kubernetes, no container engine). The values are read as the chart's hub
reads them: hub.config becomes traitlets config and hub.extraConfig runs with ``c`` and
``get_config`` (a stand-in for the chart's z2jh.get_config over the same values). The values were
validated against chart 4.4.0's values.schema.yaml during development (docs/DEPLOY.md); the chart's
files are not shipped here, so the structural test below keeps to what these values rely on.
"""

import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from tests.conftest import REPO
from tests.hub import hubctl

KUBE = REPO / "deploy" / "kubernetes"
CHART = yaml.safe_load((KUBE / "chart.yaml").read_text())
BIN = Path(sys.executable).parent


def _values() -> dict:
    return yaml.safe_load((KUBE / "values.yaml").read_text())


def _get_config(values):
    """The chart's z2jh.get_config("a.b.c") over ``values``."""
    def get_config(key, default=None):
        value = values
        for level in key.split("."):
            if not isinstance(value, dict) or level not in value:
                return default
            value = value[level]
        return value
    return get_config


class Config(dict):
    """Enough of traitlets' config object for the values' extraConfig: c.Section.name = value."""

    def __getattr__(self, key):
        return self.setdefault(key, Config())

    def __setattr__(self, key, value):
        self[key] = value


def _run_extra_config(values) -> Config:
    """Load the values as the chart's hub does: hub.config first, then each hub.extraConfig in name order."""
    c = Config()
    for section, settings in values["hub"]["config"].items():
        c[section] = Config(settings)
    for _, source in sorted(values["hub"]["extraConfig"].items()):
        exec(source, {"c": c, "get_config": _get_config(values)})
    return c


def _filled(value):
    """The values as an operator leaves them: every CHANGE-ME replaced by something real."""
    if isinstance(value, dict):
        return {key: _filled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item) for item in value]
    return value.replace("CHANGE-ME", "sdl") if isinstance(value, str) else value


def _filled_values() -> dict:
    values = _values()
    extra = values["hub"].pop("extraConfig")  # the refusal's own code names the placeholder
    values = _filled(values)
    values["hub"]["extraConfig"] = extra
    return values


class _Group:
    def __init__(self, name):
        self.name = name


class _User:
    def __init__(self, user_id, groups):
        self.id, self.groups = user_id, [_Group(g) for g in groups]


class _Spawner:
    def __init__(self, user):
        self.user, self.environment = user, {}


def _spawn(user_id, groups=()) -> _Spawner:
    """What the values' pre-spawn hook sets for a user (a stand-in spawner; KubeSpawner does the rest)."""
    spawner = _Spawner(_User(user_id, groups))
    _run_extra_config(_filled_values())["KubeSpawner"]["pre_spawn_hook"](spawner)
    return spawner


def _major_minor(version: str) -> tuple[str, str]:
    return tuple(version.split(".")[:2])


def test_the_chart_is_pinned_and_the_users_jupyterhub_matches_its_hub():
    version = CHART["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"chart.yaml: pin one released chart version, not {version!r}"
    install = f"helm upgrade --install course jupyterhub/jupyterhub --version {version} "
    assert install in (KUBE / "values.yaml").read_text()
    assert install in (REPO / "docs" / "DEPLOY.md").read_text()
    hub = _major_minor(CHART["hub_image"]["jupyterhub"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    conda = next(s for s in env if isinstance(s, str) and s.startswith("jupyterhub"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip = next(s for s in project["optional-dependencies"]["test"] if s.startswith("jupyterhub"))
    for pin in (conda, pip):
        # the hub warns, and logins can break, when the users' servers run another major.minor
        assert _major_minor(pin.split("==")[1]) == hub, f"{pin}: the chart's hub runs JupyterHub {'.'.join(hub)}"


def test_logins_go_through_the_university_idp_never_the_dummy_authenticator():
    values = _values()
    config = values["hub"]["config"]
    # the chart's own default is "dummy": any password for any name
    assert config["JupyterHub"].get("authenticator_class") == "generic-oauth"
    assert "dummy" not in yaml.safe_dump(config).lower()
    oauth = config["GenericOAuthenticator"]
    assert oauth["manage_groups"] is True and oauth["auth_state_groups_key"]
    assert "instructors" in oauth["admin_groups"] and set(oauth["admin_groups"]) <= set(oauth["allowed_groups"])
    # the IdP decides who is in; nothing here lets a fixed name in, or names the instructors itself
    assert "Authenticator" not in config and "load_groups" not in config["JupyterHub"]
    assert not {"allowed_users", "admin_users", "allow_all"} & set(oauth)
    # the client secret comes from a Kubernetes Secret, never from this file
    assert not {"client_id", "client_secret"} & set(oauth)
    for variable in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        assert values["hub"]["extraEnv"][variable]["valueFrom"]["secretKeyRef"]["name"] == "course-oauth"
    # the admin group the IdP sends is the group the spawn hook gives the formgrader
    assert _spawn(1, groups=["instructors"]).environment["COURSE_ROLE"] == "instructor"
    assert _spawn(2, groups=["students"]).environment["COURSE_ROLE"] == "student"


def test_the_hub_is_served_over_https_and_the_idp_returns_to_that_name():
    values = _filled_values()
    https = values["proxy"]["https"]
    assert https["enabled"] is True and https["type"] == "letsencrypt"
    assert https["hosts"] and "@" in https["letsencrypt"]["contactEmail"]
    callback = _run_extra_config(values)["GenericOAuthenticator"]["oauth_callback_url"]
    assert callback == f"https://{https['hosts'][0]}/hub/oauth_callback"
    for key in ("authorize_url", "token_url", "userdata_url"):
        assert values["hub"]["config"]["GenericOAuthenticator"][key].startswith("https://")


def test_a_placeholder_left_in_the_values_stops_the_hub_with_a_one_line_error():
    shipped = _values()
    with pytest.raises(SystemExit) as stopped:
        _run_extra_config(shipped)
    message = str(stopped.value.code)
    assert "\n" not in message and "docs/DEPLOY.md" in message
    for where in ("hub.config.GenericOAuthenticator.authorize_url", "proxy.https.hosts[0]",
                  "proxy.https.letsencrypt.contactEmail", "singleuser.image.name"):
        assert where in message
    # every placeholder anywhere in the file (the refusal's own code aside) is named, so none passes silently
    def placeholders(value, where):
        if isinstance(value, dict):
            return [p for key, item in value.items() for p in placeholders(item, f"{where}.{key}".lstrip("."))]
        if isinstance(value, list):
            return [p for i, item in enumerate(value) for p in placeholders(item, f"{where}[{i}]")]
        return [where] if "CHANGE-ME" in str(value) else []

    del shipped["hub"]["extraConfig"]
    everywhere = placeholders(shipped, "")
    assert len(everywhere) >= 4 and message.split(" at ", 1)[1].split(": fill")[0].split(", ") == everywhere
    _run_extra_config(_filled_values())  # filled in: the hub starts


def test_the_values_use_only_keys_chart_4_4_0_knows():
    # Checked against the chart's values.schema.yaml during development (docs/DEPLOY.md); here the
    # keys these values use, so a misspelt key (which the chart's schema refuses) fails before helm.
    assert CHART["version"] == "4.4.0", "a new chart: validate against its schema and update this list"
    known = {
        "hub": {"config", "extraEnv", "extraConfig"},
        "proxy": {"https"},
        "singleuser": {"image", "defaultUrl", "uid", "fsGid", "allowPrivilegeEscalation", "cpu", "memory",
                       "storage", "extraEnv"},
        "cull": {"enabled", "timeout"},
    }
    values = _values()
    assert set(values) <= set(known)
    for section, keys in known.items():
        assert set(values[section]) <= keys, f"{section}: {set(values[section]) - keys}"
    assert set(values["proxy"]["https"]) <= {"enabled", "type", "hosts", "letsencrypt", "manual", "secret"}
    assert set(values["singleuser"]["storage"]) <= {"capacity", "extraVolumes", "extraVolumeMounts"}
    # the chart stops the hub on a hub.config section that is not a class name
    assert all(section[:1].isupper() for section in values["hub"]["config"])


def test_pods_start_as_root_only_so_start_sh_gives_each_users_uid_a_passwd_entry():
    singleuser = _values()["singleuser"]
    assert singleuser["uid"] == 0 and singleuser["fsGid"] == 100
    assert singleuser["allowPrivilegeEscalation"] is False  # no setuid way back to root once dropped
    assert "cmd" not in singleuser  # the image's entrypoint (tini, start.sh) must run first
    pods = [_spawn(1, ["instructors"]), _spawn(2, ["students"]), _spawn(3, ["students"])]
    uids = [pod.environment["NB_UID"] for pod in pods]
    assert len(set(uids)) == 3 and all(int(uid) >= 100000 for uid in uids)  # never root, never jovyan's 1000
    for pod in pods:
        assert all(isinstance(v, str) for v in pod.environment.values())  # Kubernetes takes strings only
        # jovyan: nbgrader then names submissions after JUPYTERHUB_USER, the hub name
        assert pod.environment["NB_USER"] == "jovyan" and pod.environment["NB_GID"] == "100"
        assert pod.environment["CHOWN_HOME"] == "yes"


def _why_no_uid_switch() -> str | None:
    if os.geteuid() != 0:
        return "switches to a uid without a passwd entry and edits a private copy of /etc: run as root (CI does)"
    for tool in ("unshare", "setpriv", "useradd", "userdel", "mount"):
        if not shutil.which(tool):
            return f"no {tool} on this machine (util-linux, passwd)"
    if hubctl.closed_folders() and not shutil.which("setfacl"):
        return "this Python is in a folder other uids cannot enter and there is no setfacl (apt-get install acl; make test does)"
    return None


# What docker-stacks' start.sh does when the container starts as root with NB_USER=jovyan and an
# NB_UID other than jovyan's: it re-creates jovyan with that uid, then runs the command as jovyan
# (sudo --user jovyan). A stand-in: start.sh comes with the base image, which cannot be built or run
# here (no container engine), so these are its two commands, on a private copy of /etc (a tmpfs in a
# private mount namespace; the machine's /etc is never touched), and setpriv stands in for sudo.
START_AS_ROOT = r"""
set -eu
mount -t tmpfs tmpfs "$ETC_COPY" && cp -a /etc/. "$ETC_COPY" && mount --bind "$ETC_COPY" /etc
# the base image: jovyan, uid 1000, group users (100)
useradd --no-log-init --non-unique --uid 1000 --gid 100 --home /home/jovyan jovyan
# start.sh, as root
userdel jovyan
useradd --no-log-init --home "/home/${NB_USER}" --shell /bin/bash --uid "${NB_UID}" --gid "${NB_GID}" --groups 100 "${NB_USER}"
exec setpriv --reuid="${NB_UID}" --regid="${NB_GID}" --init-groups -- "$@"
"""


@pytest.mark.slow
def test_nbgrader_submits_from_a_pods_uid_only_once_start_sh_gave_it_a_passwd_entry():
    reason = _why_no_uid_switch()
    if reason:
        pytest.skip(reason)
    env_of_pod = _spawn(4242, ["students"]).environment
    uid, gid = int(env_of_pod["NB_UID"]), int(env_of_pod["NB_GID"])
    with pytest.raises(KeyError):
        pwd.getpwuid(uid)  # the machine has no such user, as the image has none
    closed = hubctl.closed_folders()
    base = Path(tempfile.mkdtemp(prefix="sdl-k8s-"))
    runs = []
    try:
        base.chmod(0o755)
        for folder in closed:  # e.g. a pyenv Python under /root: search permission for this uid only
            subprocess.run(["setfacl", "-m", f"u:{uid}:x", str(folder)], check=True, capture_output=True)
        exchange, course, etc_copy = base / "exchange", base / "course", base / "etc"
        homes = [base / "home-old", base / "home-fixed"]
        for folder in (exchange, course / "release" / "ps1", etc_copy, *homes):
            folder.mkdir(parents=True)
        exchange.chmod(0o1777)
        for home in homes:
            home.chmod(0o700)
            os.chown(home, uid, gid)
        (course / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = 'sdl-k8s'\nc.Exchange.root = {str(exchange)!r}\n")
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 42")]),
                       course / "release" / "ps1" / "ps1.ipynb")
        subprocess.run([BIN / "nbgrader", "release_assignment", "ps1"], cwd=course, check=True, capture_output=True)

        env = {"PATH": f"{BIN}:/usr/bin:/bin:/usr/sbin:/sbin", "JUPYTERHUB_USER": "ana", **env_of_pod}
        student = " && ".join(f"{BIN / 'nbgrader'} {step} ps1 --course sdl-k8s --Exchange.root={exchange}"
                              for step in ("fetch_assignment", "submit"))
        # the old way (the pod's uid, no passwd entry: the machine's /etc as the image's) and the fixed
        # way side by side, each in a home of its own (both nbgrader runs cost seconds)
        old = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--",
                                "sh", "-c", student], cwd=homes[0], env={**env, "HOME": str(homes[0])},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        fixed = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", START_AS_ROOT,
                                  "start.sh", "sh", "-c", student], cwd=homes[1],
                                 env={**env, "HOME": str(homes[1]), "ETC_COPY": str(etc_copy)},
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        runs += [old, fixed]
        old_output, fixed_output = old.communicate(timeout=300)[0], fixed.communicate(timeout=300)[0]

        assert old.returncode != 0 and "getpwuid(): uid not found" in old_output, old_output
        assert "Fetched as: sdl-k8s ps1" in old_output  # fetching works without the entry; submitting does not
        assert fixed.returncode == 0, fixed_output
        inbound = list((exchange / "sdl-k8s" / "inbound").iterdir())
        assert [p.name.split("+")[:2] for p in inbound] == [["ana", "ps1"]]  # the hub name, not jovyan
        assert inbound[0].stat().st_uid == uid  # what keeps other students out of it
        with pytest.raises(KeyError):
            pwd.getpwuid(uid)  # the machine's /etc was never changed
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
        for folder in closed:
            subprocess.run(["setfacl", "-x", f"u:{uid}", str(folder)], check=False, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)

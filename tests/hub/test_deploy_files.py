"""The deployment files agree with each other and with the notebooks' budget (no hub needed)."""

import importlib.util
import runpy

import yaml

from tests.conftest import REPO

DEPLOY = REPO / "deploy"


def _module(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kubernetes_student_limits_match_the_single_server_ones_and_the_budget():
    class Config(dict):
        def __getattr__(self, key):
            return self.setdefault(key, Config())

    hub = runpy.run_path(str(DEPLOY / "jupyterhub" / "jupyterhub_config.py"),
                         init_globals={"get_config": Config, "load_subconfig": lambda *a: None})
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

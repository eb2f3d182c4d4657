"""deploy/jupyterhub/gradebook.py: the shared gradebook's URL reaches instructors' servers and never a student's.

The course's real hub configuration and spawn hook are loaded; the spawner is a stand-in (no hub runs here).
"""

from types import SimpleNamespace

from traitlets.config import Config

from tests.conftest import REPO

URL = "postgresql://course:s3cret@db.example.edu:5432/gradebook"


def _load(monkeypatch, tmp_path, url):
    monkeypatch.setenv("COURSE_INSTRUCTORS", "yamada")
    monkeypatch.setenv("COURSE_EXCHANGE", str(tmp_path / "exchange"))
    if url:
        monkeypatch.setenv("COURSE_DB_URL", url)
    else:
        monkeypatch.delenv("COURSE_DB_URL", raising=False)
    c = Config()
    for name in ("jupyterhub_config.py", "gradebook.py"):  # in this order, as the recipe loads them
        path = REPO / "deploy" / "jupyterhub" / name
        exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
    return c


def _spawn(c, name):
    spawner = SimpleNamespace(user=SimpleNamespace(name=name, groups=[]), environment={}, unix_username=None)
    c.Spawner.pre_spawn_hook(spawner)
    return spawner.environment


def test_only_instructors_get_the_gradebook_url(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path, URL)
    teacher, student = _spawn(c, "yamada"), _spawn(c, "aiko")
    assert teacher["COURSE_ROLE"] == "instructor" and teacher["COURSE_DB_URL"] == URL
    assert student["COURSE_ROLE"] == "student" and "COURSE_DB_URL" not in student
    assert "JUPYTER_CONFIG_PATH" in student  # the course's own hook still ran


def test_without_a_url_the_course_hook_is_left_as_it_is(monkeypatch, tmp_path):
    c = _load(monkeypatch, tmp_path, "")
    assert c.Spawner.pre_spawn_hook.__name__ == "course_environment"
    assert "COURSE_DB_URL" not in _spawn(c, "yamada")


def test_pasted_into_zero_to_jupyterhubs_extra_config_it_wraps_the_kubespawner_hook(monkeypatch):
    """There `c` is given and get_config is the chart's own (it takes a key); the course hook is KubeSpawner's."""
    monkeypatch.setenv("COURSE_DB_URL", URL)
    c = Config()
    c.KubeSpawner.pre_spawn_hook = lambda spawner: spawner.environment.update(
        COURSE_ROLE="instructor" if spawner.user.name == "yamada" else "student")

    def chart_get_config(key, default=None):
        raise AssertionError("the chart's get_config takes a key; the file must use the c it is given")

    path = REPO / "deploy" / "jupyterhub" / "gradebook.py"
    exec(compile(path.read_text(), str(path), "exec"), {"c": c, "get_config": chart_get_config})
    for name, expected in (("yamada", URL), ("aiko", None)):
        spawner = SimpleNamespace(user=SimpleNamespace(name=name, groups=[]), environment={})
        c.KubeSpawner.pre_spawn_hook(spawner)
        assert spawner.environment.get("COURSE_DB_URL") == expected

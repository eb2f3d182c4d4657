"""environment.yml (the image, conda), binder/environment.yml (Binder) and pyproject.toml (pip) name the same packages and bounds.

What students run carries the course's packages and nothing for testing: pytest, playwright
and docker are pip's `[test]` extra only; the image adds jupyterhub (for jupyterhub-singleuser),
Binder does not (it brings its own).
"""

import os
import re
import subprocess
import tomllib

import yaml

from tests.conftest import REPO

#: Packages only the tests use: never in what students run.
TEST_ONLY = {"pytest", "playwright", "docker", "dask-gateway-server"}


def _split(spec: str) -> tuple[str, str]:
    name, bounds = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), bounds.replace(" ", "")


def _project():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _conda(path):
    """{package: bounds} of a conda environment file, its pip section included (not its `-e .`)."""
    env = yaml.safe_load(path.read_text())
    conda = dict(_split(s) for s in env["dependencies"] if isinstance(s, str) and not s.startswith(("python=", "pip")))
    pip_section = next((d["pip"] for d in env["dependencies"] if isinstance(d, dict)), [])
    conda.update(_split(s) for s in pip_section if not s.startswith("-"))
    assert any(s == "python=3.11" for s in env["dependencies"] if isinstance(s, str)), path
    return conda


def _runtime():
    return dict(_split(s) for s in _project()["dependencies"])


def _extras():
    return {name: dict(_split(s) for s in specs) for name, specs in _project()["optional-dependencies"].items()}


def test_the_image_environment_is_the_course_packages_plus_the_hub():
    hub = next(extra["jupyterhub"] for extra in _extras().values() if "jupyterhub" in extra)
    assert _conda(REPO / "environment.yml") == {**_runtime(), "jupyterhub": hub}
    assert _project()["requires-python"].startswith(">=3.11")


def test_the_binder_environment_is_the_course_packages_only():
    assert _conda(REPO / "binder" / "environment.yml") == _runtime()


def test_test_only_packages_are_in_the_test_extra_and_nowhere_students_run():
    test = _extras()["test"]
    assert TEST_ONLY <= set(test)
    for path in (REPO / "environment.yml", REPO / "binder" / "environment.yml"):
        assert not TEST_ONLY & set(_conda(path)), path
    assert not TEST_ONLY & set(_runtime())


def test_binder_applies_the_self_learner_configuration():
    start, post = REPO / "binder" / "start", REPO / "binder" / "postBuild"
    assert os.access(start, os.X_OK) and os.access(post, os.X_OK)
    out = subprocess.run([str(start), "sh", "-c", 'echo "$JUPYTER_CONFIG_PATH"'], cwd="/", capture_output=True,
                         text=True, timeout=30, env={"PATH": os.environ["PATH"], "JUPYTER_CONFIG_PATH": "/earlier"})
    first, rest = out.stdout.strip().split(os.pathsep, 1)
    assert first == str(REPO / "deploy" / "jupyter" / "self-learner") and rest == "/earlier"
    assert (REPO / first / "jupyter_server_config.py").is_file() and (REPO / first / "labconfig" / "page_config.json").is_file()
    assert "pip install --no-deps -e ." in post.read_text()


def test_reproducible_packages_are_pinned_exactly():
    pins = _runtime()
    for name in ("pandas", "scikit-learn", "seaborn", "ipywidgets", "nbgrader", "jupyterlab", "papermill",
                 "statsmodels", "causaldata"):
        assert pins[name].startswith("=="), f"{name} should be pinned with == for students"

"""environment.yml (conda, hub images) and pyproject.toml (pip) name the same packages and bounds."""

import re
import tomllib

import yaml

from tests.conftest import REPO


def _split(spec: str) -> tuple[str, str]:
    name, bounds = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), bounds.replace(" ", "")


def test_environment_yml_and_pyproject_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip = dict(_split(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = dict(_split(s) for s in env["dependencies"] if isinstance(s, str) and not s.startswith(("python=", "pip")))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda.update(_split(s) for s in pip_section if not s.startswith("-"))
    assert conda == pip
    assert any(s == "python=3.11" for s in env["dependencies"] if isinstance(s, str))
    assert project["requires-python"].startswith(">=3.11")


def test_reproducible_packages_are_pinned_exactly():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = dict(_split(s) for s in project["dependencies"])
    for name in ("pandas", "scikit-learn", "seaborn", "ipywidgets", "nbgrader", "jupyterlab", "papermill",
                 "statsmodels", "causaldata"):
        assert pins[name].startswith("=="), f"{name} should be pinned with == for students"

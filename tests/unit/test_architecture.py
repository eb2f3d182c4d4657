"""docs/ARCHITECTURE.md, enforced: which wing of `course/` may import which, and no import circles.

Every ``import`` in the package counts, also those inside functions: a lazy import is still a
dependency a reader has to know about.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "course"

#: The shared basics every wing may use; they import only each other.
BASICS = {"course", "course.errors", "course.paths", "course.manifest", "course.notebooks", "course.limits", "course.seeds",
          "course.i18n", "course.translation"}
#: The thin face: it may import any wing.
FACE = {"course.cli", "course.__main__", "course.launch"}  # course.launch: the command's light entry point


def wing(module: str) -> str:
    if module in BASICS:
        return "basics"
    if module in FACE:
        return "face"
    if module.startswith("course.grading.inside"):
        return "inside"
    if module.startswith("course.grading"):
        return "grading"
    if module.startswith("course.authoring"):
        return "authoring"
    return "lessons"


#: wing -> the wings it may import (itself included).
ALLOWED = {
    "basics": {"basics"},
    "inside": {"inside"},  # runs inside the sandbox: nothing of the course but the package root
    "grading": {"basics", "grading", "inside"},
    "authoring": {"basics", "grading", "inside", "authoring"},
    "lessons": {"basics", "lessons"},
    "face": {"basics", "grading", "inside", "authoring", "lessons", "face"},
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _exists(module: str) -> bool:
    base = REPO.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "data" not in p.relative_to(PACKAGE).parts[:1]}


def imports_of(module: str, path: Path) -> set[str]:
    """The course modules that ``module`` imports, anywhere in its code."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                   for stmt in block.body for n in ast.walk(stmt)}  # for type hints only: never run
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name == "course" or a.name.startswith("course.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "course" and not target.startswith("course."):
                continue
            submodules = {f"{target}.{a.name}" for a in node.names if _exists(f"{target}.{a.name}")}
            # `from course.learn import questions` imports a submodule, not the package's own code.
            found |= submodules or {target}
    found = {m for m in found if _exists(m)}
    found.discard(module)
    # importing course.x.y runs course/__init__ and course/x/__init__ too, but those are the
    # package roots, not a dependency chosen by the importer: count only the named module.
    return found


def graph() -> dict[str, set[str]]:
    return {m: imports_of(m, p) for m, p in modules().items()}


def test_the_three_wings_are_folders_a_newcomer_can_see():
    assert (PACKAGE / "grading" / "__init__.py").is_file()
    assert (PACKAGE / "grading" / "inside" / "__init__.py").is_file()
    assert (PACKAGE / "authoring" / "__init__.py").is_file()
    for lesson in ("datasets", "plots", "checks", "explore", "metrics", "learn", "seeds"):
        assert _exists(f"course.{lesson}"), lesson  # the import paths notebooks use


def test_every_module_knows_its_wing_and_imports_only_what_its_wing_may():
    broken = []
    for module, deps in graph().items():
        for dep in sorted(deps):
            if dep == "course":
                continue  # the package root (its __init__ imports only course.errors)
            if wing(dep) not in ALLOWED[wing(module)]:
                broken.append(f"{module} ({wing(module)}) imports {dep} ({wing(dep)})")
    assert broken == [], "\n".join(broken)


def test_the_grading_wing_imports_no_lesson_module():
    lessons = {m for m in modules() if wing(m) == "lessons"}
    for module, deps in graph().items():
        if wing(module) in ("grading", "inside"):
            assert not deps & lessons, f"{module} imports {sorted(deps & lessons)}"


def test_there_is_no_import_circle():
    edges = graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The rules above can fail: a lesson import slipped into the grading wing is found."""
    fake = tmp_path / "course" / "grading" / "sneaky.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from course import plots\n    from . import grade\n")
    deps = imports_of("course.grading.sneaky", fake)
    assert "course.plots" in deps and "course.grading.grade" in deps
    assert wing("course.plots") not in ALLOWED[wing("course.grading.sneaky")]


def test_nothing_passes_between_grading_steps_through_class_attributes_or_the_environment():
    """The grading chain's data flows through arguments, traits and files; no step reads os.environ for it."""
    offenders = []
    for module, path in modules().items():
        if wing(module) not in ("grading",):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            text = ast.unparse(node) if isinstance(node, (ast.Attribute, ast.Call)) else ""
            if "COURSE_ENGINE" in text or "os.environ.get" in text or "os.environ[" in text:
                offenders.append(f"{module}: {text[:80]}")
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    # Writing to another class's attribute (SomeStep.x = ...) is the hidden channel this forbids.
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id[:1].isupper():
                        offenders.append(f"{module}: {ast.unparse(target)} = ...")
    assert offenders == [], "\n".join(offenders)


def test_the_course_package_imports_where_resource_does_not_exist():
    """Windows has no `resource` module: learners there must still get the CLI, the learner tools and the manifests."""
    code = ("import sys; sys.modules['resource'] = None\n"
            "import course.cli, course.learn, course.manifest, course.grading.sandbox, course.authoring.execute, course.grading.engine\n"
            "course.manifest.load('01-problem-framing')\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(REPO))
    assert done.stdout.strip() == "ok", done.stderr[-1500:]

"""What students can read: the image's build context and `course bundle --student` carry no solution and no hidden test.

The build context is computed as Docker computes it, with the docker package's own
implementation of .dockerignore (docker.utils.build.exclude_paths): no image is built here
(no container engine on this machine), so this is the check of what the image would carry.
"""

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from docker.utils.build import exclude_paths

from course import cli, manifest
from course import notebooks as nbs
from course.authoring import bundle
from course.errors import CourseError
from tests.conftest import REPO

DOCKERFILE = "deploy/image/Dockerfile"
MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "### END SOLUTION", "### END HIDDEN TESTS")


def read_dockerignore(root):
    """.dockerignore's patterns, read as docker-py reads them (stripped, no comments, no blank lines)."""
    lines = (root / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def docker_context(root, patterns):
    """The files `docker build -f deploy/image/Dockerfile .` sends from ``root``."""
    paths = exclude_paths(str(root), list(patterns), dockerfile=DOCKERFILE)
    return sorted(p for p in paths if (root / p).is_file() and p != ".dockerignore")


def materialise(root, files, dest):
    """The build context as the daemon receives it, laid out in ``dest``."""
    for rel in files:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, dest / rel)
    return dest


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The repository as an instructor's clone is after a term: its files, plus gradebook, submissions and a venv."""
    root = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for rel in listed:
        if (REPO / rel).is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / rel, root / rel)
    lab = REPO / "source" / "01-problem-framing" / "01-problem-framing-lab.ipynb"
    for planted in (".work/course/autograded/ana/01-problem-framing/01-problem-framing-lab.ipynb",
                    ".work/course/submitted/ana/01-problem-framing/01-problem-framing-lab.ipynb",
                    "my-work/01-problem-framing/01-problem-framing-lab.ipynb", "course/.work/x.ipynb",
                    "release/01-problem-framing/.ipynb_checkpoints/01-problem-framing-lab-checkpoint.ipynb"):
        (root / planted).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(lab, root / planted)
    (root / ".work" / "course" / "gradebook.db").write_bytes(b"SQLite format 3\0")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "course").write_text("#!/bin/sh\n")
    return root


@pytest.fixture(scope="module")
def context(clone):
    return docker_context(clone, read_dockerignore(clone))


SECRETS = functools.cache(lambda: bundle.secret_lines(REPO))


@functools.cache
def _hidden_and_solution_lines():
    """Long lines taken straight from source/'s hidden tests and solutions, at most one per cell.

    Left out: lines students are meant to see anyway (the teaching notebooks show the same code,
    a question's last hint in its public manifest may be nearly the answer, an explorer of the
    course package computes the same formula).
    """
    public = "\n".join(p.read_text() for p in [*(REPO / "assignments").glob("*.yml"), *(REPO / "course").rglob("*.py")])
    public += "\n".join(c.source for p in (REPO / "release").rglob("*.ipynb") for c in nbs.read(p).cells)
    picked = []
    for path in sorted((REPO / "source").glob("*/*-lab.ipynb")):
        for cell in nbs.read(path).cells:
            for begin, end in ((nbs.BEGIN_HIDDEN, nbs.END_HIDDEN), (nbs.BEGIN_SOLUTION, nbs.END_SOLUTION)):
                lines = [ln.strip() for body in nbs.blocks(cell.source, begin, end) for ln in body.splitlines()]
                picked += [ln for ln in lines if len(ln) > 40 and ln not in public][:1]
    return picked


def leaks(folder):
    """Solutions and hidden tests in ``folder``: nbgrader's markers and lines of source/, as a reader would find them."""
    samples = _hidden_and_solution_lines()
    assert len(samples) >= 30
    found = list(bundle.find_secrets(folder, REPO, secrets=SECRETS()))
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [c.source for c in nbs.read(path).cells] if path.suffix == ".ipynb" else [text]
        lines = [ln.strip() for block in lines for ln in block.splitlines()]
        found += [f"{path.relative_to(folder)}: {m}" for m in MARKERS if m in lines]
        found += [f"{path.relative_to(folder)}: {s[:50]}" for s in samples if s in text or json.dumps(s)[1:-1] in text]
    return found


def test_the_build_context_holds_exactly_the_student_files(clone, context):
    assert context == bundle.student_files(clone)
    assert "course/grading/selfcheck.py" in context and "release/01-problem-framing/01-problem-framing-lab.ipynb" in context
    for aid in manifest.available(REPO):  # each module's glossary travels beside its notebooks, in each language
        for lang in ("en", "ja"):
            assert (manifest.release_path(aid, lang, Path(".")) / "GLOSSARY.md").as_posix() in context, (aid, lang)
    for private in ("source/", "tests/", ".work/", ".venv/", "my-work/", "benchmarks/", "docs/AUTHORING.md",
                    "deploy/kubernetes/", "course/.work/", "release/01-problem-framing/.ipynb_checkpoints/"):
        assert not [p for p in context if p.startswith(private)], private
    # BuildKit reads deploy/image/Dockerfile.dockerignore instead of the root's .dockerignore when it exists
    assert not (REPO / f"{DOCKERFILE}.dockerignore").exists()


def test_dockerignore_is_what_the_student_list_writes():
    assert (REPO / ".dockerignore").read_text() == bundle.dockerignore_text(), \
        "run `course bundle --dockerignore` after editing STUDENT_FILES"


def test_no_file_in_the_build_context_holds_a_solution_or_hidden_test(clone, context, tmp_path):
    assert leaks(materialise(clone, context, tmp_path)) == []


def test_public_manifests_in_the_context_carry_no_answers(clone, context):
    public = [p for p in context if p.startswith("assignments/")]
    translations = sorted(p for p in public if p.count(".") == 2)  # assignments/<id>.<lang>.yml: titles, objectives, hints
    manifests_ = sorted(set(public) - set(translations))
    assert manifests_ == sorted(f"assignments/{aid}.yml" for aid in manifest.available(REPO))
    assert translations == sorted(f"assignments/{p.name}" for p in (REPO / "assignments").glob("*.*.yml"))
    for rel in manifests_:
        for q in yaml.safe_load((clone / rel).read_text())["questions"]:
            assert not set(q) & set(manifest.ANSWER_KEYS), f"{rel} {q['id']}"
    for rel in translations:  # a translation gives student-facing strings only (manifest.translated), hints for questions
        data = yaml.safe_load((clone / rel).read_text())
        assert set(data) <= set(manifest.TRANSLATED_KEYS), rel
        for qid, fields in (data.get("questions") or {}).items():
            assert set(fields) <= {"hints"}, f"{rel} {qid}"


@pytest.mark.parametrize("removed", ["*", "every line"])
def test_without_the_ignore_rule_the_context_would_leak(clone, tmp_path, removed):
    """The check above can fail: the same scan of what Docker would send without the rule finds source/ and .work/."""
    patterns = [] if removed == "every line" else [p for p in read_dockerignore(clone) if p != removed]
    found = leaks(materialise(clone, docker_context(clone, patterns), tmp_path))
    assert any(f.startswith("source/01-problem-framing/01-problem-framing-lab.ipynb") for f in found)
    # `**/.work` still keeps the gradebook and submissions out when only `*` is removed
    assert any(f.startswith(".work/course/autograded/") for f in found) == (removed == "every line")


def course(capsys, *args):
    """`course ARGS` through the CLI's own entry point, in this process (its imports take seconds in a new one)."""
    capsys.readouterr()
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_course_bundle_student_writes_the_same_public_tree_world_readable(clone, context, tmp_path, capsys):
    dest = tmp_path / "srv" / "social-design-lab"
    out = course(capsys, "--root", str(clone), "bundle", "--student", str(dest))
    assert out.returncode == 0, out.stderr
    written = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and p.name != bundle.MARKER)
    assert written == context
    assert all(os.stat(dest / p).st_mode & 0o444 == 0o444 for p in written)
    assert leaks(dest) == []
    # the bundle is a course root: the student tools find its manifests and released notebooks there
    assert [m.id for m in manifest.load_all(dest)] == manifest.available(REPO)
    # a second run replaces its own earlier bundle; a folder of other files is refused in one line
    assert bundle.write_student(dest, clone).files == len(context)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(CourseError, match="not empty and not an earlier bundle"):
        bundle.write_student(tmp_path / "other", clone)


def test_scan_names_each_leaking_file_and_exits_1(tmp_path, capsys):
    (tmp_path / "release").mkdir()
    lab = REPO / "source" / "01-problem-framing" / "01-problem-framing-lab.ipynb"
    (tmp_path / "release" / "copied-lab.ipynb").write_text(lab.read_text())
    (tmp_path / "assignments").mkdir()
    (tmp_path / "assignments" / "01-x.yml").write_text("questions:\n  - id: q1\n    alternative: |\n      x = 1\n")
    out = course(capsys, "--root", str(REPO), "bundle", "--scan", str(tmp_path))
    assert out.returncode == 1
    assert "release/copied-lab.ipynb" in out.stdout and "assignments/01-x.yml: answers in a public manifest (q1 alternative)" in out.stdout


def test_bundle_refuses_a_folder_inside_the_repository():
    with pytest.raises(CourseError, match="inside the course repository"):
        bundle.write_student(REPO / "my-bundle", REPO)


def test_the_image_copies_exactly_the_student_files_each_to_its_own_place():
    """Defence in depth beside .dockerignore: the Dockerfile names each public entry; a new COPY of `.`,
    of source/ or of anything not in STUDENT_FILES fails here."""
    import shlex

    dest = "/srv/social-design-lab/"
    copied = {}
    for line in (REPO / DOCKERFILE).read_text().splitlines():
        if not line.split() or line.split()[0].upper() not in ("COPY", "ADD"):
            continue
        words = shlex.split(line, comments=True)
        assert words[0].upper() == "COPY", f"ADD fetches and unpacks: use COPY ({line})"
        *sources, target = [w for w in words[1:] if not w.startswith("--")]
        for src in sources:
            assert src not in copied, f"{src} copied twice"
            # a folder lands as itself, a file in its own folder: the image's tree is the bundle's tree
            expected = dest + src if src.endswith("/") else dest + (src.rpartition("/")[0] + "/" if "/" in src else "")
            assert target == expected, f"COPY {src} goes to {target}, not {expected}"
            copied[src] = target
    assert sorted(copied) == sorted(bundle.STUDENT_FILES)

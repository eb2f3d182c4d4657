"""source/ -> release/ through nbgrader's generate_assignment, and checks that release/ is clean."""

from __future__ import annotations

import filecmp
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from course import manifest as manifests
from course import notebooks as nbs
from course.errors import NotebookError, ReleaseError
from course.grading.workspace import Workspace
from course.paths import find_root

@dataclass(frozen=True)
class Released:
    assignment: str
    files: tuple[Path, ...]
    changed: tuple[Path, ...]

    def summary(self) -> str:
        what = f"{len(self.changed)} changed" if self.changed else "no change"
        return f"{self.assignment}: release/{self.assignment}/ has {len(self.files)} files ({what})."


def check_source_clean(manifest: manifests.Manifest, root: Path) -> None:
    """Raise NotebookError if a source notebook keeps outputs (they may hold solution results)."""
    for entry in manifest.notebooks:
        path = manifest.source_dir(root) / entry.file
        nb = nbs.read(path)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
                raise NotebookError(
                    f"source/{manifest.id}/{entry.file}: cell {i + 1} has outputs. Clear them "
                    "(JupyterLab: Edit > Clear Outputs of All Cells) and save."
                )


def check_no_leaks(folder: Path) -> None:
    """Raise ReleaseError if a student notebook in ``folder`` has a solution, hidden test, or output."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbs.read(path)
        for i, cell in enumerate(nb.cells):
            marker = nbs.leaked_marker(cell.source)
            if marker:
                raise ReleaseError(f"{path.name}: cell {i + 1} still contains {marker!r}. Fix the markers in source/ and release again.")
            if cell.cell_type == "code" and cell.get("outputs"):
                raise ReleaseError(f"{path.name}: cell {i + 1} has outputs. Clear outputs in source/ and release again.")


def generate(assignment_id: str, dest: Path, root: Path | None = None) -> Path:
    """Generate the student version of ``assignment_id`` with nbgrader into ``dest`` (a fresh scratch course).

    Returns:
        The folder holding the generated student files.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    manifests.check_notebooks(manifest, root)
    check_source_clean(manifest, root)
    ws = Workspace(dest, repo=root, sandboxed=False)
    ws.sync(manifest)
    out = ws.generate(manifest)
    check_no_leaks(out)
    return out


def release(assignment_id: str, root: Path | None = None) -> Released:
    """Regenerate ``release/<assignment_id>/`` from ``source/`` and check it.

    Raises:
        ManifestError, NotebookError: the source does not match the manifest or keeps outputs.
        ReleaseError: the generated notebooks would leak solutions or hidden tests.
    """
    root = find_root(root)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        return _install(assignment_id, generate(assignment_id, Path(tmp) / "course", root), root)


def _install(assignment_id: str, out: Path, root: Path) -> Released:
    """Make ``release/<assignment_id>/`` exactly the generated folder ``out``."""
    target = root / "release" / assignment_id
    target.mkdir(parents=True, exist_ok=True)
    changed = _differences(out, target)
    for stale in sorted(set(_files(target)) - set(_files(out))):
        (target / stale).unlink()
    for rel in _files(out):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out / rel, target / rel)
    files = tuple(target / rel for rel in _files(target))
    return Released(assignment_id, files, tuple(target / c for c in changed))


def _generate_in_workspace(assignment_id: str, root: Path | None, workspace: Workspace | None):
    """Check the source, sync it into the grading workspace and generate the student version there, checked for leaks.

    Returns:
        ``(root, manifest, workspace, folder of the generated student version)``.
    """
    root = find_root(root)
    manifest = manifests.load(assignment_id, root)
    manifests.check_notebooks(manifest, root)
    check_source_clean(manifest, root)
    ws = workspace or Workspace(repo=root, sandboxed=False)
    ws.sync(manifest)
    out = ws.generate(manifest)
    check_no_leaks(out)
    return root, manifest, ws, out


def release_and_publish(assignment_id: str, root: Path | None = None,
                        workspace: Workspace | None = None) -> tuple[Released, Path]:
    """`course release ID --to-exchange`: generate once, update ``release/``, and release to the exchange."""
    root, manifest, ws, out = _generate_in_workspace(assignment_id, root, workspace)
    released = _install(assignment_id, out, root)
    ws.release_to_exchange(manifest.id)
    return released, ws.exchange_root / ws.course_id / "outbound" / manifest.id


def publish(assignment_id: str, root: Path | None = None, workspace: Workspace | None = None) -> Path:
    """Release an assignment to students through the nbgrader exchange (``nbgrader release_assignment``).

    Syncs the manifest into the gradebook, regenerates the student version in the grading
    workspace, and copies it to the exchange, where students fetch it from the Assignments tab.

    Returns:
        The exchange folder students fetch from.
    """
    _, manifest, ws, _ = _generate_in_workspace(assignment_id, root, workspace)
    ws.release_to_exchange(manifest.id)
    return ws.exchange_root / ws.course_id / "outbound" / manifest.id


def check_release(assignment_id: str, root: Path | None = None) -> None:
    """Raise ReleaseError unless ``release/<id>/`` is exactly what nbgrader generates from ``source/<id>/``."""
    root = find_root(root)
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        out = generate(assignment_id, Path(tmp) / "course", root)
        target = root / "release" / assignment_id
        changed = _differences(out, target)
        if changed:
            raise ReleaseError(
                f"release/{assignment_id}/ differs from what nbgrader generates from source/ "
                f"({', '.join(str(c) for c in changed)}). Run: course release {assignment_id}"
            )
        check_no_leaks(target)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    )


def _differences(generated: Path, committed: Path) -> list[Path]:
    ours, theirs = set(_files(generated)), set(_files(committed))
    differ = [p for p in ours & theirs if not filecmp.cmp(generated / p, committed / p, shallow=False)]
    return sorted(differ + list(ours ^ theirs))

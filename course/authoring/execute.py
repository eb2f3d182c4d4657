"""Run notebooks top to bottom with papermill, with parameters, and measure them."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course import notebooks as nbs
from course.errors import NotebookError
from course.paths import use_this_environment

KERNEL = "python3"


@dataclass(frozen=True)
class Run:
    """One papermill run of one notebook."""

    notebook: str
    parameters: str
    seconds: float
    ok: bool
    error: str = ""


def run_notebook(
    path: Path | str,
    output: Path | str,
    parameters: dict[str, Any] | None = None,
    *,
    timeout: int = 120,
    cwd: Path | str | None = None,
    kernel: str = KERNEL,
) -> float:
    """Execute ``path`` with papermill, injecting ``parameters``; return the wall time in seconds.

    Args:
        path: the notebook to run.
        output: where to write the executed notebook.
        parameters: values for the cell tagged ``parameters``.
        timeout: seconds any one cell may take.
        cwd: working folder of the kernel (defaults to the notebook's folder).
        kernel: the Jupyter kernel to run it with.

    Raises:
        NotebookError: a cell raised an error or timed out; the message names the cell.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    use_this_environment()
    path = Path(path)
    nbs.read(path)  # a clear message for a broken file, before papermill's own
    started = time.perf_counter()
    logging.getLogger("papermill").setLevel(logging.WARNING)
    try:
        pm.execute_notebook(
            str(path),
            str(output),
            parameters=parameters or {},
            kernel_name=kernel,
            cwd=str(cwd or path.parent),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        raise NotebookError(
            f"{path.name}: cell {exc.exec_count} raised {exc.ename}: {exc.evalue.strip()[:200]}"
        ) from None
    except Exception as exc:  # timeouts and dead kernels come from nbclient with many types
        raise NotebookError(f"{path.name}: did not run to the end ({type(exc).__name__}: {str(exc).strip()[:200]})") from None
    return time.perf_counter() - started


def peak_child_memory_mb() -> float:
    """Peak resident memory (MB) of any finished child process of this one (the kernels)."""
    import resource  # POSIX only: the course package itself must import on Windows

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

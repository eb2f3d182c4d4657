"""Inside the sandbox: execute one notebook with a fresh kernel and write the result as plain files.

Usage (by course.grading.engine, never by hand):
    python -m course.grading.inside.runner IN OUT RESULT CELL_SECONDS MAX_OUTPUT_BYTES

Writes OUT (the executed notebook, outputs truncated) and RESULT (JSON: which cells ran,
whether the kernel died, and why). Nothing is pickled.
"""

from __future__ import annotations

import json
import os
import sys
import time

from course.grading.inside import contract


def _truncate(nb, max_total: int) -> bool:
    """Cut long outputs so that a notebook that prints 100 MB cannot flood the grader."""
    import nbformat

    total, cut = 0, False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            size = contract.output_size(out)
            if not contract.keeps(size, total, max_total):
                cut = True
                out = nbformat.from_dict(contract.cut_output(size))
                size = len(out.text)
            total += size
            kept.append(out)
        cell["outputs"] = kept
    return cut


def _explain_timeout(cell, seconds: int) -> None:
    """Say in plain words why an interrupted cell stopped."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error" and out.get("ename") == "KeyboardInterrupt":
            out["ename"] = "TimeoutError"
            out["evalue"] = contract.time_limit_message(seconds)
            out["traceback"] = [f"TimeoutError: {out['evalue']}"]


def main(argv: list[str]) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    src, dest, result_path, cell_seconds, max_output = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4])
    nb = nbformat.read(src, as_version=4)
    ran: list[int] = []
    status, detail = "ok", ""
    started = time.perf_counter()
    def timeout_of(cell) -> int | None:
        return None if cell.get("metadata", {}).get(contract.NO_CELL_LIMIT) else cell_seconds

    client = NotebookClient(nb, timeout=cell_seconds, timeout_func=timeout_of, allow_errors=True, interrupt_on_timeout=True,
                            kernel_name="python3", resources={"metadata": {"path": os.getcwd()}},
                            record_timing=False, shutdown_kernel="immediate")
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                began = time.perf_counter()
                try:
                    client.execute_cell(cell, index)
                    if timeout_of(cell) and time.perf_counter() - began >= cell_seconds:
                        _explain_timeout(cell, cell_seconds)
                except CellTimeoutError:
                    status, detail = "timeout", f"cell {index + 1} ran past {cell_seconds} s and could not be interrupted"
                    break
                ran.append(index)
    except DeadKernelError:
        status, detail = "dead-kernel", "the kernel died (os._exit, a crash, or the memory limit)"
    except Exception as exc:  # a kernel that never starts, and such: report, do not crash the runner
        status, detail = "error", f"{type(exc).__name__}: {str(exc)[:300]}"
    truncated = _truncate(nb, max_output)
    nbformat.write(nb, dest)
    with open(result_path, "w") as fh:
        json.dump({"status": status, "detail": detail, "ran": ran, "truncated": truncated,
                   "seconds": time.perf_counter() - started}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

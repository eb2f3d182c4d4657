"""Run a notebook's code cells in this process and audit every figure as the student sees it.

Usage: python figure_audit.py NOTEBOOK  (run in the notebook's folder); prints a JSON list of
problems, each naming the cell. A figure is audited when it would be displayed: inside a
course.plots helper that shows it (so later lines such as ax.invert_yaxis() do not count,
as in JupyterLab) or, for figures drawn into the caller's axes, at the end of the cell.
Cells are run with exec() rather than in a kernel to keep the audit fast; IPython magics
and shell lines are skipped.
"""

from __future__ import annotations

import json
import re
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from course import plots  # noqa: E402

RANK = re.compile(r"\brank|順位", re.IGNORECASE)


def audit(fig, where: str) -> list[str]:
    problems = []
    if not (plots.alt_text(fig) or "").strip():
        problems.append(f"{where}: a figure without alt text")
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not (ax.lines or ax.patches or ax.collections or ax.images):
            continue
        title = ax.get_title() or (fig._suptitle.get_text() if fig._suptitle else "")  # noqa: SLF001
        for name, text in (("title", title), ("x-axis label", ax.get_xlabel()), ("y-axis label", ax.get_ylabel())):
            if not text.strip():
                problems.append(f"{where}: an axes without a {name}")
        problems += [f"{where} ({ax.get_title()!r}): {p}" for p in plots.legend_conflicts(ax)]
        fig.canvas.draw()
        labels = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
        boxes = [(t.get_text(), t.get_window_extent()) for t in labels]
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1:]:
                if box_a.overlaps(box_b) and box_a.width > 1 and box_b.width > 1:
                    problems.append(f"{where} ({ax.get_title()!r}): the labels {a!r} and {b!r} overlap")
        if RANK.search(ax.get_ylabel()) and not ax.yaxis_inverted():
            problems.append(f"{where} ({ax.get_title()!r}): ranks on the y axis but 1st is not at the top (y_inverted=True)")
    return problems


def main(path: str) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    problems: list[str] = []
    current = {"cell": 0}

    def shown(fig, alt):  # what plots._show displays, at that moment
        problems.extend(audit(fig, f"cell {current['cell']}"))
        plt.close(fig)

    plots._show = shown  # noqa: SLF001
    plots._in_notebook = lambda: True  # noqa: SLF001
    namespace: dict = {"__name__": "__main__", "display": lambda *a, **k: None}
    import IPython.display

    IPython.display.display = lambda *a, **k: None  # explorers and tables: not figures
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        current["cell"] = i
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            exec(compile(code, f"cell {i}", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # noqa: BLE001
            problems.append(f"cell {i} raised {type(exc).__name__}: {str(exc)[:200]} (the audit could not see its figures)")
        for number in plt.get_fignums():  # drawn into the caller's axes: shown at the end of the cell
            fig = plt.figure(number)
            if fig.axes:
                problems.extend(audit(fig, f"cell {i}"))
            plt.close(fig)
    return problems


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

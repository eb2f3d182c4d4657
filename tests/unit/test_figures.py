"""Every figure of every source notebook, audited as shown: alt text, title and axis labels,
no legend over data or labels, no overlapping labels, ranks with 1st at the top.

The notebooks' cells run in a subprocess (tests/unit/figure_audit.py) with exec() rather than
a kernel, which keeps this to the notebooks' own computing time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from course import plots  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
AUDIT = Path(__file__).with_name("figure_audit.py")
NOTEBOOKS = sorted((REPO / "source").glob("*/*.ipynb"))
LABELS = {"title": "Japan's rank", "xlabel": "Year", "ylabel": "Rank (1 = best)", "alt": "Japan's rank rises."}


def _audit(path: Path) -> list[str]:
    done = subprocess.run([sys.executable, str(AUDIT), path.name], cwd=path.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # the notebooks' own computing: 10-60 s each on the shared machine
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_in_the_notebook_passes_the_audit(path):
    assert _audit(path) == []


def _notebook(tmp_path, source: str) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    path = tmp_path / "audit.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    return path


HEADER = ("import pandas as pd\nfrom course import plots\n"
          "t = pd.DataFrame({'year': [2012, 2014, 2016], 'rank': [18, 6, 11]})\n")


@pytest.mark.slow  # a subprocess importing pandas and seaborn: 5 s alone, minutes on a loaded machine
def test_the_audit_sees_a_rank_axis_inverted_only_after_the_figure_was_shown(tmp_path):
    # module 5's EGDI chart: ax.invert_yaxis() after the helper has already shown the figure
    late = HEADER + f"ax = plots.plot_trend(t, 'year', 'rank', **{LABELS!r})\nax.invert_yaxis()\n"
    assert any("1st is not at the top" in p for p in _audit(_notebook(tmp_path, late)))
    early = HEADER + f"ax = plots.plot_trend(t, 'year', 'rank', y_inverted=True, **{LABELS!r})\n"
    assert _audit(_notebook(tmp_path, early)) == []


@pytest.mark.slow
def test_the_audit_reports_a_figure_without_alt_text_or_labels(tmp_path):
    bare = "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2], [3, 4])\n"
    problems = _audit(_notebook(tmp_path, bare))
    assert any("without alt text" in p for p in problems) and any("without a title" in p for p in problems)


def test_trend_can_put_the_first_rank_at_the_top():
    ax = plots.plot_trend(pd.DataFrame({"year": [2012, 2014], "rank": [18, 6]}), "year", "rank",
                          y_inverted=True, y_from_zero=False, **LABELS, show=False)
    assert ax.yaxis_inverted()

"""Grade exports and the instructor's grade report: CSV, a printed table, a figure, HTML."""

from __future__ import annotations

import csv
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

from course.grade import GRADED, GradeRun

LATE_GRACE_SECONDS = 0


@dataclass(frozen=True)
class Report:
    """Where the outputs of a grading run were written."""

    folder: Path
    csv: Path
    html: Path
    figure: Path | None
    feedback: Path


def _late_text(seconds: float) -> str:
    if seconds <= LATE_GRACE_SECONDS:
        return ""
    hours = seconds / 3600
    return f"{hours:.1f} h late" if hours < 48 else f"{hours / 24:.1f} days late"


def rows(run: GradeRun) -> list[dict]:
    """One dict per student: id, status, each question's score, total, maximum, lateness, reason."""
    out = []
    for r in run.results:
        row = {"student_id": r.student, "status": r.status}
        for q in run.manifest.questions:
            row[q.id] = r.scores.get(q.id, 0.0)
        row["total"] = round(r.total, 2)
        row["max"] = run.manifest.points
        row["late_hours"] = round(r.late_seconds / 3600, 2)
        row["note"] = r.reason
        out.append(row)
    return out


def write_csv(run: GradeRun, path: Path) -> Path:
    """Write the grade table as CSV (one row per student on the roster)."""
    table = rows(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0].keys()))
        writer.writeheader()
        writer.writerows(table)
    return path


def table_text(run: GradeRun) -> str:
    """The grade table as fixed-width text for the terminal."""
    qs = [q.id for q in run.manifest.questions]
    manual = {q.id for q in run.manifest.questions if q.kind == "manual"}
    head = ["student", "status"] + [f"{q}{'*' if q in manual else ''}" for q in qs] + ["total", "late", "note"]
    body = []
    for r in run.results:
        cells = [r.student, r.status] + [f"{r.scores.get(q, 0):g}" for q in qs]
        cells += [f"{r.total:g}/{run.manifest.points:g}", _late_text(r.late_seconds), r.reason[:70]]
        body.append(cells)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if manual:
        lines.append("* graded by hand in the formgrader: 0 until the instructor grades it.")
    return "\n".join(lines)


def plot_scores(run: GradeRun, path: Path) -> Path | None:
    """Save a seaborn figure of each question's score (share of its points) over graded submissions."""
    graded = [r for r in run.results if r.status == GRADED]
    if not graded:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from course import plots

    plots.set_theme()
    data = pd.DataFrame(
        [
            {"question": q.id, "share": r.scores.get(q.id, 0.0) / q.points, "kind": q.kind}
            for r in graded
            for q in run.manifest.questions
        ]
    )
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(run.manifest.questions) + 2), 4))
    sns.barplot(data=data, x="question", y="share", hue="kind", errorbar=None, ax=ax, alpha=0.8)
    sns.stripplot(data=data, x="question", y="share", color="black", size=4, jitter=0.15, ax=ax, legend=False)
    ax.set(
        title=f"{run.manifest.id}: score per question ({len(graded)} graded submissions)",
        xlabel="Question",
        ylabel="Share of the question's points (0–1)",
        ylim=(-0.05, 1.05),
    )
    ax.legend(title="grading", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.text(0.01, 0.01, "Bars: class mean; dots: one submission each. Manual questions stay 0 until graded by hand.", fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(run: GradeRun, folder: Path) -> Report:
    """Write the CSV export, the figure, an HTML report and every student's HTML feedback into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(run, folder / f"{run.manifest.id}-grades.csv")
    figure = plot_scores(run, folder / f"{run.manifest.id}-scores.png")
    feedback = folder / "feedback"
    if feedback.exists():
        shutil.rmtree(feedback)
    for r in run.results:
        src = run.workspace.feedback_dir(run.manifest.id, r.student)
        if r.status == GRADED and src.is_dir():
            shutil.copytree(src, feedback / r.student)
    html_path = folder / f"{run.manifest.id}-report.html"
    html_path.write_text(_html(run, figure, feedback), encoding="utf-8")
    return Report(folder, csv_path, html_path, figure, feedback)


def _html(run: GradeRun, figure: Path | None, feedback: Path) -> str:
    m = run.manifest
    head = "".join(f"<th>{html.escape(k)}</th>" for k in rows(run)[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in rows(run)
    )
    notices = "".join(f"<li>{html.escape(n)}</li>" for n in run.notices) or "<li>none</li>"
    img = (
        f'<img src="{figure.name}" alt="Share of points per question across graded submissions; '
        f'see the table for exact scores.">'
        if figure
        else "<p>No graded submission, so no figure.</p>"
    )
    links = "".join(
        f'<li><a href="feedback/{r.student}/">{html.escape(r.student)}</a></li>'
        for r in run.results
        if (feedback / r.student).is_dir()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(m.id)} grade report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}td,th{{border:1px solid #999;padding:2px 6px}}
table{{border-collapse:collapse}}</style></head><body>
<h1>{html.escape(m.title)} ({html.escape(m.id)}): grade report</h1>
<p>{len(run.results)} students; {m.points:g} points, of which {m.auto_points:g} autograded.</p>
<h2>Scores per question</h2>{img}
<h2>Grade table</h2><table><tr>{head}</tr>{body}</table>
<h2>Notices</h2><ul>{notices}</ul>
<h2>Feedback</h2><ul>{links}</ul>
</body></html>
"""

"""Grade exports and the instructor's grade report: CSV, a printed table, a figure, HTML."""

from __future__ import annotations

import csv
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.grading import lms
from course.grading.grade import GRADED, MISSING, SKIPPED, GradeRun

LATE_GRACE_SECONDS = 0
#: Below this many graded submissions, item statistics come with a warning (``small_class_warning``).
SMALL_CLASS = 20


@dataclass(frozen=True)
class Report:
    """Where the outputs of a grading run were written."""

    folder: Path
    csv: Path
    html: Path
    figure: Path | None
    feedback: Path
    canvas: Path | None = None
    moodle: Path | None = None
    totals_figure: Path | None = None
    not_final: tuple[str, ...] = ()  # with final: each hand grade still missing (and no LMS file was written)


@dataclass(frozen=True)
class ItemStats:
    """How one question behaved across the graded submissions."""

    question: str
    kind: str
    difficulty: float  # mean share of the points earned (1 = everyone got it)
    discrimination: float | None  # correlation with the rest of the score; None when undefined
    flag: str  # why the question needs a look, or ""


def item_analysis(run: GradeRun) -> list[ItemStats]:
    """Difficulty and discrimination (item-rest correlation) of each autograded question, with flags."""
    import numpy as np

    graded = [r for r in run.results if r.status == GRADED]
    out = []
    for q in run.manifest.questions:
        if q.kind != "auto":
            continue
        share = np.array([r.scores.get(q.id, 0.0) / q.points for r in graded], dtype=float)
        rest = np.array([r.total - r.scores.get(q.id, 0.0) for r in graded], dtype=float)
        difficulty = float(share.mean()) if len(share) else float("nan")
        disc = None
        if len(share) >= 3 and share.std() > 0 and rest.std() > 0:
            disc = float(np.corrcoef(share, rest)[0, 1])
        flag = ""
        if len(share) >= 3 and difficulty < 0.1:
            flag = "almost nobody passes: a broken test or unclear instructions?"
        elif disc is not None and disc < 0:
            flag = "students who do well elsewhere fail it more often: check the test"
        out.append(ItemStats(q.id, q.kind, difficulty, disc, flag))
    return out


def small_class_warning(run: GradeRun) -> str:
    """Why the item statistics of a small class are only hints, or "" from ``SMALL_CLASS`` graded submissions up."""
    n = sum(1 for r in run.results if r.status == GRADED)
    if n >= SMALL_CLASS:
        return ""
    return (f"Only {_graded_text(n)}: with fewer than {SMALL_CLASS}, one student changes difficulty a lot and "
            "discrimination (a correlation) even more, so read them as hints, not verdicts.")


def report_notices(run: GradeRun) -> list[str]:
    """The run's notices, less those that only repeat why a student was not graded (the report lists that once)."""
    said = [f"{r.student}: {r.reason.rstrip('.')}" for r in run.results if r.status != GRADED and r.reason]
    return [n for n in run.notices if not any(n.startswith(s) for s in said)]


def marks(run: GradeRun) -> dict[str, lms.Mark]:
    """Each student's mark as the gradebook has it now (``lms.mark_of``): total, pending hand grading, own summary.

    A student the gradebook has no submission for gets the run's total, and what the student
    should read: "no submission", why the work could not be graded, or "not graded yet" with
    every point pending. A run without a workspace (a hand-made one) takes the run's totals.
    """
    from_gb: dict[str, lms.Mark] = {}
    if run.workspace is not None:
        from nbgrader.api import MissingEntry

        names = {(Path(q.notebook).stem, q.graded_cell): q.id for q in run.manifest.questions}
        try:
            with run.workspace.gradebook() as gb:
                for r in run.results:
                    if r.status not in (GRADED, SKIPPED):
                        continue
                    try:
                        from_gb[r.student] = lms.mark_of(gb.find_submission(run.manifest.id, r.student), names)
                    except MissingEntry:
                        pass
        except CourseError:
            pass  # the gradebook cannot be opened now: the run's own totals, with no pending marks
    out = {}
    for r in run.results:
        if r.student in from_gb:
            out[r.student] = from_gb[r.student]
        elif r.status == MISSING:
            out[r.student] = lms.Mark(0.0, lms.NO_SUBMISSION)
        elif r.status == SKIPPED:
            out[r.student] = lms.Mark(0.0, "Not graded yet.", run.manifest.points, ("every question",))
        elif r.status == GRADED:
            out[r.student] = lms.Mark(r.total)
        else:  # why the work could not be graded, as the student is told to fix it; never a tool's error
            out[r.student] = lms.Mark(0.0, student_reason(r.reason))
    return out


#: The start of a reason for failing that is the tool's own error, not something the student can fix.
TOOL_ERRORS = ("autograding failed", "feedback for ")


def student_reason(reason: str) -> str:
    """A failed submission's reason as the student reads it: the tool's own errors stay with the instructor."""
    if reason.startswith(TOOL_ERRORS):
        return "Your submission could not be graded automatically; your instructor will look at it."
    return reason


def _lms_table(run: GradeRun) -> tuple[list[lms.Student], list[lms.Item], dict]:
    """The run as the LMS writers take it: every student on the roster, this assignment, each mark (``marks``)."""
    people = {s.id: s for s in run.students}
    rows = []
    for r in run.results:
        s = people.get(r.student)
        rows.append(lms.Student(r.student, s.first_name, s.last_name, s.email, getattr(s, "lms_user_id", ""))
                    if s else lms.Student(r.student))
    item = lms.Item(run.manifest.id, run.manifest.title, run.manifest.points)
    return rows, [item], {(sid, item.id): mark for sid, mark in marks(run).items()}


def write_canvas_csv(run: GradeRun, path: Path) -> Path:
    """Canvas gradebook import (``lms.write_canvas``): the same file ``nbgrader export`` writes with the Canvas plugin."""
    return lms.write_canvas(path, *_lms_table(run))


def write_moodle_csv(run: GradeRun, path: Path) -> Path:
    """Moodle "Import grades from CSV" (``lms.write_moodle``), each row's note as its feedback."""
    return lms.write_moodle(path, *_lms_table(run))


def _late_text(seconds: float) -> str:
    if seconds <= LATE_GRACE_SECONDS:
        return ""
    hours = seconds / 3600
    return f"{hours:.1f} h late" if hours < 48 else f"{hours / 24:.1f} days late"


def rows(run: GradeRun, by_student: dict[str, lms.Mark] | None = None) -> list[dict]:
    """One dict per student: id, status, each question's score, total, maximum, lateness, reason.

    A question still to be graded by hand has a blank score, not 0; ``total`` is the score so
    far, ``graded_max`` the points graded so far, ``max`` the whole and ``pending_points`` the
    points still to be graded by hand.
    """
    by_student = marks(run) if by_student is None else by_student
    out = []
    for r in run.results:
        mark = by_student.get(r.student, lms.Mark(r.total))
        row = {"student_id": r.student, "status": r.status}
        for q in run.manifest.questions:
            row[q.id] = "" if q.id in mark.pending_questions else r.scores.get(q.id, 0.0)
        row["total"] = round(r.total, 2)
        row["graded_max"] = round(run.manifest.points - mark.pending, 2)
        row["max"] = run.manifest.points
        row["pending_points"] = round(mark.pending, 2)
        row["late_hours"] = round(r.late_seconds / 3600, 2) if r.late_known else "unknown"
        row["late_penalty"] = round(r.penalty, 2)
        row["note"] = r.reason
        out.append(row)
    return out


def write_csv(run: GradeRun, path: Path, by_student: dict[str, lms.Mark] | None = None) -> Path:
    """Write the grade table as CSV (one row per student on the roster; ``rows``)."""
    table = rows(run, by_student)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0].keys()))
        writer.writeheader()
        writer.writerows(table)
    return path


def table_text(run: GradeRun, by_student: dict[str, lms.Mark] | None = None) -> str:
    """The grade table as fixed-width text for the terminal; a hand grade not given yet shows as ``-``, not 0."""
    qs = [q.id for q in run.manifest.questions]
    manual = {q.id for q in run.manifest.questions if q.by_hand}
    by_student = marks(run) if by_student is None else by_student
    head = ["student", "status"] + [f"{q}{'*' if q in manual else ''}" for q in qs] + ["total", "late", "note"]
    body = []
    for r in run.results:
        pending = by_student[r.student].pending_questions if r.student in by_student else ()
        cells = [r.student, r.status] + ["-" if q in pending else f"{r.scores.get(q, 0):g}" for q in qs]
        late = (_late_text(r.late_seconds) if r.late_known else "unknown") + (f", -{r.penalty:g}" if r.penalty else "")
        cells += [f"{r.total:g}/{run.manifest.points:g}", late, r.reason[:70]]
        body.append(cells)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [head, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if manual:
        lines.append("* graded by hand in the formgrader; - : not graded by hand yet (pending, not 0).")
    return "\n".join(lines)


def scores_figure(run: GradeRun):
    """A seaborn figure of each question's score (share of its points) over graded submissions; ``None`` if none."""
    graded = [r for r in run.results if r.status == GRADED]
    if not graded:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    _theme(sns)
    data = pd.DataFrame(
        [
            {"question": q.id, "share": r.scores.get(q.id, 0.0) / q.points, "kind": q.kind}
            for r in graded
            for q in run.manifest.questions
        ]
    )
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(run.manifest.questions) + 2), 4), layout="constrained")
    sns.barplot(data=data, x="question", y="share", hue="kind", errorbar=None, ax=ax, alpha=0.8)
    sns.stripplot(data=data, x="question", y="share", color="black", size=4, jitter=0.15, ax=ax, legend=False)
    ax.set(
        title=f"{run.manifest.id}: score per question\n{_graded_text(len(graded))}",
        xlabel="Question\n(bars: class mean; dots: one submission each;\nmanual questions 0 until graded by hand)",
        ylabel="Share of the question's points (0–1)",
        ylim=(-0.05, 1.05),
    )
    ax.legend(title="grading", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def plot_scores(run: GradeRun, path: Path) -> Path | None:
    """Save ``scores_figure`` to ``path`` (nothing when no submission was graded)."""
    return _save(scores_figure(run), path)


def _graded_text(n: int) -> str:
    return f"{n} graded submission{'' if n == 1 else 's'}"


def _save(fig, path: Path) -> Path | None:
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.1)  # nothing outside the canvas is cut off
    plt.close(fig)
    return path


def _theme(sns) -> None:
    # The instructor's report, not a lesson: the same readable, colour-blind-safe look as the
    # course's figures, set here so that the grading wing needs nothing of the lesson code.
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind",
                  rc={"axes.titleweight": "bold", "axes.titlesize": 13})


def totals_figure(run: GradeRun):
    """A seaborn histogram of total scores over graded submissions (whole submissions on the y axis); ``None`` if none."""
    graded = [r for r in run.results if r.status == GRADED]
    if not graded:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    _theme(sns)
    fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    sns.histplot([r.total for r in graded], bins=min(20, max(5, len(graded) // 3)), ax=ax)
    ax.set(title=f"{run.manifest.id}: total scores\n{_graded_text(len(graded))}",
           xlabel=f"Total score, points of {run.manifest.points:g}\n(manual questions 0 until graded by hand)",
           ylabel="Submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of submissions: no 0.5 ticks
    return fig


def plot_totals(run: GradeRun, path: Path) -> Path | None:
    """Save ``totals_figure`` to ``path`` (nothing when no submission was graded)."""
    return _save(totals_figure(run), path)


def write_report(run: GradeRun, folder: Path, final: bool = False) -> Report:
    """Write the CSV exports (plain, Canvas, Moodle), figures, an HTML report and every student's feedback into ``folder``.

    With ``final``, the Canvas and Moodle files are written only when no hand grade is missing;
    otherwise they are left out (an older copy removed) and ``Report.not_final`` says, one line
    each, who waits for which question.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_student = marks(run)
    csv_path = write_csv(run, folder / f"{run.manifest.id}-grades.csv", by_student)
    missing = lms.missing_hand_grades(*_lms_table(run)) if final else []
    canvas = moodle = None
    for kind in ("canvas", "moodle"):
        (folder / f"{run.manifest.id}-{kind}.csv").unlink(missing_ok=True)  # never a stale file beside a refusal
    if not missing:
        canvas = write_canvas_csv(run, folder / f"{run.manifest.id}-canvas.csv")
        moodle = write_moodle_csv(run, folder / f"{run.manifest.id}-moodle.csv")
    figure = plot_scores(run, folder / f"{run.manifest.id}-scores.png")
    totals = plot_totals(run, folder / f"{run.manifest.id}-totals.png")
    feedback = folder / "feedback"
    if feedback.exists():
        shutil.rmtree(feedback)
    for r in run.results:
        src = run.workspace.feedback_dir(run.manifest.id, r.student)
        if r.status == GRADED and src.is_dir():
            shutil.copytree(src, feedback / r.student)
    html_path = folder / f"{run.manifest.id}-report.html"
    html_path.write_text(_html(run, figure, feedback, totals, by_student), encoding="utf-8")
    return Report(folder, csv_path, html_path, figure, feedback, canvas, moodle, totals, tuple(missing))


def hand_grading_lines(run: GradeRun, by_student: dict[str, lms.Mark]) -> tuple[str, list[str]]:
    """The class's pending hand grading in words: a summary line and one line per student waiting for it."""
    per = []
    for r in run.results:
        mark = by_student.get(r.student)
        if r.status == GRADED and mark is not None and mark.pending:
            graded = run.manifest.points - mark.pending
            per.append(f"{r.student}: {lms.pending_text(mark.pending).replace('still ', '')} "
                       f"({', '.join(mark.pending_questions)}); {r.total:g} so far of the {graded:g} points graded, "
                       f"{r.total:g}/{run.manifest.points:g} of the whole")
    points = sum(by_student[r.student].pending for r in run.results if r.status == GRADED and r.student in by_student)
    if not per:
        return "No hand grading pending: every total is final.", []
    return (f"{points:g} points to be graded by hand for {len(per)} student(s): their totals are not final "
            "(grade them in the formgrader, then grade or export again).", per)


def _html(run: GradeRun, figure: Path | None, feedback: Path, totals: Path | None = None,
          by_student: dict[str, lms.Mark] | None = None) -> str:
    m = run.manifest
    by_student = marks(run) if by_student is None else by_student
    table = rows(run, by_student)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in table[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row.values()) + "</tr>" for row in table
    )
    pending_summary, pending_each = hand_grading_lines(run, by_student)
    pending = f"<p>{html.escape(pending_summary)}</p>" + (
        "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in pending_each) + "</ul>" if pending_each else "")
    notices = "".join(f"<li>{html.escape(n)}</li>" for n in report_notices(run)) or "<li>none</li>"
    img = (
        f'<img src="{figure.name}" alt="Share of points per question across graded submissions; '
        f'see the table for exact scores.">'
        if figure
        else "<p>No graded submission, so no figure.</p>"
    )
    items = "".join(
        f"<tr><td>{i.question}</td><td>{i.difficulty:.2f}</td>"
        f"<td>{'' if i.discrimination is None else f'{i.discrimination:.2f}'}</td><td>{html.escape(i.flag)}</td></tr>"
        for i in item_analysis(run)
    )
    not_graded = "".join(
        f"<li>{html.escape(r.student)}: {html.escape(r.status)}, {html.escape(r.reason)}</li>"
        for r in run.results if r.status != GRADED
    ) or "<li>none</li>"
    totals_img = (f'<img src="{totals.name}" alt="Histogram of total scores across graded submissions; '
                  f'see the table for each student\'s total.">' if totals else "")
    small = small_class_warning(run)
    small = f'<p class="warning"><strong>Small class.</strong> {html.escape(small)}</p>' if small else ""
    links = "".join(
        f'<li><a href="feedback/{r.student}/">{html.escape(r.student)}</a></li>'
        for r in run.results
        if (feedback / r.student).is_dir()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(m.id)} grade report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}td,th{{border:1px solid #999;padding:2px 6px}}
table{{border-collapse:collapse}}.warning{{background:#fff3cd;border-left:4px solid #b8860b;padding:4px 8px}}</style></head><body>
<h1>{html.escape(m.title)} ({html.escape(m.id)}): grade report</h1>
<p>{len(run.results)} students; {m.points:g} points, of which {m.auto_points:g} autograded.</p>
<h2>Hand grading</h2>{pending}
<h2>Scores</h2>{totals_img}{img}
<h2>Questions</h2>
<p>Difficulty: mean share of the points earned. Discrimination: correlation of the question with the rest of
the score (near 0 or negative: the question does not separate strong from weak work).</p>{small}
<table><tr><th>question</th><th>difficulty</th><th>discrimination</th><th>flag</th></tr>{items}</table>
<h2>Not submitted or not gradable</h2><ul>{not_graded}</ul>
<h2>Grade table</h2><table><tr>{head}</tr>{body}</table>
<h2>Notices</h2><ul>{notices}</ul>
<h2>Feedback</h2><ul>{links}</ul>
</body></html>
"""

"""course.report: grade exports for the LMS and the item analysis, on a hand-made grading run."""

import csv

import pytest

from course import manifest
from course.grading.grade import FAILED, GRADED, MISSING, GradeRun, SubmissionResult
from course.grading.report import item_analysis, table_text, write_canvas_csv, write_csv, write_moodle_csv
from course.grading.workspace import Student


@pytest.fixture
def run(toy_root):
    m = manifest.load("00-toy", toy_root)
    results = [
        SubmissionResult("ana", GRADED, {"q1": 2, "q2": 1, "q3": 0}),
        SubmissionResult("ben", GRADED, {"q1": 2, "q2": 0, "q3": 0}),
        SubmissionResult("cai", GRADED, {"q1": 0, "q2": 0, "q3": 0}),
        SubmissionResult("dan", GRADED, {"q1": 2, "q2": 0, "q3": 0}, late_seconds=7200),
        SubmissionResult("eve", FAILED, reason="not a valid notebook"),
        SubmissionResult("fay", MISSING, reason="no submission"),
    ]
    students = [Student("ana", "Ana", "Abe", "ana@x.jp")] + [Student(r.student) for r in results[1:]]
    return GradeRun(m, None, results, [], students)


def test_item_analysis_difficulty_discrimination_and_flags(run):
    stats = {s.question: s for s in item_analysis(run)}
    assert set(stats) == {"q1", "q2"}  # manual questions are not analysed
    assert stats["q1"].difficulty == pytest.approx(0.75)
    assert stats["q2"].difficulty == pytest.approx(0.25)
    assert stats["q1"].discrimination == pytest.approx(1 / 3)  # shares 1,1,0,1 against rests 1,0,0,0
    assert stats["q1"].flag == "" and stats["q2"].flag == ""


def test_a_question_nobody_passes_is_flagged(run):
    for r in run.results:
        r.scores["q2"] = 0
    assert "almost nobody passes" in {s.question: s for s in item_analysis(run)}["q2"].flag


def test_canvas_csv_has_points_possible_and_one_row_per_student(run, tmp_path):
    rows = list(csv.reader(write_canvas_csv(run, tmp_path / "c.csv").open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Toy assignment for the pipeline's tests (00-toy)"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "5"
    assert rows[2] == ["Abe, Ana", "", "ana", "ana@x.jp", "", "3"]
    assert [r[2] for r in rows[2:]] == ["ana", "ben", "cai", "dan", "eve", "fay"]
    assert rows[-1][5] == "0"


def test_moodle_csv_maps_by_id_number(run, tmp_path):
    rows = list(csv.DictReader(write_moodle_csv(run, tmp_path / "m.csv").open()))
    assert rows[0]["ID number"] == "ana" and rows[0]["Email address"] == "ana@x.jp"
    assert rows[0]["Toy assignment for the pipeline's tests"] == "3"
    assert rows[4]["Feedback"] == "not a valid notebook"


def test_plain_csv_and_table(run, tmp_path):
    rows = list(csv.DictReader(write_csv(run, tmp_path / "g.csv").open()))
    assert rows[3]["late_hours"] == "2.0" and rows[5]["status"] == MISSING
    text = table_text(run)
    assert "2.0 h late" in text and "q3*" in text


def _inside_canvas(fig, *texts):
    """Each text drawn wholly inside the figure's own canvas (nothing clipped at an edge)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for t in texts:
        ext = t.get_window_extent(renderer)
        assert t.get_text(), "every figure keeps its title and axis labels"
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1 and box.y0 <= ext.y0 and ext.y1 <= box.y1, (t.get_text(), ext, box)


def test_totals_figure_counts_whole_submissions_and_keeps_its_title_inside(run):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from course.grading.report import totals_figure

    fig = totals_figure(run)
    try:
        ax = fig.axes[0]
        locator = ax.yaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator) and locator._integer
        _inside_canvas(fig, ax.title, ax.xaxis.label, ax.yaxis.label)
        assert all(float(t).is_integer() for t in ax.get_yticks())
    finally:
        plt.close(fig)


def test_scores_figure_keeps_title_and_labels_inside(run):
    import matplotlib.pyplot as plt

    from course.grading.report import scores_figure

    fig = scores_figure(run)
    try:
        ax = fig.axes[0]
        _inside_canvas(fig, ax.title, ax.xaxis.label, ax.yaxis.label)
    finally:
        plt.close(fig)


def test_small_class_warning_below_twenty_graded_and_not_above(run):
    from course.grading.report import SMALL_CLASS, small_class_warning

    text = small_class_warning(run)
    assert "4 graded submissions" in text and "discrimination" in text
    run.results.extend(SubmissionResult(f"s{i:02d}", GRADED, {"q1": 2, "q2": i % 2, "q3": 0}) for i in range(SMALL_CLASS))
    assert small_class_warning(run) == ""


def test_report_notices_drop_the_repeated_reason_of_a_failed_student(run):
    from course.grading.report import report_notices

    run.notices[:] = ["eve: not a valid notebook; graded as zero, and the batch went on.",
                      "ghost: a submission folder for a student who is not on the roster; skipped."]
    assert report_notices(run) == [run.notices[1]]


def test_html_report_warns_on_a_small_class_and_gives_a_failed_reason_once(run, tmp_path):
    from course.grading.report import _html

    run.notices[:] = ["eve: not a valid notebook; graded as zero, and the batch went on."]
    page = _html(run, None, tmp_path)
    assert 'class="warning"' in page and "fewer than 20" in page
    lists = page.split("<h2>Grade table</h2>")[0] + page.split("<h2>Notices</h2>")[1]  # all but the grade table
    assert lists.count("not a valid notebook") == 1

"""course.syllabus: docs/SYLLABUS.md is generated from the manifests and cannot drift."""

import shutil

import pytest
import yaml

from course import manifest
from course.authoring import syllabus
from course.cli import main


def test_committed_syllabus_is_exactly_what_the_manifests_generate(repo_root):
    assert (repo_root / "docs" / "SYLLABUS.md").read_text(encoding="utf-8") == syllabus.render(repo_root)


def test_every_module_shows_its_objectives_time_and_points(repo_root):
    page = syllabus.render(repo_root)
    for m in manifest.load_all(repo_root):
        assert f"## Module {m.module}: {m.title}" in page
        assert f"({m.minutes} minutes)" in page
        assert f"- **Points:** {m.points:g}:" in page
        for objective in m.learning_objectives:
            assert objective.strip() in page


def test_module_3_lists_the_two_real_data_sets_its_notebooks_load_from_packages(repo_root):
    """Issue 17: the syllabus named only course data sets, and so omitted the RAND and organ-donor data of module 3."""
    page = syllabus.render(repo_root)
    section = page.split("## Module 3:", 1)[1].split("## Module 4:", 1)[0]
    assert "`statsmodels.datasets.randhie`" in section and "`causaldata.organ_donations`" in section
    assert syllabus.package_datasets(repo_root, "03-policy-design") == ["causaldata.organ_donations", "statsmodels.datasets.randhie"]
    assert syllabus.package_datasets(repo_root, "01-problem-framing") == []


def test_check_fails_when_a_manifest_changes_and_passes_after_regenerating(toy_root):
    syllabus.write(toy_root)
    syllabus.check(toy_root)
    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data["minutes"] = data["minutes"] + 15
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(syllabus.SyllabusOutOfDate, match="out of date .*Run `course syllabus`"):
        syllabus.check(toy_root)
    syllabus.write(toy_root)
    syllabus.check(toy_root)


def test_check_fails_when_the_page_is_missing(toy_root):
    with pytest.raises(syllabus.SyllabusOutOfDate, match="missing"):
        syllabus.check(toy_root)


def test_totals_add_up_over_modules(toy_root):
    shutil.copy(toy_root / "assignments" / "00-toy.yml", toy_root / "assignments" / "01-toy.yml")
    path = toy_root / "assignments" / "01-toy.yml"
    data = yaml.safe_load(path.read_text())
    data.update(id="01-toy", module=2)
    path.write_text(yaml.safe_dump(data))
    ms = manifest.load_all(toy_root)
    page = syllabus.render(toy_root)
    assert f"**{sum(m.points for m in ms):g}**" in page
    assert "2 assignments" in page


def test_cli_check_exits_non_zero_when_out_of_date_and_zero_after_writing(toy_root, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--root", str(toy_root), "syllabus", "--check"])
    assert exc.value.code == 1
    assert "SyllabusOutOfDate" in capsys.readouterr().err
    main(["--root", str(toy_root), "syllabus"])
    main(["--root", str(toy_root), "syllabus", "--check"])
    assert "is what the manifests generate" in capsys.readouterr().out


def _set(toy_root, **fields):
    path = toy_root / "assignments" / "00-toy.yml"
    data = yaml.safe_load(path.read_text())
    data.update(fields)
    path.write_text(yaml.safe_dump(data))


def test_prerequisites_are_earlier_assignments_or_sentences_and_the_syllabus_shows_them(toy_root):
    _set(toy_root, prerequisites=["Percentages (secondary-school mathematics)."])
    assert manifest.load_all(toy_root)[0].prerequisites == ("Percentages (secondary-school mathematics).",)
    assert "- **Before this module:** Percentages (secondary-school mathematics)." in syllabus.render(toy_root)
    _set(toy_root, prerequisites=["01-later"])
    with pytest.raises(manifest.ManifestError, match="prerequisite 01-later is not an assignment here: list only earlier"):
        manifest.load_all(toy_root)
    _set(toy_root, prerequisites="00-toy")
    with pytest.raises(manifest.ManifestError, match="prerequisites must be a list"):
        manifest.load_all(toy_root)


def test_the_time_estimate_counts_prose_cells_and_answers_as_the_syllabus_says(toy_root):
    import nbformat

    m = manifest.load_all(toy_root)[0]
    e = syllabus.estimate(m, toy_root)
    nb = nbformat.read(toy_root / "source" / "00-toy" / "00-toy-lab.ipynb", as_version=4)
    gids = [c.metadata.get("nbgrader", {}).get("grade_id", "") for c in nb.cells]
    assert e.test_cells == sum(g.endswith("-tests") for g in gids)
    assert e.code_cells == sum(c.cell_type == "code" and not g.endswith(("-tests", "-answer")) for c, g in zip(nb.cells, gids))
    assert e.autograded == sum(q.kind == "auto" for q in m.questions)
    grown = syllabus.TimeEstimate(e.words + 1000, e.code_cells, e.test_cells, e.autograded, e.written_points, 60)
    assert grown.minutes - e.minutes == pytest.approx(1000 / syllabus.READING_WORDS_PER_MINUTE + 60, abs=5)


def test_a_stated_time_far_from_the_estimate_is_named_with_the_estimate(toy_root):
    e = syllabus.estimate(manifest.load_all(toy_root)[0], toy_root)
    _set(toy_root, minutes=e.minutes)
    assert syllabus.stated_time_problems(toy_root) == []
    _set(toy_root, minutes=e.minutes * 3)
    problems = syllabus.stated_time_problems(toy_root)
    assert len(problems) == 1 and f"set minutes: {e.minutes} in assignments/00-toy.yml" in problems[0]


def test_every_manifest_and_notebook_states_the_time_its_notebooks_take(repo_root):
    assert syllabus.stated_time_problems(repo_root) == []


def test_the_readmes_module_map_gives_each_manifests_time(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    for m in manifest.load_all(repo_root):
        row = next(line for line in readme.splitlines() if line.startswith(f"| {m.module} | [`{m.id}`]"))
        assert f" | {syllabus._duration(m.minutes)} | " in row, f"README's module map: {m.id} should say {syllabus._duration(m.minutes)}"


def _milestone(mid, due, questions):
    return {"id": mid, "title": mid.title(), "due": due, "questions": questions,
            "deliverable": f"what {mid} hands in", "review": f"who reviews {mid}"}


def test_milestones_are_dated_in_order_cover_every_question_once_and_the_syllabus_shows_them(toy_root):
    ok = [_milestone("scoping", "2027-01-05T23:59:00+09:00", ["q1"]),
          _milestone("final", "2027-01-15T23:59:00+09:00", ["q2", "q3"])]
    _set(toy_root, milestones=ok)
    m = manifest.load("00-toy", toy_root)
    assert [(s.id, s.questions) for s in m.milestones] == [("scoping", ("q1",)), ("final", ("q2", "q3"))]
    page = syllabus.render(toy_root)
    assert "| 2027-01-05 | 1. Scoping | what scoping hands in | Question 1 |" in page
    assert "| 2027-01-15 | 2. Final | what final hands in | Questions 2, 3 |" in page

    bad = {
        "list milestones in date order": [ok[1], _milestone("scoping", "2027-01-05T23:59:00+09:00", ["q1"])],
        "due after the assignment": [ok[0], _milestone("final", "2027-02-01T23:59:00+09:00", ["q2", "q3"])],
        "q3 are in no milestone": [ok[0], _milestone("final", "2027-01-15T23:59:00+09:00", ["q2"])],
        "in more than one milestone": [ok[0], _milestone("final", "2027-01-15T23:59:00+09:00", ["q1", "q2", "q3"])],
        "no question 'q9'": [ok[0], _milestone("final", "2027-01-15T23:59:00+09:00", ["q2", "q3", "q9"])],
    }
    for message, milestones in bad.items():
        _set(toy_root, milestones=milestones)
        with pytest.raises(manifest.ManifestError, match=message):
            manifest.load("00-toy", toy_root)


def test_a_translated_manifest_gives_its_milestones_texts_and_the_japanese_syllabus_shows_them(toy_root):
    ok = [_milestone("scoping", "2027-01-05T23:59:00+09:00", ["q1"]),
          _milestone("final", "2027-01-15T23:59:00+09:00", ["q2", "q3"])]
    _set(toy_root, milestones=ok)
    ja = toy_root / "assignments" / "00-toy.ja.yml"
    ja.write_text(yaml.safe_dump({"milestones": {"scoping": {"title": "範囲の設定", "deliverable": "問題の定義",
                                                              "review": "クラスメート2人"}}}, allow_unicode=True),
                  encoding="utf-8")
    m = manifest.load("00-toy", toy_root, lang="ja")
    assert [(s.id, s.title, s.deliverable, s.review, s.questions) for s in m.milestones] == [
        ("scoping", "範囲の設定", "問題の定義", "クラスメート2人", ("q1",)),
        ("final", "Final", "what final hands in", "who reviews final", ("q2", "q3"))]  # untranslated: stays English
    assert m.milestones[0].due == manifest.load("00-toy", toy_root).milestones[0].due
    page = syllabus.render(toy_root, "ja")
    assert "| 締切 | マイルストーン | 提出するもの | 評価する問 | 配点 | レビューする人 |" in page
    assert "| 2027-01-05 | 1. 範囲の設定 | 問題の定義 | 問1 |" in page
    assert "| 2027-01-15 | 2. Final | what final hands in | 問2、問3 |" in page

    bad = {
        "milestone draft is not in assignments/00-toy.yml: remove it": {"draft": {"title": "草稿"}},
        "milestone scoping may only hold title, deliverable, review": {"scoping": {"due": "2027-01-06"}},
        "milestone scoping title must be one line of text": {"scoping": {"title": ""}},
    }
    for message, steps in bad.items():
        ja.write_text(yaml.safe_dump({"milestones": steps}, allow_unicode=True), encoding="utf-8")
        with pytest.raises(manifest.ManifestError, match=message):
            manifest.load("00-toy", toy_root, lang="ja")


def test_the_capstone_has_five_milestones_from_scoping_to_peer_review(repo_root):
    m = manifest.load("06-capstone", repo_root)
    assert [s.id for s in m.milestones] == ["scoping", "data-audit", "draft", "presentation", "final"]
    assert m.milestones[-1].due == m.due
    book = (repo_root / "source" / "06-capstone" / "06-capstone-worked-example.ipynb").read_text(encoding="utf-8")
    for step in m.milestones:  # the worked example shows each milestone
        assert step.title.split()[0] in book, step.title


def test_committed_japanese_syllabus_is_exactly_what_the_translated_manifests_generate(repo_root):
    assert (repo_root / "docs" / "ja" / "SYLLABUS.md").read_text(encoding="utf-8") == syllabus.render(repo_root, "ja")

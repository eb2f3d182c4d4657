"""The course website's parts that need no Sphinx run: links, explorer notes, the secret scan, bad input.

The build itself (Sphinx, offline, both languages) is tests/e2e/test_site.py; a page in a
browser is tests/browser/test_site_in_browser.py.
"""

import json
import shutil
import tomllib

import nbformat
import pytest

from course.authoring import site
from course.cli import main
from course.errors import CourseError
from tests.conftest import REPO

TARGETS = {"docs/GLOSSARY.md": "glossary.md", "docs/SYLLABUS.md": "syllabus.md",
           "module:00-python-pandas": "00-python-pandas/00-python-pandas-teaching.ipynb"}


def _rewrite(text, here, page_dir=""):
    return site.rewrite_links(text, REPO / here, page_dir, TARGETS, REPO)


def test_links_to_the_guides_and_modules_point_at_the_sites_pages():
    assert _rewrite("See [`00-python-pandas`](../assignments/00-python-pandas.yml).", "docs") == (
        "See [`00-python-pandas`](00-python-pandas/00-python-pandas-teaching.ipynb).")
    # from a notebook one folder down, with an anchor kept
    assert _rewrite("the [KPI](../../docs/GLOSSARY.md#kpi) entry", "release/00-python-pandas", "00-python-pandas") == (
        "the [KPI](../glossary.md#kpi) entry")
    assert _rewrite("[lab](../release/ja/00-python-pandas/00-python-pandas-lab.ipynb)", "docs") == (
        "[lab](00-python-pandas/00-python-pandas-teaching.ipynb)")


def test_links_the_site_cannot_hold_become_plain_text_and_web_links_stay():
    assert _rewrite("the [grader](../course/grading/grade.py) and [DEPLOY](DEPLOY.md)", "docs") == "the grader and DEPLOY"
    assert _rewrite("![a figure](figures/x.png)", "docs") == ""
    web = "read [Tell Us Once](https://www.gov.uk/tell-us-once) and [below](#module-1)"
    assert _rewrite(web, "docs") == web


def _nb_with_explorer():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    explorer = nbformat.v4.new_code_cell("explore.explore_npv(**BASE)")
    explorer.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(children=(FloatSlider(value=0.1),))"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1"), explorer]
    return nb


@pytest.mark.parametrize("language, words", [("en", "needs a running Python kernel"), ("ja", "Python のカーネルが必要です")])
def test_an_explorer_gets_a_note_that_it_needs_a_kernel_and_loses_its_widget_output(language, words):
    nb = site._prepare_notebook(_nb_with_explorer(), language, False, REPO / "release", "", TARGETS, REPO)
    sources = [c.source for c in nb.cells]
    note = next(i for i, s in enumerate(sources) if words in s)
    assert sources[note + 1] == "explore.explore_npv(**BASE)"  # right where the explorer opens
    assert sum(words in s for s in sources) == 1  # not before the other code cell
    assert nb.cells[-1].outputs == []  # no widget view (its scripts would load from the web) and no repr
    assert "widgets" not in nb.metadata


def test_a_japanese_page_shown_in_english_says_so():
    nb = site._prepare_notebook(_nb_with_explorer(), "ja", True, REPO / "release", "", TARGETS, REPO)
    assert "日本語版はまだありません" in nb.cells[0].source


def test_the_scan_names_the_file_and_line_of_a_solution_line_in_a_page(tmp_path):
    secret = "baseline_minutes = visits['minutes'].median()"
    page = tmp_path / "ja" / "lab.html"
    page.parent.mkdir()
    # as Pygments writes code: every token in its own span, quotes as entities
    highlighted = ('<span class="n">baseline_minutes</span> <span class="o">=</span> '
                   '<span class="n">visits</span><span class="p">[</span><span class="s1">&#39;minutes&#39;</span>'
                   '<span class="p">]</span><span class="o">.</span><span class="n">median</span><span class="p">()</span>')
    page.write_text(f"<html>\n<body>\n<pre>{highlighted}</pre>\n</body>\n</html>\n")
    (tmp_path / "index.html").write_text("<p>nothing here</p>\n")
    assert site.find_secrets(tmp_path, secrets={secret}) == [
        f"ja/lab.html:3: a line of a solution or hidden test from source/: {secret!r}"]


def test_a_secret_line_of_punctuation_alone_is_not_a_leak(tmp_path):
    # a written answer's Markdown table shares its "| --- |" line with every table (the glossary's)
    (tmp_path / "glossary.html").write_text("<p>\n| --- | --- |\n</p>\n")
    assert site.find_secrets(tmp_path, secrets={"| --- | --- |"}) == []


def test_the_scan_finds_nbgrader_markers_in_a_notebook_the_site_offers_for_download(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = ...\n### BEGIN SOLUTION\nx = 42\n### END SOLUTION")]
    (tmp_path / "_sources").mkdir()
    (tmp_path / "_sources" / "lab.ipynb").write_text(json.dumps(nb))
    problems = site.find_secrets(tmp_path, secrets=set())
    assert problems == ["_sources/lab.ipynb:cell 1: nbgrader marker 'BEGIN SOLUTION'"]


def test_the_scan_looks_for_the_solution_lines_of_source():
    secrets = site.bundle.secret_lines(REPO)
    lab = nbformat.read(REPO / "source" / "00-python-pandas" / "00-python-pandas-lab.ipynb", as_version=4)
    solution = {line.strip() for cell in lab.cells for body in site.nbs.blocks(cell.source, "BEGIN SOLUTION", "END SOLUTION")
                for line in body.splitlines()}
    assert len(solution & secrets) >= 5


def test_unknown_module_or_language_is_a_one_line_error(capsys):
    with pytest.raises(CourseError, match='no released module "99-nope": choose from 00-python-pandas'):
        site.build(REPO, ["99-nope"])
    with pytest.raises(CourseError, match='no language "fr" for the website: choose from en, ja'):
        site.build(REPO, ["00-python-pandas"], languages=["fr"])
    with pytest.raises(SystemExit) as exit_:
        main(["--root", str(REPO), "site", "99-nope"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 1 and len(err) == 1 and err[0].startswith("error: ") and "no released module" in err[0]


def test_an_output_folder_holding_other_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CourseError, match="not empty and not an earlier website"):
        site.build(REPO, ["00-python-pandas"], out=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(CourseError, match="would overwrite the course"):
        site.build(REPO, ["00-python-pandas"], out=REPO / "release")


def test_the_site_command_has_help(capsys):
    main(["site", "--help"])
    out = capsys.readouterr().out
    assert "Usage: course site" in out and "--no-execute" in out and "--lang" in out


def test_the_site_tools_are_pinned_exactly_and_installed_with_the_tests():
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["site"]
    assert {spec.split("==")[0] for spec in extra} >= {"sphinx", "myst-nb", "sphinx-book-theme"}
    assert all("==" in spec for spec in extra), extra
    assert "'.[test,site]'" in (REPO / "Makefile").read_text()  # make install, and so make test, has them


def test_an_untranslated_module_runs_once_and_its_japanese_page_says_it_is_in_english(tmp_path, monkeypatch):
    runs = []

    def fake_run(path, output, **kwargs):  # a stand-in for the kernel: tests/e2e/test_site.py runs the real one
        runs.append(path)
        output.write_bytes(path.read_bytes())

    monkeypatch.setattr(site.execute, "run_notebook", fake_run)
    # every module of the course is translated: a course of module 0 alone, in English only
    root = tmp_path / "course"
    (root / "assignments").mkdir(parents=True)
    shutil.copy(REPO / "assignments" / "00-python-pandas.yml", root / "assignments")
    shutil.copytree(REPO / "release" / "00-python-pandas", root / "release" / "00-python-pandas")
    shutil.copytree(REPO / "docs" / "site", root / "docs" / "site")  # the site's own pages and theme
    module = next(m for m in site.manifests.available(root) if not site.release_folder(root, m, "ja")
                  and site.release_folder(root, m, "en"))
    executed = {}
    en = site._stage_language(root, "en", [module], tmp_path, True, 60, lambda m: None, executed)
    ja = site._stage_language(root, "ja", [module], tmp_path, True, 60, lambda m: None, executed)
    assert len(runs) == 1
    teaching = next(p for p in ja if p.kind == "teaching")
    assert [p.name for p in en] == [p.name for p in ja]
    staged = nbformat.read(tmp_path / "src-ja" / f"{teaching.name}.ipynb", as_version=4)
    assert "日本語版はまだありません" in staged.cells[0].source


def test_a_notebooks_link_to_its_modules_glossary_opens_the_sites_glossary_at_the_term():
    targets = {**TARGETS, "release/ja/00-python-pandas/GLOSSARY.md": "glossary.md"}
    assert site.rewrite_links("the [中央値](GLOSSARY.md#median) of", REPO / "release" / "ja" / "00-python-pandas",
                              "00-python-pandas", targets, REPO) == "the [中央値](../glossary.md#median) of"
    # a label that breaks a line is a link too
    assert _rewrite("[clustered standard\nerrors](../../docs/GLOSSARY.md#x)", "release/00-python-pandas", "00-python-pandas") == (
        "[clustered standard\nerrors](../glossary.md#x)")


@pytest.mark.parametrize("language", site.LANGUAGES)
def test_the_sites_glossary_page_has_a_target_for_every_term_a_released_notebook_links(language):
    from course.authoring import glossary

    page = site.glossary_page(language, REPO)
    assert page.startswith("# 用語集" if language == "ja" else "# Glossary")
    assert "<a id=" not in page and "(median)=\n" in page  # MyST targets: Sphinx resolves glossary.md#median
    folders = [site.release_folder(REPO, aid, language) for aid in site._modules(REPO, None)]
    linked = {m.group(3) for f in folders if f for p in f.glob("*.ipynb")
              for c in nbformat.read(p, as_version=4).cells for m in glossary.LINK.finditer(c.source)}
    assert len(linked) > 20
    assert not {a for a in linked if f"({a})=\n" not in page}

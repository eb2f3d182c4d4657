"""`make lab` in a real (headless) browser: a self-learner's JupyterLab shows none of nbgrader's tools.

The lab is the one tests/e2e/test_make_lab.py starts with the real `make lab`. Under the
repository's own configuration the same page has the Nbgrader menu, the Assignments tab and
the formgrader (tests/browser/test_lab_in_browser.py), so these checks look where they would be.
Screenshot: .work/artifacts/browser/self-learner-lab.png.
"""

import re

import pytest

from tests.browser import chrome
from tests.e2e.test_make_lab import lab  # noqa: F401  (the fixture: the real `make lab`)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LAB = "01-problem-framing/01-problem-framing-lab.ipynb"


def test_the_self_learners_lab_has_no_nbgrader_tools(lab):  # noqa: F811
    reason = chrome.why_no_browser()
    if reason:
        pytest.skip(f"no browser test here: {reason}")
    with chrome.browser_page() as page:
        page.goto(f"{lab['url']}/lab/tree/{LAB}?token={lab['token']}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        # the notebook drawn and its kernel ready: the moment nbgrader's toolbar buttons would be added
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
        page.locator(".jp-Notebook .jp-RenderedMarkdown").first.wait_for(state="visible")
        page.locator(".jp-NotebookPanel-toolbar").first.wait_for()
        menus = [t.strip() for t in page.locator(".lm-MenuBar-itemLabel").all_text_contents()]
        assert "File" in menus and "Run" in menus, menus  # the page is really there
        chrome.screenshot(page, "self-learner-lab")
        assert "Nbgrader" not in menus, menus
        assert page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").count() == 0
        assert page.get_by_title(re.compile("assignment", re.I)).count() == 0
        assert page.get_by_text(re.compile("Create Assignment|Released assignments|Manage Assignments")).count() == 0

"""The formgrader in the instructor's JupyterLab on the hub, in a real browser (jupyter/nbgrader#1870).

JupyterHub 4.1+ forbids framing single-user pages; deploy/jupyter/instructor/formgrader_frames.py
lets the instructor's own JupyterLab frame the formgrader's routes, and nothing else.
"""

import pytest

from tests.browser import chrome
from tests.hub import hubctl
from tests.hub.conftest import INSTRUCTOR, STUDENTS

pytestmark = [pytest.mark.slow, pytest.mark.hub, pytest.mark.browser]

OUT = hubctl.ARTIFACTS / "hub"


def test_formgrader_shows_in_the_instructors_jupyterlab_and_nowhere_else(hub):
    reason = chrome.why_no_browser()
    if reason:
        pytest.skip(f"no browser test here: {reason}")
    teacher, ben = hub.user(INSTRUCTOR), hub.user(STUDENTS[1])
    for user in (teacher, ben):
        user.start_server()  # already running after the class test; started if this test runs alone

    # every other page keeps JupyterHub's policy
    for user, path in ((teacher, "/lab"), (ben, "/lab"), (teacher, "/formgrader")):
        csp = user.get(path).headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, f"{user.name}{path} lost frame-ancestors 'none': {csp}"
    with chrome.browser_page() as page:
        page.goto(f"{hub.url}/hub/login")
        page.fill("input[name=username]", INSTRUCTOR)
        page.fill("input[name=password]", hubctl.PASSWORDS[INSTRUCTOR])
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"**/user/{INSTRUCTOR}/lab**")
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.wait_for()
        chrome.menu(page, "Nbgrader", "nbgrader:open-formgrader")
        frame = page.frame_locator("iframe[src*='formgrader']")
        try:
            frame.get_by_text("Manage Assignments").first.wait_for(timeout=30_000)
        finally:
            chrome.screenshot(page, "hub-formgrader-in-jupyterlab", OUT)
        frame.get_by_text("Manage Students").first.click()  # the formgrader works inside the panel, not just shows
        frame.locator("h1", has_text="Manage Students").first.wait_for(timeout=30_000)
        chrome.screenshot(page, "hub-formgrader-manage-students", OUT)

    # the formgrader may be framed by the instructor's own pages only, not by a student's page on the same hub
    def framed_by(referer):
        headers = {"Sec-Fetch-Dest": "iframe", "Referer": referer}
        return teacher.get("/formgrader", headers=headers).headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self'" in framed_by(f"{teacher.server}/lab")
    assert "frame-ancestors 'none'" in framed_by(f"{ben.server}/files/homework.html")

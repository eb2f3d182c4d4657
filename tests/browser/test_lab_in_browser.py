"""Module 1's teaching notebook in JupyterLab in a real (headless) browser, as a student sees it.

Runs every cell from the Run menu, checks that no cell failed, that the service-desk explorer
(ipywidgets) renders and follows a change of branch, and that nbgrader's Assignments tab and
formgrader open. Screenshots go to .work/artifacts/browser/.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.browser import chrome

pytestmark = [pytest.mark.slow, pytest.mark.browser]

AID = "01-problem-framing"
TEACHING = f"{AID}-teaching.ipynb"
BIN = Path(sys.executable).parent


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on 127.0.0.1 over a copy of release/01-problem-framing, with the course's nbgrader config."""
    reason = chrome.why_no_browser()
    if reason:
        pytest.skip(f"no browser test here: {reason}")
    work = tmp_path / "work"
    shutil.copytree(chrome.REPO / "release" / AID, work)
    token = secrets.token_hex(16)
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_PATH": str(chrome.REPO),  # its nbgrader_config.py, read by the formgrader
        "COURSE_WORK": str(tmp_path / "course"),
        "COURSE_EXCHANGE": str(tmp_path / "exchange"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (tmp_path / "lab.log").read_text()
            time.sleep(0.5)
        yield url, token, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.copy(tmp_path / "lab.log", chrome.ARTIFACTS / "lab.log") if chrome.ARTIFACTS.is_dir() else None


def _saved_run(page, path: Path, timeout: float = 150) -> dict:
    """Save the notebook until the file shows every code cell run (or the time is up); return it."""
    deadline = time.monotonic() + timeout
    while True:
        chrome.menu(page, "File", "docmanager:save")
        time.sleep(1)
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        running = page.locator(".jp-InputPrompt", has_text="[*]").count()
        if all(c.get("execution_count") for c in code) and running == 0:
            return nb
        if time.monotonic() > deadline:
            return nb
        time.sleep(2)


def test_teaching_notebook_runs_in_jupyterlab_and_its_explorer_responds(lab):
    url, token, work = lab
    with chrome.browser_page() as page:
        page.goto(f"{url}/lab/tree/{TEACHING}?token={token}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
        # the indicator says idle a moment before the kernel's connection is ready: Run All then does nothing
        for _ in range(3):
            time.sleep(2)
            chrome.menu(page, "Run", "runmenu:run-all")
            try:
                page.locator(".jp-OutputArea-output").first.wait_for(timeout=20_000)
                break
            except Exception:  # noqa: BLE001  (playwright's TimeoutError: try the menu again)
                continue
        nb = _saved_run(page, work / TEACHING)
        chrome.screenshot(page, "lab-after-run-all")

        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        not_run = [i for i, c in enumerate(code) if not c.get("execution_count")]
        assert not not_run, f"code cells {not_run} did not run (see lab-after-run-all.png)"
        errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(code)
                  for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"cells raised errors: {errors}"

        # every course figure reaches the DOM as an <img> with its alt text (course.plots' text/html output)
        alts = [o["metadata"]["image/png"]["alt"] for c in code for o in c.get("outputs", [])
                if o.get("metadata", {}).get("image/png", {}).get("alt")]
        assert alts, "the notebook shows no course figure"
        shown = page.locator(".jp-OutputArea-output:not(.jp-LinkedOutputView) img:not(.widget-image)")
        dom_alts = shown.evaluate_all("imgs => imgs.map(img => [img.getAttribute('alt'), img.naturalWidth])")
        assert all(alt and width > 100 for alt, width in dom_alts), f"an image without alt text or pixels: {dom_alts}"
        assert [alt for alt, _ in dom_alts] == alts, "the page's <img alt> differ from the figures' alt text"

        # the service-desk explorer: dropdowns, a months slider, a summary line and a figure
        explorer = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator(".widget-dropdown")).first
        explorer.scroll_into_view_if_needed()
        branch = explorer.locator(".widget-dropdown select").nth(1)
        summary = explorer.locator(".widget-html-content", has_text="visits selected").first
        summary.wait_for()
        assert summary.text_content().strip().startswith("All branches"), summary.text_content().strip()
        figure = explorer.locator(".widget-image").first
        figure.wait_for()
        assert figure.evaluate("img => img.naturalWidth") > 100, "the explorer's figure did not render"
        before = figure.get_attribute("src")
        chrome.screenshot(page, "explorer-all-branches")

        choice = branch.locator("option").nth(1).text_content().strip()
        branch.select_option(label=choice)
        page.wait_for_function(
            "([el, name]) => el.textContent.trim().startsWith(name)", arg=[summary.element_handle(), choice], timeout=30_000)
        page.wait_for_function("([img, old]) => img.src !== old", arg=[figure.element_handle(), before], timeout=30_000)
        explorer.scroll_into_view_if_needed()
        chrome.screenshot(page, "explorer-one-branch")
        assert summary.text_content().strip().startswith(f"{choice}, median minutes per visit:"), summary.text_content().strip()

        # nbgrader's Assignments tab and formgrader are there
        chrome.menu(page, "Nbgrader", "nbgrader:open-assignment-list")
        page.get_by_text("Released assignments").first.wait_for()
        chrome.screenshot(page, "nbgrader-assignment-list")
        chrome.menu(page, "Nbgrader", "nbgrader:open-formgrader")
        page.frame_locator("iframe[src*='formgrader']").get_by_text("Manage Assignments").first.wait_for()
        chrome.screenshot(page, "nbgrader-formgrader")

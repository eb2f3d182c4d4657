"""Headless Debian Chromium driven by Playwright's Python driver (no browser is downloaded)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".work" / "artifacts" / "browser"
#: As root in a container, without the sandbox; without background networking, which this
#: machine's closed network refuses (docs/DEPLOY.md, "Tests").
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not chromium_path():
        return ("Debian's chromium is not installed and could not be: `make test` installs it with "
                "apt-get (as root); elsewhere run `sudo apt-get install chromium`")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]' (make test does)"
    return None


@contextmanager
def browser_page(viewport=(1400, 1000)):
    """A fresh page in a fresh headless Chromium; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def screenshot(page, name: str, folder: Path = ARTIFACTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


def menu(page, label: str, command: str) -> None:
    """Choose a JupyterLab menu entry: the menu bar's ``label``, then the item running ``command``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=label).first.click()
    page.locator(f"li.lm-Menu-item[data-command='{command}']").first.click()

"""The course website in a real (headless) browser: one page in each language, reached by the page's own language switch.

The site (module 0, teaching notebook as released: running it is tests/e2e/test_site.py's part)
is served as static files by Python's http.server on 127.0.0.1, as a web server would publish it.
Japanese text must be drawn with a font that has its glyphs (tests/browser/test_japanese_in_browser.py
explains how Chromium tells).
"""

import os
import socket
import subprocess
import sys
import time

import pytest

from course.authoring import site
from tests.browser import chrome
from tests.browser.test_japanese_in_browser import _fonts_drawing, _japanese_fonts

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MODULE = "00-python-pandas"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    why = chrome.why_no_browser()
    if why:
        pytest.skip(why)
    if not site.release_folder(chrome.REPO, MODULE, "ja"):
        pytest.skip(f"no release/ja/{MODULE} yet (course release {MODULE} --lang ja makes it): no Japanese page to open")
    out = tmp_path_factory.mktemp("site") / "html"
    site.build(chrome.REPO, [MODULE], out, execute_teaching=False)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(out)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_english_page_and_its_japanese_twin_show_their_text(served):
    japanese = _japanese_fonts()
    if not japanese and os.geteuid() != 0:
        pytest.skip("no Japanese font here and no root to install one: sudo apt-get install fonts-noto-cjk")
    with chrome.browser_page() as page:
        page.goto(f"{served}/{MODULE}/{MODULE}-lab.html")
        heading = page.locator("article h1").first
        assert "Module 0" in heading.inner_text()
        assert page.locator("html").get_attribute("lang") == "en"
        chrome.screenshot(page, "site-english-lab")
        page.locator("a.lang-switch").first.click()  # the page's own link to its Japanese twin
        page.wait_for_url(f"{served}/ja/{MODULE}/{MODULE}-lab.html")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.locator("article h1").first.is_visible()
        assert page.locator("a.lang-switch").first.inner_text().strip() == "English"
        page.goto(f"{served}/ja/index.html")
        intro = page.locator("article p").first
        assert intro.inner_text().startswith("本コースのノートブックと資料です")
        assert page.locator("nav").get_by_text("モジュール").first.is_visible()  # the sidebar's captions in Japanese
        chrome.screenshot(page, "site-japanese-index")
        drawn_with = _fonts_drawing(page, "article p")
    glyphs = sum(count for family, count in drawn_with.items() if family in japanese)
    assert glyphs >= 10, (
        f"the Japanese introduction is drawn with {drawn_with} (glyphs per font), none of which has Japanese: "
        "it shows as missing-glyph boxes. Install a CJK font: sudo apt-get install fonts-noto-cjk (make test-deps does it).")

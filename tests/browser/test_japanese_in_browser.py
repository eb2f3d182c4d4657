"""Japanese in JupyterLab, in a real (headless) browser: the menus in Japanese, and Japanese text drawn
with a font that has its characters, not as missing-glyph boxes ("tofu").

Chromium says which fonts drew a node's text, and how many glyphs each (DevTools' CSS
.getPlatformFontsForNode): without a Japanese font, they come from a font that has no Japanese
(its boxes). fontconfig says which installed fonts cover Japanese (`fc-list :lang=ja`): Debian's
fonts-noto-cjk, which `make test-deps` installs and the hub image carries.
"""

import csv
import json
import os
import shutil
import subprocess

import pytest

from tests.browser import chrome
from tests.browser.test_lab_in_browser import lab  # noqa: F401  (the fixture: JupyterLab over a copy of module 1)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FAQ = chrome.REPO / "course" / "data" / "front_desk_faq" / "front_desk_faq_synthetic.csv"


def _two_japanese_lines(length: int = 10) -> list[str]:
    """Two different residents' questions from the course's own FAQ, cut to the same length."""
    with FAQ.open(encoding="utf-8") as fh:
        questions = [row["question_ja"][:length] for row in csv.DictReader(fh)]
    first = questions[0]
    second = next(q for q in questions if len(q) == length and q != first and not set(q) & set(first))
    return [first, second]


def _japanese_fonts() -> set[str]:
    """The font families fontconfig says cover Japanese (none if fontconfig is not installed)."""
    try:
        listed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return set()
    return {name for line in listed.splitlines() for name in line.split(",")}


def test_japanese_menus_and_text_render_in_jupyterlab(lab, tmp_path):  # noqa: F811
    japanese = _japanese_fonts()
    if not japanese and os.geteuid() != 0:
        pytest.skip("no Japanese font here and no root to install one: sudo apt-get install fonts-noto-cjk")
    url, token, work = lab
    # the student's choice of language, as JupyterLab's Settings > Language menu stores it
    settings = tmp_path / "settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"locale": "ja_JP"}))
    lines = _two_japanese_lines()
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "id": "ja",
                     "source": f"# 窓口のよくある質問\n\n{lines[0]}\n\n{lines[1]}\n"}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (work / "japanese.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    with chrome.browser_page() as page:
        page.goto(f"{url}/lab/tree/japanese.ipynb?token={token}")
        page.locator(".lm-MenuBar-itemLabel", has_text="ファイル").first.wait_for()  # the language pack's menus
        paragraphs = page.locator(".jp-RenderedMarkdown p")
        paragraphs.nth(1).wait_for()
        assert [paragraphs.nth(i).inner_text() for i in range(2)] == lines
        chrome.screenshot(page, "japanese-notebook")
        drawn_with = _fonts_drawing(page, ".jp-RenderedMarkdown p")
        _glossary_link_opens_the_glossary_at_its_term(page, url, token, work)
    glyphs = sum(count for family, count in drawn_with.items() if family in japanese)
    assert glyphs >= len(lines[0]), (
        f"{lines[0]!r} is drawn with {drawn_with} (glyphs per font), none of which has Japanese: it shows as "
        "missing-glyph boxes. Install a CJK font: sudo apt-get install fonts-noto-cjk (make test-deps does it).")


def _fonts_drawing(page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the first node matching ``selector`` with, and how many glyphs each."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {f["familyName"]: f["glyphCount"] for f in fonts}


def _glossary_link_opens_the_glossary_at_its_term(page, url: str, token: str, work) -> None:
    """A released Japanese notebook's glossary link, as a student on the hub has it (the fetched folder alone):
    a click opens the GLOSSARY.md beside it in Markdown Preview, scrolled down to the term (module 5's, near the end).
    JupyterLab keeps an untrusted file's ``id`` as ``data-jupyter-id`` and scrolls to the one the fragment names."""
    aid = "05-venture-leadership"
    shutil.copytree(chrome.REPO / "release" / "ja" / aid, work / aid)
    page.goto(f"{url}/lab/tree/{aid}/{aid}-teaching.ipynb?token={token}")
    # JupyterLab rewrites a local link's href to the file's URL (…/GLOSSARY.md?…#tam-sam-som)
    page.locator(".jp-RenderedMarkdown a[href*='GLOSSARY.md'][href$='#tam-sam-som']").first.click()
    term = page.locator(".jp-MarkdownViewer").locator("[data-jupyter-id='tam-sam-som'], #tam-sam-som").first
    term.wait_for(state="attached")  # an empty <a>: never "visible" itself
    where = """el => { let box = el.parentElement; while (box && box.scrollTop === 0) box = box.parentElement;
        if (!box) return null; const v = box.getBoundingClientRect(), t = el.getBoundingClientRect();
        return [box.scrollTop, t.top - v.top, v.height, el.parentElement.innerText]; }"""
    page.wait_for_function(where, arg=term.element_handle())  # the view scrolls once the file is drawn
    chrome.screenshot(page, "japanese-glossary-at-term")
    scrolled, top, height, text = page.evaluate(where, term.element_handle())
    assert scrolled > 0 and 0 <= top < height and text.startswith("市場規模（TAM・SAM・SOM）"), (
        f"the glossary did not open at its term: {text[:40]!r} is {top:.0f} px down a {height:.0f} px view "
        f"scrolled {scrolled:.0f} px")

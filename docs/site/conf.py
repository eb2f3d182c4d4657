"""Sphinx's configuration of the course website, one build per language.

`course site` (course/authoring/site.py) copies this folder beside the pages it stages and
writes ``_site.json`` next to it: the language, the title, and where the other language is.
Nothing here reaches the network: no intersphinx, no notebook execution (the teaching
notebooks arrive already run), no math (MathJax would load from the web; the notebooks have
no formulas, and a "$" in their prose is money).
"""

import json
from pathlib import Path

SITE = json.loads((Path(__file__).parent / "_site.json").read_text(encoding="utf-8"))

project = SITE["title"]
author = "Social Design Lab"
copyright = "Social Design Lab"
language = SITE["language"]

extensions = ["myst_nb"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
# the teaching notebooks arrive run; an explorer's widgets need a kernel, which a static page has
# not: course/authoring/site.py removes their state (so no widget script is loaded from the web)
# and puts a note where an explorer opens
nb_execution_mode = "off"

exclude_patterns = ["_build", "_site.json", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = SITE["title"]
html_static_path = ["_static"]
html_css_files = ["site.css"]
templates_path = ["_templates"]
html_last_updated_fmt = None
html_theme_options = {
    # the language switch first in every page's header, before the theme's own buttons
    "article_header_end": ["lang-switch.html", "article-header-buttons.html"],
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
html_context = {
    "site_other_lang": SITE.get("other_language"),
    "site_other_label": SITE.get("other_label"),
    "site_other_root": SITE.get("other_root"),
    "site_other_pages": SITE.get("other_pages", []),
}

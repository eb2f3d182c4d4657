"""`course site` end to end: module 0's website built by the real command with the network cut, then read as a visitor's browser would.

The build runs in a new network namespace (``unshare -n``, as root: CI runs as root) where only
the loopback exists, so any fetch fails the build, as Jupyter Book 2's first build fails there.
The loopback stays, for the kernel that runs the teaching notebook.
"""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from course.authoring import site
from tests.conftest import REPO

pytestmark = pytest.mark.slow

MODULE = "00-python-pandas"
# In the new namespace: bring the loopback up (ioctl SIOCSIFFLAGS: IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
# no `ip` needed), then run the command line as an instructor does.
OFFLINE = """
import fcntl, socket, struct, sys
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8914, struct.pack("16sH14s", b"lo", 0x1 | 0x8 | 0x40, b""))
from course.cli import main
main(sys.argv[1:])
"""


def _can_cut_the_network() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(output folder, languages, whether the network was cut, seconds): module 0, every released language."""
    out = tmp_path_factory.mktemp("site") / "html"
    offline = _can_cut_the_network()
    cmd = [sys.executable, "-c", OFFLINE, "--root", str(REPO), "site", MODULE, "--out", str(out)]
    if offline:
        cmd = ["unshare", "-n", *cmd]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           # a proxy on a closed port as well: a tool that honours proxies fails at once instead of waiting
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
    before = _release_state()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _release_state() == before, "the build wrote into release/"
    languages = ["en", "ja"] if site.release_folder(REPO, MODULE, "ja") else ["en"]
    return out, languages, offline, done.stdout


def _release_state():
    return {p: p.stat().st_mtime_ns for p in (REPO / "release").rglob("*") if p.is_file()}


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if "_static" not in p.relative_to(out).parts)


def test_the_build_needs_no_network(built):
    out, _, offline, stdout = built
    if not offline:
        pytest.skip("cutting the network needs root and unshare (CI runs as root): the build ran with the network")
    assert "no solution and no hidden test (checked)" in stdout
    assert (out / "index.html").is_file()


def test_each_language_holds_the_modules_pages_and_the_guides(built):
    out, languages, _, _ = built
    if "ja" not in languages:
        pytest.skip(f"no release/ja/{MODULE} yet (course release {MODULE} --lang ja makes it): English only was built")
    for lang, folder in (("en", out), ("ja", out / "ja")):
        for page in (f"{MODULE}/{MODULE}-teaching.html", f"{MODULE}/{MODULE}-lab.html", "syllabus.html",
                     "glossary.html", "seminar.html", "index.html"):
            text = (folder / page).read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in text, page
    ja_index = (out / "ja" / "index.html").read_text(encoding="utf-8")
    assert "本コースのノートブックと資料です" in ja_index
    # the Japanese release's own words reach the Japanese page
    heading = next(line for line in (REPO / "release" / "ja" / MODULE / f"{MODULE}-teaching.ipynb").read_text(encoding="utf-8").splitlines()
                   if '"# ' in line)
    title = heading.split('"# ', 1)[1].split("\\n")[0]
    assert html.escape(title, quote=False) in (out / "ja" / MODULE / f"{MODULE}-teaching.html").read_text(encoding="utf-8")


def test_every_page_links_to_itself_in_the_other_language(built):
    out, languages, _, _ = built
    if len(languages) < 2:
        pytest.skip(f"one language built (no release/ja/{MODULE} yet): there is no other language to link to")
    for page in _pages(out):
        text = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="btn lang-switch" href="([^"]+)"', text)
        assert len(links) == 1, page
        target = (page.parent / links[0]).resolve()
        assert target.is_file(), f"{page.relative_to(out)} → {links[0]}"
        rel = page.relative_to(out)
        counterpart = out.joinpath(*rel.parts[1:]) if rel.parts[0] == "ja" else out / "ja" / rel
        if counterpart.is_file():  # else the other language's home page
            assert target == counterpart.resolve(), page


def test_links_resolve_within_the_site_and_nothing_loads_from_the_web(built):
    out, _, _, _ = built
    broken, external = [], []
    for page in _pages(out):
        text = page.read_text(encoding="utf-8")
        for attr, url in re.findall(r'\b(href|src)="([^"]*)"', text):
            parts = urlsplit(html.unescape(url))
            if parts.scheme in ("http", "https") or url.startswith("//"):
                # a link a reader may follow is fine (the seminar guide's readings); a resource the page loads is not
                if attr == "src" or re.search(rf'<link[^>]*href="{re.escape(url)}"', text):
                    external.append(f"{page.relative_to(out)}: {url}")
                continue
            if parts.scheme or not parts.path:
                continue  # mailto:, data:, javascript:, same-page anchors
            if not (page.parent / unquote(parts.path)).exists():
                broken.append(f"{page.relative_to(out)} → {url}")
    assert not broken, broken[:10]
    assert not external, external[:10]


def test_the_site_holds_no_solution_or_hidden_test(built):
    out, _, _, _ = built
    assert site.find_secrets(out, REPO) == []


def test_the_teaching_notebook_shows_its_figures_with_their_alt_text_and_the_lab_shows_no_answers(built):
    out, languages, _, _ = built
    for folder in [out] + ([out / "ja"] if "ja" in languages else []):
        teaching = (folder / MODULE / f"{MODULE}-teaching.html").read_text(encoding="utf-8")
        images = re.findall(r"<img\b[^>]*>", teaching)
        figures = [tag for tag in images if tag.startswith('<img src="data:image/png')]
        assert figures, "the teaching notebook ran: its figures are on the page"
        alts = [html.unescape(m) for tag in figures for m in re.findall(r'\balt="([^"]*)"', tag)]
        assert len(alts) == len(figures) and all(len(a) > 20 for a in alts), alts
        lab = (folder / MODULE / f"{MODULE}-lab.html").read_text(encoding="utf-8")
        assert 'class="cell_output' not in lab  # as released: not run
        assert "= ..." in html.unescape(re.sub(r"<[^>]*>", "", lab))  # the answer cells as students receive them

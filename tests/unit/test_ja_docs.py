"""docs/ja/SEMINAR.md and docs/ja/README.md keep step with the English they translate (issue 19).

The seminar guide: one `## ` section per English section, in the same order of modules, with as many
predict questions and the same web addresses. The README: the same module map (assignment ids and
times). Both: every relative link resolves, each pair links the other near its top, and every bold or
italic closes under CommonMark (a `**` right after Japanese punctuation and before a letter does not).
Each check is a function returning its problems, so the last tests can show that a broken copy fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

SEMINAR_EN = REPO / "docs" / "SEMINAR.md"
SEMINAR_JA = REPO / "docs" / "ja" / "SEMINAR.md"
README_EN = REPO / "README.md"
README_JA = REPO / "docs" / "ja" / "README.md"
JAPANESE_DOCS = (SEMINAR_JA, README_JA)

PREDICT = ("- **Predict:**", "- **予想**：")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the seminar guide


def sections(text: str) -> list[tuple[int | None, str]]:
    """Each `## ` section: its module number (None for a section of no module) and its body."""
    out = []
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = part.partition("\n")
        number = re.match(r"(?:Module|モジュール)\s*(\d+)", heading)
        out.append((int(number.group(1)) if number else None, body))
    return out


def predictions(body: str) -> int:
    """How many numbered questions follow the section's predict label (0 without one)."""
    label = next((lab for lab in PREDICT if lab in body), None)
    if label is None:
        return 0
    count = 0
    for line in body[body.index(label):].splitlines()[1:]:
        if line and not line.startswith("  "):
            break
        count += bool(re.match(r"  \d+\. ", line))
    return count


def seminar_problems(english: str, japanese: str) -> list[str]:
    en, ja = sections(english), sections(japanese)
    if [m for m, _ in en] != [m for m, _ in ja]:
        return [f"the sections' modules differ: English {[m for m, _ in en]}, Japanese {[m for m, _ in ja]}"]
    problems = []
    for (module, en_body), (_, ja_body) in zip(en, ja):
        name = f"module {module}" if module is not None else "the section of no module"
        if predictions(en_body) != predictions(ja_body):
            problems.append(f"{name}: {predictions(en_body)} predict questions in English, {predictions(ja_body)} in Japanese")
        en_urls, ja_urls = re.findall(r"<(https?://\S+?)>", en_body), re.findall(r"<(https?://\S+?)>", ja_body)
        if en_urls != ja_urls:
            problems.append(f"{name}: the readings' web addresses differ: English {en_urls}, Japanese {ja_urls}")
    return problems


def test_the_japanese_seminar_guide_has_the_english_sections_in_order():
    en, ja = sections(_read(SEMINAR_EN)), sections(_read(SEMINAR_JA))
    assert len(en) >= 8, "docs/SEMINAR.md should have a section per module"
    assert [m for m, _ in ja] == [m for m, _ in en], "docs/ja/SEMINAR.md: one `## ` section per English section, same order"


def test_the_japanese_seminar_guide_asks_the_same_predict_questions_and_reads_the_same_pages():
    assert seminar_problems(_read(SEMINAR_EN), _read(SEMINAR_JA)) == []


# ---------------------------------------------------------------- the README's module map


def minutes(cell: str) -> int:
    """A module map's time in minutes: "2 h 25", "8 h", "45 min" or "2 時間 25 分", "8 時間", "45 分"."""
    found = re.fullmatch(r"(?:(\d+) (?:h|時間))? ?(?:(\d+)(?: (?:min|分))?)?", cell.strip())
    if not found or not any(found.groups()):
        raise ValueError(f'not a time: "{cell}"')
    hours, rest = found.groups()
    return int(hours or 0) * 60 + int(rest or 0)


def module_map(text: str) -> list[tuple[int, str, int]]:
    """The module map's rows: (module, assignment id, minutes), in order."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| ") else []
        if len(cells) == 5 and cells[0].isdigit():
            aid = re.search(r"`(\d\d-[a-z0-9-]+)`", cells[1])
            rows.append((int(cells[0]), aid.group(1) if aid else cells[1], minutes(cells[3])))
    return rows


def test_the_japanese_readmes_module_map_gives_the_same_assignments_and_times():
    english = module_map(_read(README_EN))
    assert len(english) >= 8, "README.md's module map: no rows found"
    assert module_map(_read(README_JA)) == english, "docs/ja/README.md's module map differs from README.md's"


def test_a_time_reads_the_same_in_both_languages():
    assert minutes("2 h 25") == minutes("2 時間 25 分") == 145
    assert minutes("8 h") == minutes("8 時間") == 480
    assert minutes("45 min") == minutes("45 分") == 45
    with pytest.raises(ValueError):
        minutes("see `course list`")


# ---------------------------------------------------------------- links and emphasis


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading (ASCII headings; enough for the English pages linked)."""
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.strip().lower()))


def link_problems(text: str, here: Path) -> list[str]:
    """Relative links of ``text`` (a file in folder ``here``) that name no file, or no heading of a Markdown file."""
    problems = []
    for target in _LINK.findall(text):
        if _SCHEME.match(target) or target.startswith("#"):
            continue
        path, _, anchor = target.partition("#")
        file = (here / path).resolve()
        if not file.is_file() or REPO.resolve() not in file.parents:
            problems.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix == ".md" and anchor.isascii():
            headings = re.findall(r"^#+ (.+)$", _read(file), flags=re.M)
            if anchor not in {_slug(h) for h in headings}:
                problems.append(f"{target}: {path} has no heading #{anchor}")
    return problems


@pytest.mark.parametrize("doc", JAPANESE_DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(doc):
    assert link_problems(_read(doc), doc.parent) == []


@pytest.mark.parametrize("english, japanese", [(SEMINAR_EN, SEMINAR_JA), (README_EN, README_JA)],
                         ids=["seminar", "readme"])
def test_each_language_links_the_other_near_its_top(english, japanese):
    for doc, other in ((english, japanese), (japanese, english)):
        top = "\n".join(_read(doc).splitlines()[:5])
        assert other.resolve() in {(doc.parent / t.partition("#")[0]).resolve() for t in _LINK.findall(top)}, (
            f"{doc.relative_to(REPO)} should link {other.relative_to(REPO)} in its first lines")


def emphasis_problems(text: str) -> list[str]:
    """Text CommonMark leaves with a literal `*`: a bold or italic that did not open or close."""
    markdown_it = pytest.importorskip("markdown_it")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    stray, todo = [], list(tokens)
    while todo:
        token = todo.pop()
        if token.type == "text" and "*" in token.content:
            stray.append(token.content)
        todo.extend(token.children or [])
    return stray


@pytest.mark.parametrize("doc", JAPANESE_DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_bold_and_italic_closes(doc):
    assert emphasis_problems(_read(doc)) == []


# ---------------------------------------------------------------- the checks catch a broken copy


def test_a_missing_or_moved_section_or_question_is_caught():
    english, japanese = _read(SEMINAR_EN), _read(SEMINAR_JA)
    parts = re.split(r"(?=^## )", japanese, flags=re.M)
    assert seminar_problems(english, "".join(parts[:3] + parts[4:]))  # a section left out
    assert seminar_problems(english, "".join(parts[:2] + [parts[3], parts[2]] + parts[4:]))  # two swapped
    assert seminar_problems(english, re.sub(r"\n  2\. [^\n]*", "", japanese, count=1))  # a question left out
    assert seminar_problems(english, japanese.replace("<https://www.ria.ee/x-road>", "<https://example.org>"))


def test_a_module_map_with_another_time_or_assignment_is_caught():
    english, japanese = _read(README_EN), _read(README_JA)
    assert module_map(japanese.replace("| 2 時間 25 分 |", "| 2 時間 35 分 |")) != module_map(english)
    assert module_map(japanese.replace("[`02-ml-lab`]", "[`02-ml-labs`]")) != module_map(english)
    assert module_map(japanese.replace("| 3 | [`03-policy-design`]", "| 2 | [`03-policy-design`]")) != module_map(english)


def test_a_broken_link_or_an_unclosed_bold_is_caught():
    assert link_problems("[シラバス](SYLABUS.md)", README_JA.parent)
    assert link_problems("[English](../../README.md#for-instructor)", README_JA.parent)
    assert not link_problems("[English](../../README.md#for-instructors) <https://example.org>", README_JA.parent)
    assert emphasis_problems("- **ポイント：**次の問い")
    assert not emphasis_problems("- **ポイント**：次の問い")

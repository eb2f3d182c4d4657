"""A machine-made Japanese translation for tests that cannot wait for a translator's (or must not depend on one).

Every markdown cell and every sentence in a code cell's strings and comments gets the prefix
``【訳】`` ("translated"): enough to tell the languages apart and to exercise every path a real
translation takes, without touching a string the code uses as a value (a column name, a query).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from course.authoring import translate as tr

MARK = "【訳】"
_SENTENCE = re.compile(r"[A-Za-z]+ [A-Za-z']+ [A-Za-z]+")


def write(assignment_id: str, root: Path, lang: str = "ja") -> Path:
    """Write ``source/<id>.<lang>.yml`` under ``root``: every cell's text marked, placeholders and code kept."""
    data = yaml.safe_load(tr.skeleton(assignment_id, lang, root))
    for book in data["notebooks"].values():
        for entry in book["cells"].values():
            if "text" in entry:
                entry["text"] = MARK + entry["text"]
                continue
            kept = [{"en": p["en"], "text": MARK + p["en"]} for p in entry.get("strings", [])
                    if _SENTENCE.search(p["en"]) and not re.search(r"[=<>\[\]()]", p["en"])]
            entry["strings"] = kept  # none left: the cell stays as it is, and counts as translated
    target = tr.path(assignment_id, lang, root)
    target.write_text(yaml.dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def write_manifest(assignment_id: str, root: Path, lang: str = "ja") -> Path:
    """Write ``assignments/<id>.<lang>.yml``: the manifest's title, objectives, prerequisites and hints, marked."""
    from course import manifest as manifests

    m = manifests.load(assignment_id, root)
    data = {
        "title": MARK + m.title,
        "learning_objectives": [MARK + o for o in m.learning_objectives],
        "prerequisites": [p if manifests.ID_PATTERN.match(p) else MARK + p for p in m.prerequisites],
        "questions": {q.id: {"hints": [MARK + h for h in q.hints]} for q in m.questions if q.hints},
    }
    target = manifests.translation_path(assignment_id, lang, root)
    target.write_text(yaml.dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target

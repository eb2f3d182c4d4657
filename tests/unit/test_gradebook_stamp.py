"""A new gradebook is stamped with nbgrader's schema revision read in-process, the one `alembic heads` prints."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from course.grading import workspace

ALEMBIC = Path(sys.executable).with_name("alembic")


def _alembic_heads() -> str:
    """What nbgrader's own get_alembic_version runs: the alembic script of this environment, on nbgrader's template."""
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        out = subprocess.run([str(ALEMBIC), "-c", ini, "heads"], capture_output=True, text=True, check=True, timeout=300)
    return out.stdout.split("\n")[0].split(" ")[0]


def test_the_in_process_head_is_the_one_alembic_prints():
    assert workspace.schema_head() == _alembic_heads() != ""


def test_a_new_gradebook_carries_it_and_nbgrader_reopens_it_without_upgrading(tmp_path):
    db = tmp_path / "gradebook.db"
    with workspace.open_gradebook(f"sqlite:///{db}", "course101") as gb:
        gb.add_student("aiko")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(_alembic_heads(),)]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{db}", "course101") as gb:  # plain nbgrader reads what we wrote
        assert [s.id for s in gb.students] == ["aiko"]

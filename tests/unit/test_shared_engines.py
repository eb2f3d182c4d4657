"""nbgrader's Gradebooks share one database engine per URL inside shared_gradebook_engines()."""

import os
import sys
from pathlib import Path

import nbgrader.api as nbapi
import pytest
from nbgrader.api import Gradebook

from course.grading.workspace import shared_gradebook_engines


@pytest.fixture(autouse=True)
def alembic_on_path(monkeypatch):
    """nbgrader's Gradebook runs this environment's ``alembic`` script."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def test_gradebooks_share_an_engine_inside_the_block_and_not_outside(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    original = nbapi.create_engine
    with shared_gradebook_engines():
        with Gradebook(url) as first:
            first.add_student("ana")
            engine = first.engine
        with Gradebook(url) as second:
            assert second.engine is engine
            assert [s.id for s in second.students] == ["ana"]  # a closed Gradebook's engine still works
        with shared_gradebook_engines():  # nested: the same engines
            with Gradebook(url) as third:
                assert third.engine is engine
        with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as other:
            assert other.engine is not engine
    assert nbapi.create_engine is original
    with Gradebook(url) as a, Gradebook(url) as b:
        assert a.engine is not b.engine


def test_queries_are_compiled_once_per_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with shared_gradebook_engines():
        with Gradebook(url) as gb:
            gb.add_student("ana")
            gb.find_student("ana")
            cached = len(gb.engine._compiled_cache)
        for _ in range(3):
            with Gradebook(url) as gb:
                gb.find_student("ana")
                assert len(gb.engine._compiled_cache) == cached

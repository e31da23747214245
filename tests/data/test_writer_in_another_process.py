"""A project's table file held by another process (a worker loading tables): readers wait briefly,
then get a clear 'being updated' error, and a chat's table lookup falls back to text, never a crash."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pam.data.catalog import DataCatalog
from pam.data.table_answer import TableAnswerer
from pam.errors import Unavailable

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN")
print("holding", flush=True)
sys.stdin.readline()
"""


@contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        yield
    finally:
        process.communicate("done\n", timeout=30)


@pytest.fixture
def catalog(tmp_path: Path) -> tuple[DataCatalog, uuid.UUID]:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    catalog.replace_document(project, "d1", "targets.csv", b"metric,target\nchurn,0.05\nnps,42\n")
    return catalog, project


def test_a_query_while_another_process_writes_is_unavailable_not_a_crash(
    catalog: tuple[DataCatalog, uuid.UUID],
) -> None:
    tables, project = catalog
    with held_by_another_process(tables.path_of(project)), pytest.raises(Unavailable, match="being updated"):
        tables.query("SELECT target FROM targets", [project])
    # Released: the same query answers.
    assert tables.query("SELECT target FROM targets WHERE metric = 'nps'", [project]).rows == ((42.0,),)


async def test_a_table_lookup_while_another_process_writes_falls_back_to_text(
    catalog: tuple[DataCatalog, uuid.UUID],
) -> None:
    tables, project = catalog
    answerer = TableAnswerer(tables, [project])
    assert await answerer.answer("What is the nps target?") is not None
    with held_by_another_process(tables.path_of(project)):
        assert await answerer.answer("What is the nps target?") is None

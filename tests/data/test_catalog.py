"""The catalog follows its documents: load, replace on re-ingest, drop on delete; file formats."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from pam.data.catalog import DataCatalog
from pam.data.sync import sync_document_tables
from pam.errors import ParseError
from tests.data.conftest import Loaded


def test_the_registry_describes_each_table(loaded: Loaded) -> None:
    tables = {v.name: v.table for v in loaded.catalog.visible_tables([loaded.project_a])}
    assert set(tables) == {
        "kpi_targets", "events", "metric_registry", "tracking_plan_event_name",
        "tracking_plan_common_properties", "changelog",
    }  # fmt: skip
    kpi = tables["kpi_targets"]
    assert (
        kpi.row_count == 36
        and kpi.source_name == "kpi_targets.csv"
        and kpi.document_id == "doc:data/kpi_targets.csv"
    )
    assert [(c.name, c.type) for c in kpi.columns] == [
        ("metric", "VARCHAR"), ("quarter", "VARCHAR"), ("target", "DOUBLE"), ("owner", "VARCHAR"), ("unit", "VARCHAR")
    ]  # fmt: skip
    assert kpi.columns[1].samples == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    events = tables["events"]
    assert events.row_count == 6566
    assert dict((c.name, c.type) for c in events.columns)["event_time"] == "TIMESTAMP"


async def test_reingest_replaces_and_delete_drops(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    await sync_document_tables(catalog, project, "d1", "sales.csv", b"region,amount\nEU,1\nUS,2\n")
    assert catalog.query("SELECT sum(amount) FROM sales", [project]).rows == ((3,),)
    await sync_document_tables(catalog, project, "d1", "sales.csv", b"region,amount\nEU,10\n")
    assert catalog.query("SELECT sum(amount) FROM sales", [project]).rows == ((10,),)
    assert [v.name for v in catalog.visible_tables([project])] == ["sales"]
    await sync_document_tables(catalog, project, "d1", "sales.csv", None)
    assert catalog.visible_tables([project]) == []


async def test_sync_ignores_other_files_and_survives_broken_ones(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    assert await sync_document_tables(catalog, project, "d1", "notes.md", b"# hello") == []
    assert await sync_document_tables(catalog, project, "d2", "broken.parquet", b"PAR1 not really") == []
    assert await sync_document_tables(catalog, project, "d3", "broken.xlsx", b"PK\x03\x04 junk") == []
    assert catalog.visible_tables([project]) == []


def test_a_broken_new_version_leaves_no_stale_table(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    catalog.replace_document(project, "d1", "m.parquet", _parquet(tmp_path))
    assert [v.name for v in catalog.visible_tables([project])] == ["m"]
    with pytest.raises(ParseError):
        catalog.replace_document(project, "d1", "m.parquet", b"PAR1 garbage")
    assert catalog.visible_tables([project]) == []


def test_same_names_in_two_files_and_two_projects_stay_apart(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    p1, p2 = uuid.UUID(int=1), uuid.UUID(int=2)
    catalog.replace_document(p1, "a", "x/sales.csv", b"a\n1\n")
    catalog.replace_document(p1, "b", "y/sales.tsv", b"a\tb\n2\t3\n")
    catalog.replace_document(p2, "c", "sales.csv", b"a\n5\n")
    assert [v.name for v in catalog.visible_tables([p1])] == ["sales", "sales_2"]
    both = sorted(v.name for v in catalog.visible_tables([p1, p2]))
    assert both == ["p00000001_sales", "p00000002_sales", "sales_2"]
    assert catalog.query("SELECT a FROM sales_2", [p1, p2]).rows == ((2,),)
    assert catalog.query("SELECT a FROM p00000002_sales", [p1, p2]).rows == ((5,),)


def test_json_lines_and_latin1_csv_load(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path / "tables")
    project = uuid.uuid4()
    catalog.replace_document(project, "j", "log.jsonl", b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n')
    rows = "".join(f"K\xf6ln,{n},Stra\xdfe f\xfcr Gr\xfc\xdfe und M\xe4rkte\n" for n in range(20))
    catalog.replace_document(project, "c", "cities.csv", f"city,pop,note\n{rows}".encode("latin-1"))
    assert catalog.query("SELECT sum(a) FROM log", [project]).rows == ((3,),)
    assert catalog.query("SELECT DISTINCT city FROM cities", [project]).rows == (("Köln",),)


def _parquet(tmp_path: Path) -> bytes:
    import duckdb

    path = tmp_path / "m.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS x) TO '{path}' (FORMAT parquet)")
    con.close()
    return path.read_bytes()

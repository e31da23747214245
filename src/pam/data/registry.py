"""The table registry kept inside each project's DuckDB file, and the names a caller's SQL uses."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence

import duckdb

from pam.data.models import ColumnInfo, TableInfo, VisibleTable

REGISTRY = "_pam_tables"
REGISTRY_DDL = f"""
CREATE TABLE IF NOT EXISTS {REGISTRY} (
    name VARCHAR PRIMARY KEY, document_id VARCHAR NOT NULL, source_name VARCHAR NOT NULL,
    origin VARCHAR NOT NULL, row_count BIGINT NOT NULL, columns VARCHAR NOT NULL,
    loaded_at TIMESTAMP DEFAULT current_timestamp
)"""


def read_registry(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[TableInfo]:
    """The registered tables of ``database`` (an attached alias) or of the connection's own file."""
    prefix = f"{database}.main." if database else ""
    try:
        rows = con.execute(
            f"SELECT name, document_id, source_name, origin, row_count, columns FROM {prefix}{REGISTRY} "
            "ORDER BY name"
        ).fetchall()
    except duckdb.CatalogException:
        return []  # a file created but never written to
    return [_table_info(row) for row in rows]


def visible_names(found: Sequence[tuple[uuid.UUID, TableInfo]]) -> list[VisibleTable]:
    """A table's own name, or ``p<last hex digits of the project id>_<name>`` when two projects share
    the name (8 digits, more only if two of the projects' ids end alike)."""
    counts = Counter(table.name for _, table in found)
    projects = {pid for pid, _ in found}
    width = next((n for n in (8, 12, 16) if len({p.hex[-n:] for p in projects}) == len(projects)), 32)
    return [
        VisibleTable(
            table.name if counts[table.name] == 1 else f"p{pid.hex[-width:]}_{table.name}", pid, table
        )
        for pid, table in found
    ]


def columns_json(columns: Sequence[ColumnInfo]) -> str:
    return json.dumps([{"name": c.name, "type": c.type, "samples": list(c.samples)} for c in columns])


def _table_info(row: tuple[object, ...]) -> TableInfo:
    name, document_id, source_name, origin, row_count, columns = row
    parsed = json.loads(str(columns))
    return TableInfo(
        name=str(name),
        document_id=str(document_id),
        source_name=str(source_name),
        origin=str(origin),
        row_count=int(str(row_count)),
        columns=tuple(ColumnInfo(str(c["name"]), str(c["type"]), tuple(c["samples"])) for c in parsed),
    )

"""Agent tools over the caller's tables: ``list_tables(project?)`` and ``query_data(sql)``.

Both are bound to the project ids the caller may read when they are built; nothing the model writes
can widen that. A query's result is registered as a citable source (its ``quote`` is the SQL, its
``uri`` ``table://<name>``), so an answer built on it cites the table and shows the query.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from pam.answer.sources import Passage
from pam.answer.tools import Tool, ToolContext
from pam.data.catalog import DataCatalog
from pam.data.models import QueryResult, VisibleTable
from pam.data.render import render_rows

MAX_LISTED_TABLES = 40
MAX_LISTED_COLUMNS = 40
MAX_SHOWN_ROWS = 100


class ListTablesInput(BaseModel):
    project: str | None = Field(default=None, max_length=200, description="a project name or id (optional)")


class QueryDataInput(BaseModel):
    sql: str = Field(min_length=1, max_length=20_000, description="one DuckDB SELECT over the listed tables")


def data_tools(
    catalog: DataCatalog,
    project_ids: Sequence[uuid.UUID],
    project_names: Mapping[uuid.UUID, str] | None = None,
) -> list[Tool[Any]]:
    """``list_tables`` and ``query_data`` for a caller who may read ``project_ids``."""
    readable = tuple(sorted(set(project_ids)))
    names = dict(project_names or {})

    async def list_tables(args: ListTablesInput, ctx: ToolContext) -> str:
        scope = _narrow(readable, names, args.project)
        tables = await asyncio.to_thread(catalog.visible_tables, scope)
        return render_table_list(tables, names)

    async def query_data(args: QueryDataInput, ctx: ToolContext) -> str:
        scope = _narrow(readable, names, ctx.filters.project)
        result = await asyncio.to_thread(catalog.query, args.sql, scope)
        if not result.tables:
            return render_result(result, None)
        # The rows are evidence too: the grounding check compares cited claims with what was shown.
        shown = render_result(result, None)
        return render_result(result, ctx.sources.add(query_passage(result), evidence=shown))

    return [
        Tool(
            name="list_tables",
            description=(
                "List the data tables (from CSV, XLSX, Parquet and JSON files) you can query: names, "
                "row counts, columns with types and sample values."
            ),
            input_model=ListTablesInput,
            handler=list_tables,
            describe=lambda a: "Listing data tables",
        ),
        Tool(
            name="query_data",
            description=(
                "Run one read-only DuckDB SELECT over the tables from list_tables and get columns and "
                "rows back. Use it for counts, sums, averages and lookups over whole tables; cite the "
                "result with its [n]."
            ),
            input_model=QueryDataInput,
            handler=query_data,
            describe=lambda a: "Querying data tables",
        ),
    ]


def query_passage(result: QueryResult) -> Passage:
    """A query as a citable source: titled by its first table, quoting the SQL."""
    first = result.tables[0]
    digest = hashlib.sha256(result.sql.encode()).hexdigest()[:16]
    return Passage(
        segment_id=f"sql:{first.project_id}:{digest}",
        document_id=first.table.document_id,
        title=f"Table {first.name}",
        uri=f"table://{first.name}",
        section_path=", ".join(t.name for t in result.tables),
        page=None,
        content=result.sql,
        score=1.0,
        project_id=str(first.project_id),
    )


def render_table_list(tables: Sequence[VisibleTable], names: Mapping[uuid.UUID, str]) -> str:
    if not tables:
        return "No data tables are available."
    lines = []
    for v in tables[:MAX_LISTED_TABLES]:
        project = names.get(v.project_id, str(v.project_id))
        lines.append(f"{v.name} ({v.table.row_count} rows; from {v.table.source_name}; project {project})")
        for column in v.table.columns[:MAX_LISTED_COLUMNS]:
            samples = ", ".join(column.samples[:3])
            lines.append(f"  - {column.name} {column.type}" + (f" e.g. {samples}" if samples else ""))
        if len(v.table.columns) > MAX_LISTED_COLUMNS:
            lines.append(f"  - ... {len(v.table.columns) - MAX_LISTED_COLUMNS} more columns")
    if len(tables) > MAX_LISTED_TABLES:
        lines.append(f"... {len(tables) - MAX_LISTED_TABLES} more tables (narrow by project)")
    return "\n".join(lines)


def render_result(result: QueryResult, number: int | None) -> str:
    head = f"[{number}] " if number is not None else ""
    lines = [
        f"{head}SQL: {result.sql}",
        f"{result.row_count} rows" + (" (truncated)" if result.truncated else ""),
    ]
    lines.append(render_rows(result.columns, result.rows[:MAX_SHOWN_ROWS]))
    if result.row_count > MAX_SHOWN_ROWS:
        lines.append(f"... {result.row_count - MAX_SHOWN_ROWS} more rows not shown")
    return "\n".join(lines)


def _narrow(
    readable: tuple[uuid.UUID, ...], names: Mapping[uuid.UUID, str], wanted: str | None
) -> list[uuid.UUID]:
    if not wanted:
        return list(readable)
    return [pid for pid in readable if wanted in (str(pid), names.get(pid))]

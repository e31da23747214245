"""Agent tools over the caller's tables: ``list_tables(project?)`` and ``query_data(sql)``.

They sit beside the knowledge tools and, like them, only see a caller-bound ``TableTools``
(implemented by the services layer): nothing the model writes can widen its projects. A query's
result is registered as a citable source (its ``quote`` is the SQL, its ``uri`` ``table://<name>``),
so an answer built on it cites the table and shows the query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pam.answer.sources import Passage, TableRows, TableSummary, TableTools, ToolFilters
from pam.answer.tools import Tool, ToolContext, ToolDefinition
from pam.formats.result_text import render_rows

MAX_LISTED_TABLES = 40
MAX_LISTED_COLUMNS = 40
MAX_SHOWN_ROWS = 100


class ListTablesInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project: str | None = Field(default=None, max_length=200, description="a project name or id (optional)")


class QueryDataInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=20_000, description="one DuckDB SELECT over the listed tables")
    project: str | None = Field(
        default=None, max_length=200, description="a project name or id to narrow to (optional)"
    )


LIST_TABLES = ToolDefinition(
    name="list_tables",
    description=(
        "List the data tables (from CSV, XLSX, Parquet and JSON files) you can query: names, "
        "row counts, columns with types and sample values."
    ),
    input_model=ListTablesInput,
)
QUERY_DATA = ToolDefinition(
    name="query_data",
    description=(
        "Run one read-only DuckDB SELECT over the tables from list_tables and get columns and "
        "rows back. Use it for counts, sums, averages and lookups over whole tables; cite the "
        "result."
    ),
    input_model=QueryDataInput,
)


async def run_query(args: QueryDataInput, tables: TableTools, filters: ToolFilters) -> TableRows:
    """``query_data``: within the user's project when they chose one, else the one asked for."""
    return await tables.query(args.sql, filters.project or args.project)


def table_tools(tables: TableTools) -> list[Tool[Any]]:
    """``list_tables`` and ``query_data`` over one caller's ``tables``, rendered for the agent's model."""

    async def list_tables(args: ListTablesInput, ctx: ToolContext) -> str:
        return render_table_list(await tables.list_tables(args.project))

    async def query_data(args: QueryDataInput, ctx: ToolContext) -> str:
        result = await run_query(args, tables, ctx.filters)
        if not result.tables:
            return render_result(result, None)
        # The rows are evidence too: the grounding check compares cited claims with what was shown.
        shown = render_result(result, None)
        return render_result(result, ctx.sources.add(query_passage(result), evidence=shown))

    return [
        Tool(LIST_TABLES, list_tables, describe=lambda a: "Listing data tables"),
        Tool(QUERY_DATA, query_data, describe=lambda a: "Querying data tables"),
    ]


def table_passage(table: TableSummary, sql: str, *, section_path: str | None = None) -> Passage:
    """A query over ``table`` as a citable source: titled by the table, quoting the SQL."""
    digest = hashlib.sha256(sql.encode()).hexdigest()[:16]
    return Passage(
        segment_id=f"sql:{table.project_id}:{digest}",
        document_id=table.document_id,
        title=f"Table {table.name}",
        uri=f"table://{table.name}",
        section_path=section_path if section_path is not None else table.name,
        page=None,
        content=sql,
        score=1.0,
        project_id=table.project_id,
    )


def query_passage(result: TableRows) -> Passage:
    return table_passage(result.tables[0], result.sql, section_path=", ".join(t.name for t in result.tables))


def render_table_list(tables: Sequence[TableSummary]) -> str:
    if not tables:
        return "No data tables are available."
    lines = []
    for t in tables[:MAX_LISTED_TABLES]:
        lines.append(f"{t.name} ({t.row_count} rows; from {t.source_name}; project {t.project})")
        for column in t.columns[:MAX_LISTED_COLUMNS]:
            samples = ", ".join(column.samples[:3])
            lines.append(f"  - {column.name} {column.type}" + (f" e.g. {samples}" if samples else ""))
        if len(t.columns) > MAX_LISTED_COLUMNS:
            lines.append(f"  - ... {len(t.columns) - MAX_LISTED_COLUMNS} more columns")
    if len(tables) > MAX_LISTED_TABLES:
        lines.append(f"... {len(tables) - MAX_LISTED_TABLES} more tables (narrow by project)")
    return "\n".join(lines)


def render_result(result: TableRows, number: int | None) -> str:
    head = f"[{number}] " if number is not None else ""
    lines = [
        f"{head}SQL: {result.sql}",
        f"{len(result.rows)} rows" + (" (truncated)" if result.truncated else ""),
    ]
    lines.append(render_rows(result.columns, result.rows[:MAX_SHOWN_ROWS]))
    if len(result.rows) > MAX_SHOWN_ROWS:
        lines.append(f"... {len(result.rows) - MAX_SHOWN_ROWS} more rows not shown")
    return "\n".join(lines)

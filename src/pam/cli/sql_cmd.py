"""`pam sql "SELECT ..."`: a read-only query over the data tables, from the shell."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pam.answer.sources import TableRows
from pam.cli.output import print_json, stderr, stdout
from pam.cli.store_runtime import run_with_store
from pam.formats.result_text import format_value
from pam.services.store_runtime import StoreServices


def sql(
    query: Annotated[str, typer.Argument(help="One SELECT statement (DuckDB SQL).")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project (name or id).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Query the tables loaded from CSV, XLSX, Parquet and JSON files (read-only)."""

    async def body(store: StoreServices) -> TableRows:
        return await store.tables.query(await store.local_scope(), query, project)

    result = run_with_store(body)
    if json_out:
        print_json(
            {
                "sql": result.sql,
                "columns": list(result.columns),
                "rows": [list(r) for r in result.rows],
                "row_count": len(result.rows),
                "truncated": result.truncated,
                "elapsed_ms": result.elapsed_ms,
            }
        )
        return
    table = Table(*result.columns, title=f"{len(result.rows)} rows in {result.elapsed_ms:.0f} ms")
    for row in result.rows:
        table.add_row(*(format_value(v) for v in row))
    stdout().print(table)
    if result.truncated:
        stderr().print("[yellow]more rows matched; only the first ones are shown[/]")

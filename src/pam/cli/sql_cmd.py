"""`pam sql "SELECT ..."`: a read-only query over the data tables, from the shell."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from pam.access import LOCAL_ADMIN
from pam.cli.output import fail, print_json, stderr, stdout
from pam.data.catalog import DataCatalog
from pam.data.models import QueryResult
from pam.data.render import format_value
from pam.data.scope import readable_projects
from pam.errors import PamError
from pam.settings import Settings
from pam.store.db import create_engine, create_session_factory


def sql(
    query: Annotated[str, typer.Argument(help="One SELECT statement (DuckDB SQL).")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Only this project (name or id).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Query the tables loaded from CSV, XLSX, Parquet and JSON files (read-only)."""
    settings = Settings()
    try:
        result = asyncio.run(_run(settings, query, project))
    except PamError as exc:
        fail(exc.message)
    if json_out:
        print_json(
            {
                "sql": result.sql,
                "columns": list(result.columns),
                "rows": [list(r) for r in result.rows],
                "row_count": result.row_count,
                "truncated": result.truncated,
                "elapsed_ms": result.elapsed_ms,
            }
        )
        return
    table = Table(*result.columns, title=f"{result.row_count} rows in {result.elapsed_ms:.0f} ms")
    for row in result.rows:
        table.add_row(*(format_value(v) for v in row))
    stdout().print(table)
    if result.truncated:
        stderr().print("[yellow]more rows matched; only the first ones are shown[/]")


async def _run(settings: Settings, query: str, project: str | None) -> QueryResult:
    engine = create_engine(settings.resolved_database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session:
            projects = await readable_projects(session, LOCAL_ADMIN, project)
    finally:
        await engine.dispose()
    if project and not projects:
        fail(f"no project named {project!r}")
    catalog = DataCatalog.in_data_dir(settings.data_dir)
    return await asyncio.to_thread(catalog.query, query, list(projects))

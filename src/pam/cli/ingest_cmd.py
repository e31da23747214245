"""`pam ingest PATH`: ingest a folder with a live progress bar, then a summary (or one JSON object)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from pam.access import LOCAL_ADMIN, AccessScope
from pam.cli.output import print_json, stderr, stdout
from pam.cli.runtime import run_with_services
from pam.ingest.progress import COUNTERS
from pam.services.container import Services


def ingest(
    path: Annotated[str, typer.Argument(help="A folder under PAM_INGEST_ROOTS.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Project name (default project if omitted).")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="Glob of files to include (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Glob of files to skip (repeatable).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object at the end.")] = False,
) -> None:
    """Ingest (sync) a folder: new and changed files are indexed, vanished ones removed. Exit 1 if any file failed."""
    summary = run_with_services(
        lambda services: _ingest(services, path, project, include or [], exclude or [], json_out)
    )
    if summary["failed"] or summary["status"] != "completed":
        raise typer.Exit(1)


async def _ingest(
    services: Services, path: str, project: str | None, include: list[str], exclude: list[str], json_out: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    scope = await services.auth.scope_of(LOCAL_ADMIN)
    task = await services.ingestion.start_folder(scope, project, path, include=include, exclude=exclude)
    if json_out:
        await services.ingestion.wait(task.id)
    else:
        await show_progress(services, scope, task.id)
    await services.sync_index()
    summary = await task_summary(services, scope, task.id, time.perf_counter() - started)
    if json_out:
        print_json(summary)
    else:
        print_summary(summary)
    return summary


async def show_progress(services: Services, scope: AccessScope, task_id: uuid.UUID) -> None:
    columns = (
        TextColumn("[bold]ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    waiter = asyncio.create_task(services.ingestion.wait(task_id))
    with Progress(*columns, console=stderr(), transient=False) as bar:
        line = bar.add_task("ingest", total=None, rate="")
        while True:
            task = (await services.ingestion.report(scope, task_id, items_limit=0)).task
            elapsed = time.monotonic() - bar.tasks[0].start_time if bar.tasks[0].start_time else 0
            rate = f"{task.processed / elapsed:.1f} files/s" if elapsed > 0 and task.processed else ""
            bar.update(line, total=task.total or None, completed=task.processed, rate=rate)
            if waiter.done():
                break
            await asyncio.sleep(0.3)
    await waiter


async def task_summary(
    services: Services, scope: AccessScope, task_id: uuid.UUID, elapsed: float
) -> dict[str, Any]:
    report = await services.ingestion.report(scope, task_id, items_limit=0, errors_limit=10_000)
    task, failed = report.task, report.errors
    return {
        "task_id": str(task.id),
        "status": task.status,
        **{name: getattr(task, name) for name in COUNTERS if name != "processed"},
        "elapsed_s": round(elapsed, 2),
        "error": task.error,
        "errors": [{"path": i.path, "code": i.error_code, "message": i.error} for i in failed],
    }


def print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"Ingestion {summary['status']} in {summary['elapsed_s']} s")
    shown = [name for name in COUNTERS if name != "processed"]
    for name in shown:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(summary[name]) for name in shown))
    stdout().print(table)
    if summary.get("error"):
        stdout().print(f"[bold red]{escape(summary['error'])}[/]")
    if summary["errors"]:
        errors = Table("file", "reason", "message", title="Files that could not be ingested")
        for err in summary["errors"]:
            errors.add_row(err["path"], err["code"] or "", err["message"] or "")
        stdout().print(errors)

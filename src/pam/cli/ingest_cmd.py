"""`pam ingest PATH`: ingest a folder with a live progress bar, then a summary (or one JSON object).

The exit code is 1 when a file failed (PAM tried to read it and could not) or the task did not
complete. Files PAM does not read (images, binaries, unknown types, empty files) are listed as
skipped with the reason and leave the exit code at 0, unless `--strict` is given.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from pam.access import LOCAL_ADMIN, AccessScope
from pam.cli.output import fail, print_json, stderr, stdout
from pam.cli.runtime import run_with_services
from pam.ingest.progress import COUNTERS
from pam.ingest.roots import FolderNotFound, OutsideRoots
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
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Exit 1 also when a file was skipped as a type PAM does not read."),
    ] = False,
) -> None:
    """Ingest (sync) a folder: new and changed files are indexed, vanished ones removed.

    Exit 1 if a file failed; files of types PAM does not read are skipped (listed with the reason).
    """
    folder = absolute_folder(path)
    summary = run_with_services(
        lambda services: _ingest(services, folder, project, include or [], exclude or [], json_out)
    )
    if summary["failed"] or summary["status"] != "completed" or (strict and summary["skips"]):
        raise typer.Exit(1)


def absolute_folder(path: str) -> str:
    """A relative path is relative to the shell's working directory, as in any command."""
    return os.path.abspath(Path(path).expanduser()) if path and "\x00" not in path else path


async def _ingest(
    services: Services, path: str, project: str | None, include: list[str], exclude: list[str], json_out: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    scope = await services.auth.scope_of(LOCAL_ADMIN)
    try:
        task = await services.ingestion.start_folder(scope, project, path, include=include, exclude=exclude)
    except (FolderNotFound, OutsideRoots) as exc:
        fail(exc.local_message)  # the operator is on this machine: name the absolute paths
    if json_out:
        await services.ingestion.wait(task.id)
    else:
        await _show_progress(services, scope, task.id)
    await services.sync_index()
    summary = await _summary(services, scope, task.id, time.perf_counter() - started)
    if json_out:
        print_json(summary)
    else:
        _print_summary(summary)
    return summary


async def _show_progress(services: Services, scope: AccessScope, task_id: uuid.UUID) -> None:
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


async def _summary(
    services: Services, scope: AccessScope, task_id: uuid.UUID, elapsed: float
) -> dict[str, Any]:
    report = await services.ingestion.report(scope, task_id, items_limit=0, errors_limit=10_000)
    task = report.task
    return {
        "task_id": str(task.id),
        "status": task.status,
        **{name: getattr(task, name) for name in COUNTERS if name != "processed"},
        "elapsed_s": round(elapsed, 2),
        "errors": [_reported(i) for i in report.errors],
        "skips": [_reported(i) for i in report.skips],
    }


class _ReportedItem(Protocol):
    path: str
    error_code: str | None
    error: str | None


def _reported(item: _ReportedItem) -> dict[str, str | None]:
    return {"path": item.path, "code": item.error_code, "message": item.error}


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=f"Ingestion {summary['status']} in {summary['elapsed_s']} s")
    shown = [name for name in COUNTERS if name != "processed"]
    for name in shown:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(summary[name]) for name in shown))
    stdout().print(table)
    _print_files(summary["skips"], "Files not read, skipped (--strict makes these errors)")
    _print_files(summary["errors"], "Files that could not be ingested")


def _print_files(files: list[dict[str, str | None]], title: str, shown: int = 50) -> None:
    if not files:
        return
    table = Table("file", "reason", "message", title=f"{title}: {len(files)}")
    for entry in files[:shown]:
        # Text, not markup: a file name may hold "[...]".
        table.add_row(Text(entry["path"] or ""), Text(entry["code"] or ""), Text(entry["message"] or ""))
    if len(files) > shown:
        table.add_row(Text(f"... and {len(files) - shown} more (--json lists every file)"), "", "")
    stdout().print(table)

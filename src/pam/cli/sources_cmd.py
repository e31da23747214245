"""`pam sources list|show|sync|pause|resume|schedule|remove|rotate-key` (and `add`, in sources_add_cmd)."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pam.cli.ingest_cmd import print_summary, show_progress, task_summary
from pam.cli.output import print_json, stdout
from pam.cli.source_common import Json, Project, as_dict, scoped, stored
from pam.cli.sources_add_cmd import add_app
from pam.cli.store_runtime import run_with_store
from pam.services.container import Services
from pam.services.sources import SourceService, SourceView

app = typer.Typer(
    help="Sources: Git repositories, GitHub, Google Drive, websites and folders.", no_args_is_help=True
)
app.add_typer(add_app, name="add")


@app.command("list")
def list_(project: Project = None, json_out: Json = False) -> None:
    """Every source, with its last sync."""
    views: list[SourceView] = stored(lambda sources, scope: sources.list(scope, project))
    if json_out:
        print_json([as_dict(v) for v in views])
        return
    table = Table(
        "name",
        "type",
        "project",
        "documents",
        "schedule",
        "last sync",
        "status",
        title=f"{len(views)} sources",
    )
    for v in views:
        s = v.source
        when = s.last_sync_at.strftime("%Y-%m-%d %H:%M") if s.last_sync_at else "never"
        status = "paused" if s.paused else (s.last_sync_status or "")
        table.add_row(s.name, s.type, v.project, str(v.documents), s.schedule or "", when, status)
    stdout().print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Name or id.")], project: Project = None, json_out: Json = False
) -> None:
    """One source: its settings (never its credentials), schedule and last sync."""
    view: SourceView = stored(lambda sources, scope: sources.find(scope, name, project))
    shown = as_dict(view)
    if json_out:
        print_json(shown)
        return
    for key, value in shown.items():
        stdout().print(f"[bold]{key}[/]: {escape(json.dumps(value, default=str))}", highlight=False)


@app.command("sync")
def sync(
    name: Annotated[str, typer.Argument(help="Name or id.")],
    project: Project = None,
    full: Annotated[bool, typer.Option("--full", help="List everything, not only what changed.")] = False,
    json_out: Json = False,
) -> None:
    """Sync a source now (waits for it). Prints what `pam ingest` prints; exit 1 if anything failed."""

    async def body(services: Services, scope: Any) -> dict[str, Any]:
        started = time.perf_counter()
        view = await services.sources.find(scope, name, project)
        task = await services.sources.sync(scope, view.source.id, full=full)
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

    summary = scoped(body)
    if summary["failed"] or summary["status"] != "completed":
        raise typer.Exit(1)


def _set(name: str, project: str | None, changes: dict[str, Any], done: str) -> None:
    async def body(sources: SourceService, scope: Any) -> SourceView:
        view = await sources.find(scope, name, project)
        return await sources.update(scope, view.source.id, changes)

    view: SourceView = stored(body)
    stdout().print(f"{done} [bold]{escape(view.source.name)}[/]", highlight=False)


@app.command("pause")
def pause(name: Annotated[str, typer.Argument(help="Name or id.")], project: Project = None) -> None:
    """Stop scheduled syncs (a sync can still be started by hand)."""
    _set(name, project, {"paused": True}, "paused")


@app.command("resume")
def resume(name: Annotated[str, typer.Argument(help="Name or id.")], project: Project = None) -> None:
    """Start scheduled syncs again."""
    _set(name, project, {"paused": False}, "resumed")


@app.command("schedule")
def schedule(
    name: Annotated[str, typer.Argument(help="Name or id.")],
    expression: Annotated[str, typer.Argument(help="'every 2h', a cron expression, or 'none'.")],
    project: Project = None,
) -> None:
    """Set or clear a source's schedule."""
    _set(name, project, {"schedule": None if expression.lower() == "none" else expression}, "scheduled")


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="Name or id.")],
    project: Project = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove a source and every document from it (they leave search)."""
    if not yes and not typer.confirm(f"Remove the source {name} and all its documents?"):
        raise typer.Exit(1)

    async def body(services: Services, scope: Any) -> str:
        view = await services.sources.find(scope, name, project)
        await services.sources.delete(scope, view.source.id)
        return view.source.name

    removed = scoped(body)
    stdout().print(f"removed [bold]{escape(removed)}[/]", highlight=False)


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored credential with the first key of PAM_CREDENTIALS_KEY (see docs/deploy.md)."""
    count = run_with_store(lambda store: store.sources.rotate_credentials())
    stdout().print(f"re-encrypted the credentials of {count} sources")

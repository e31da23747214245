"""`pam sources add|list|show|sync|pause|resume|remove|rotate-key`: registered sources from the shell.

Credentials are never arguments (they would show in the process list and the shell history): they
come from an environment variable, standard input or a file. A Git URL with a password or token in
it is taken apart: the URL is stored without it, the secret as the source's credentials.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.markup import escape
from rich.table import Table

from pam.access import LOCAL_ADMIN
from pam.cli.ingest_cmd import print_summary, show_progress, task_summary
from pam.cli.output import fail, print_json, stderr, stdout
from pam.cli.runtime import run_with_services
from pam.cli.store_runtime import run_with_store
from pam.services.container import Services
from pam.services.sources import SourceService, SourceSpec, SourceView
from pam.services.store_runtime import StoreServices

app = typer.Typer(
    help="Sources: Git repositories, GitHub, Google Drive, websites and folders.", no_args_is_help=True
)
add_app = typer.Typer(help="Register a source (then `pam sources sync NAME`).", no_args_is_help=True)
app.add_typer(add_app, name="add")

Name = Annotated[str, typer.Option("--name", "-n", help="A name unique in the project.")]
Project = Annotated[str | None, typer.Option("--project", "-p", help="Project (default project if omitted).")]
Schedule = Annotated[
    str | None, typer.Option("--schedule", help="'every 2h', 'every 30m' or a cron expression (UTC).")
]
Include = Annotated[
    list[str] | None, typer.Option("--include", help="Glob of files to include (repeatable).")
]
Exclude = Annotated[list[str] | None, typer.Option("--exclude", help="Glob of files to skip (repeatable).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SecretEnv = Annotated[
    str | None, typer.Option("--token-env", help="Name of an environment variable holding the token.")
]
SecretStdin = Annotated[bool, typer.Option("--token-stdin", help="Read the token from standard input.")]


def _scoped(body: Callable[[Services, Any], Awaitable[Any]]) -> Any:
    """With the whole `Services` (model, index, task runner): syncing and removing."""

    async def run(services: Services) -> Any:
        return await body(services, await services.auth.scope_of(LOCAL_ADMIN))

    return run_with_services(run)


def _stored(body: Callable[[SourceService, Any], Awaitable[Any]]) -> Any:
    """With the database only (starts in a blink): registering, listing, showing, changing."""

    async def run(store: StoreServices) -> Any:
        return await body(store.sources, await store.local_scope())

    return run_with_store(run)


def _as_dict(view: SourceView) -> dict[str, Any]:
    s = view.source
    return {
        "id": str(s.id),
        "name": s.name,
        "type": s.type,
        "project": view.project,
        "config": {k: v for k, v in (s.config or {}).items() if k != "path"},
        "has_credentials": view.has_credentials,
        "schedule": s.schedule,
        "next_sync_at": s.next_sync_at.isoformat() if s.next_sync_at else None,
        "paused": s.paused,
        "documents": view.documents,
        "last_sync_at": s.last_sync_at.isoformat() if s.last_sync_at else None,
        "last_sync_status": s.last_sync_status,
        "last_sync": s.last_sync_summary,
        "active_task": str(view.active_task.id) if view.active_task is not None else None,
    }


def _token(env: str | None, from_stdin: bool) -> str | None:
    if env is not None:
        value = os.environ.get(env)
        if not value:
            fail(f"the environment variable {env} is empty or not set")
        return value
    if from_stdin:
        value = sys.stdin.readline().strip()
        if not value:
            fail("no token on standard input")
        return value
    return None


def _register(spec: SourceSpec, json_out: bool) -> None:
    view = _stored(lambda sources, scope: sources.create(scope, spec))
    if json_out:
        print_json(_as_dict(view))
    else:
        stdout().print(
            f"added {view.source.type} source [bold]{escape(view.source.name)}[/] ({view.source.id}); "
            f"sync it with `pam sources sync {escape(view.source.name)}`",
            highlight=False,
        )


@add_app.command("git")
def add_git(
    url: Annotated[str, typer.Argument(help="Anything `git clone` takes: https, ssh or file URL.")],
    name: Name,
    branch: Annotated[str | None, typer.Option("--branch", "-b", help="Default: the remote's HEAD.")] = None,
    project: Project = None,
    include: Include = None,
    exclude: Exclude = None,
    schedule: Schedule = None,
    token_env: SecretEnv = None,
    token_stdin: SecretStdin = False,
    ssh_key_file: Annotated[
        Path | None, typer.Option("--ssh-key-file", help="A private key for ssh URLs.")
    ] = None,
    web_url: Annotated[
        str | None, typer.Option("--web-url", help="Link for citations, with {path}, {branch}.")
    ] = None,
    json_out: Json = False,
) -> None:
    """A branch of a Git repository, synced by commit; each file's commits become its change history."""
    credentials: dict[str, str] = {}
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and (parts.username or parts.password):
        # Never stored, shown or logged with the URL: the secret becomes the source's credentials.
        credentials = {"token": parts.password or parts.username or ""}
        if parts.password and parts.username:
            credentials["username"] = parts.username
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        url = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
        stderr().print("the credentials in the URL are stored encrypted, apart from it")
    if (token := _token(token_env, token_stdin)) is not None:
        credentials["token"] = token
    if ssh_key_file is not None:
        credentials["ssh_key"] = ssh_key_file.read_text(encoding="utf-8")
    config: dict[str, Any] = {"url": url, "branch": branch, "exclude": exclude or [], "web_url": web_url}
    if include:
        config["include"] = include
    spec = SourceSpec("git", name, project, config, credentials or None, schedule)
    _register(spec, json_out)


@add_app.command("github")
def add_github(
    repository: Annotated[str, typer.Argument(help="owner/name")],
    name: Name,
    project: Project = None,
    schedule: Schedule = None,
    token_env: SecretEnv = None,
    token_stdin: SecretStdin = False,
    no_issues: Annotated[bool, typer.Option("--no-issues", help="Leave issues out.")] = False,
    no_pull_requests: Annotated[
        bool, typer.Option("--no-pull-requests", help="Leave pull requests out.")
    ] = False,
    api_url: Annotated[
        str, typer.Option("--api-url", help="GitHub Enterprise: https://HOST/api/v3")
    ] = "https://api.github.com",
    json_out: Json = False,
) -> None:
    """A GitHub repository's issues and pull requests with their comments."""
    token = _token(token_env, token_stdin)
    config = {
        "repository": repository,
        "issues": not no_issues,
        "pull_requests": not no_pull_requests,
        "api_url": api_url,
    }
    _register(
        SourceSpec("github", name, project, config, {"token": token} if token else None, schedule), json_out
    )


@add_app.command("drive")
def add_drive(
    name: Name,
    folder_id: Annotated[
        str | None, typer.Option("--folder", help="A Drive folder id (synced recursively).")
    ] = None,
    drive_id: Annotated[str | None, typer.Option("--shared-drive", help="A shared drive id.")] = None,
    service_account_file: Annotated[
        Path | None, typer.Option("--service-account-file", help="A service account's JSON key.")
    ] = None,
    oauth_file: Annotated[
        Path | None,
        typer.Option(
            "--oauth-file", help="JSON with client_id, client_secret, refresh_token (and token_uri)."
        ),
    ] = None,
    project: Project = None,
    schedule: Schedule = None,
    api_url: Annotated[str | None, typer.Option("--api-url", help="Another Drive API endpoint.")] = None,
    json_out: Json = False,
) -> None:
    """A Google Drive folder or shared drive: Docs, Sheets, Slides, PDFs, DOCX and XLSX files."""
    if (service_account_file is None) == (oauth_file is None):
        fail("give one of --service-account-file or --oauth-file")
    if service_account_file is not None:
        credentials = {"service_account_json": service_account_file.read_text(encoding="utf-8")}
    else:
        assert oauth_file is not None
        loaded = json.loads(oauth_file.read_text(encoding="utf-8"))
        loaded = loaded.get("installed") or loaded.get("web") or loaded if isinstance(loaded, dict) else {}
        wanted = ("client_id", "client_secret", "refresh_token", "token_uri")
        credentials = {k: str(loaded[k]) for k in wanted if loaded.get(k)}
    config = {"folder_id": folder_id, "drive_id": drive_id, "api_url": api_url}
    _register(SourceSpec("google_drive", name, project, config, credentials, schedule), json_out)


@add_app.command("website")
def add_website(
    start_url: Annotated[str, typer.Argument(help="The first page; only its host is crawled.")],
    name: Name,
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="A sitemap.xml to start from.")] = None,
    max_pages: Annotated[int, typer.Option("--max-pages", min=1, max=20000)] = 500,
    rate: Annotated[float, typer.Option("--rate", help="Requests per second at most.")] = 2.0,
    include: Include = None,
    exclude: Exclude = None,
    project: Project = None,
    schedule: Schedule = None,
    authorization_env: Annotated[
        str | None,
        typer.Option("--authorization-env", help="Environment variable with an Authorization header."),
    ] = None,
    json_out: Json = False,
) -> None:
    """A website (same host only, robots.txt respected, at most --rate requests per second)."""
    header = _token(authorization_env, False)
    config = {
        "start_url": start_url,
        "sitemap_url": sitemap,
        "max_pages": max_pages,
        "requests_per_second": rate,
        "include": include or [],
        "exclude": exclude or [],
    }
    credentials = {"authorization": header} if header else None
    _register(SourceSpec("website", name, project, config, credentials, schedule), json_out)


@add_app.command("folder")
def add_folder(
    path: Annotated[str, typer.Argument(help="A folder under PAM_INGEST_ROOTS.")],
    name: Name,
    project: Project = None,
    include: Include = None,
    exclude: Exclude = None,
    schedule: Schedule = None,
    json_out: Json = False,
) -> None:
    """A folder on the server's disk (the same as `pam ingest`, kept as a source with a schedule)."""
    config = {"path": path, "include": include or [], "exclude": exclude or []}
    _register(SourceSpec("folder", name, project, config, None, schedule), json_out)


@app.command("list")
def list_(project: Project = None, json_out: Json = False) -> None:
    """Every source, with its last sync."""
    views: list[SourceView] = _stored(lambda sources, scope: sources.list(scope, project))
    if json_out:
        print_json([_as_dict(v) for v in views])
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
    view: SourceView = _stored(lambda sources, scope: sources.find(scope, name, project))
    shown = _as_dict(view)
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

    summary = _scoped(body)
    if summary["failed"] or summary["status"] != "completed":
        raise typer.Exit(1)


def _set(name: str, project: str | None, changes: dict[str, Any], done: str) -> None:
    async def body(sources: SourceService, scope: Any) -> SourceView:
        view = await sources.find(scope, name, project)
        return await sources.update(scope, view.source.id, changes)

    view: SourceView = _stored(body)
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

    removed = _scoped(body)
    stdout().print(f"removed [bold]{escape(removed)}[/]", highlight=False)


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored credential with the first key of PAM_CREDENTIALS_KEY (see docs/deploy.md)."""
    count = run_with_store(lambda store: store.sources.rotate_credentials())
    stdout().print(f"re-encrypted the credentials of {count} sources")

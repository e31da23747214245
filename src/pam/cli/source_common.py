"""What the `pam sources` commands share: how they reach the use cases, and how a source is printed."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from pam.access import LOCAL_ADMIN
from pam.cli.output import fail
from pam.cli.runtime import run_with_services
from pam.cli.store_runtime import run_with_store
from pam.services.container import Services
from pam.services.sources import SourceService, SourceView
from pam.services.store_runtime import StoreServices

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


def scoped(body: Callable[[Services, Any], Awaitable[Any]]) -> Any:
    """With the whole `Services` (model, index, task runner): syncing and removing."""

    async def run(services: Services) -> Any:
        return await body(services, await services.auth.scope_of(LOCAL_ADMIN))

    return run_with_services(run)


def stored(body: Callable[[SourceService, Any], Awaitable[Any]]) -> Any:
    """With the database only (starts in a blink): registering, listing, showing, changing."""

    async def run(store: StoreServices) -> Any:
        return await body(store.sources, await store.local_scope())

    return run_with_store(run)


def as_dict(view: SourceView) -> dict[str, Any]:
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


def token_from(env: str | None, from_stdin: bool) -> str | None:
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

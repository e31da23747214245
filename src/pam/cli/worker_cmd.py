"""`pam worker`: run ingestion tasks from the shared queue (scale-out mode)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from pam.cli.output import fail
from pam.errors import PamError
from pam.logs import configure_logging
from pam.settings import Settings


def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=16, help="Tasks run at once (overrides PAM_WORKER_CONCURRENCY).")
    ] = None,
) -> None:
    """Take ingestion tasks from the Redis queue until stopped (SIGTERM/Ctrl-C put running ones back)."""
    from pam.worker import run_worker

    overrides: dict[str, object] = {}
    if concurrency is not None:
        overrides["worker_concurrency"] = concurrency
    settings = Settings(**overrides)  # type: ignore[arg-type]
    configure_logging(settings.log_level, settings.log_format)
    try:
        asyncio.run(run_worker(settings))
    except PamError as exc:
        fail(exc.message)

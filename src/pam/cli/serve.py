"""`pam serve`: the HTTP API (and the web UI when built) on PAM_HOST:PAM_PORT."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from pam.api.app import create_app
from pam.cli.output import fail
from pam.logs import configure_logging
from pam.settings import Settings, is_loopback_host
from pam.store.db import create_engine
from pam.store.migrate import current_revision, head_revision


def serve(
    host: Annotated[str | None, typer.Option(help="Overrides PAM_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides PAM_PORT.")] = None,
) -> None:
    """Start the server on the embedded default (or whatever PAM_* settings say)."""
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if settings.auth == "none" and not is_loopback_host(settings.host) and not settings.auth_allow_open:
        fail(
            f"refusing to listen on {settings.host} with PAM_AUTH=none: anyone could read every document. "
            "Set PAM_AUTH=required (or PAM_AUTH_ALLOW_OPEN=true if you really mean it)."
        )
    if not settings.is_sqlite:
        current = asyncio.run(_current_revision(settings))
        if current != head_revision():
            fail(
                f"the database schema is at {current or 'nothing'}, this version needs {head_revision()}: "
                "run `pam db upgrade` once, from one place, then start again."
            )
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        # Only behind a configured proxy: otherwise anyone could pick their address (and dodge the login limit).
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies,
        timeout_graceful_shutdown=5,
    )


async def _current_revision(settings: Settings) -> str | None:
    engine = create_engine(settings.resolved_database_url)
    try:
        return await current_revision(engine)
    finally:
        await engine.dispose()

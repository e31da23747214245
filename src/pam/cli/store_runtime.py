"""Running a command body against the database only: no embedder, no index, so admin commands start fast."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import PamError
from pam.logs import configure_logging
from pam.services.projects import ensure_default_project
from pam.settings import Settings
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema

T = TypeVar("T")


def run_with_store(body: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Open the store of the environment's settings, run `body` with a session factory, close.

    PamErrors become a one-line message and exit code 1, as in `run_with_services`.
    """
    from pam.cli.output import fail

    settings = Settings()
    configure_logging("warning", "console")

    async def main() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
        engine = create_engine(url)
        try:
            await ensure_schema(engine, url, auto_upgrade=settings.is_sqlite)
            sessions = create_session_factory(engine)
            async with sessions.begin() as session:
                await ensure_default_project(session)
            return await body(sessions)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except PamError as exc:
        fail(exc.message)

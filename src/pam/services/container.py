"""`Services`: everything a process needs, built once from explicit settings and closed once.

The API builds it in the lifespan and keeps it on `app.state.services`; the CLI and workers
build the same object from the same `Settings`. Nothing here is global, so two containers
with different settings live side by side in one process.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pam.services.health import ComponentStatus, probe
from pam.services.projects import ensure_default_project
from pam.settings import Settings
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    async def start(cls, settings: Settings) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
        engine = create_engine(url)
        try:
            # The embedded database is ours alone: bring it to head. A shared PostgreSQL is
            # upgraded by `pam db upgrade` from one place, never by N replicas at start-up.
            await ensure_schema(engine, url, auto_upgrade=settings.is_sqlite)
            sessions = create_session_factory(engine)
            async with sessions.begin() as session:
                await ensure_default_project(session)
        except BaseException:
            await engine.dispose()
            raise
        return cls(settings=settings, engine=engine, sessions=sessions)

    async def health(self) -> dict[str, ComponentStatus]:
        async def database() -> None:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        return {"database": await probe(database, required=True, failure="database unreachable")}

    async def close(self) -> None:
        await self.engine.dispose()

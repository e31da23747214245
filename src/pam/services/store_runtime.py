"""Use cases that need only the database and the data tables (no model, no index), so the commands
that run them start in a blink. They are the same objects `Services` builds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import LOCAL_ADMIN, AccessScope
from pam.connectors.credentials import CredentialBox
from pam.data.catalog import DataCatalog
from pam.errors import Unavailable
from pam.health import ComponentStatus
from pam.services.access import load_scope
from pam.services.auth.admin import ApiKeys, ProjectAdmin, UserAdmin
from pam.services.auth.passwords import Passwords
from pam.services.glossary import GlossaryService
from pam.services.projects import ensure_default_project
from pam.services.sources import SourceService
from pam.services.tables import TableService
from pam.settings import Settings
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema
from pam.store.models import IngestionTask


@dataclass(frozen=True, slots=True)
class StoreServices:
    sessions: async_sessionmaker[AsyncSession]
    users: UserAdmin
    projects: ProjectAdmin
    keys: ApiKeys
    tables: TableService
    glossary: GlossaryService
    sources: SourceService  # registering, listing and changing sources; syncs need `Services`

    async def local_scope(self) -> AccessScope:
        """The scope of whoever runs a command on this machine: the local admin of every project."""
        async with self.sessions() as session:
            return await load_scope(session, LOCAL_ADMIN)


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[StoreServices]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    engine = create_engine(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    try:
        await ensure_schema(engine, url, auto_upgrade=settings.is_sqlite)
        sessions = create_session_factory(engine)
        async with sessions.begin() as session:
            await ensure_default_project(session)
        yield StoreServices(
            sessions,
            UserAdmin(sessions, Passwords()),
            ProjectAdmin(sessions),
            ApiKeys(sessions),
            TableService(DataCatalog.in_data_dir(settings.data_dir)),
            GlossaryService(sessions),
            SourceService(
                sessions,
                _NoTasks(),
                CredentialBox.from_settings(settings),
                ingest_roots=settings.ingest_roots,
                connectors_dir=settings.data_dir / "connectors",
                sync_index=_no_index,
            ),
        )
    finally:
        await engine.dispose()


class _NoTasks:
    """No task runner here: the database-only commands never start one (a sync needs `Services`)."""

    async def submit(self, task_id: uuid.UUID) -> None:
        raise Unavailable("tasks cannot be started from here")

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask:
        raise Unavailable("tasks cannot be cancelled from here")

    async def wait(self, task_id: uuid.UUID) -> None:
        raise Unavailable("tasks cannot be awaited from here")

    async def health(self) -> ComponentStatus | None:
        return None

    async def queued(self) -> int | None:
        return None

    async def close(self) -> None:
        pass


async def _no_index() -> int:
    raise Unavailable("the index is not open here")

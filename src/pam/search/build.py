"""Which `SearchIndex` a process opens: the embedded one on SQLite, PostgreSQL's own on PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.search.embedded_index import EmbeddedIndex
from pam.search.index import SearchIndex
from pam.settings import Settings


async def open_index(settings: Settings, sessions: async_sessionmaker[AsyncSession], dim: int) -> SearchIndex:
    """Open and start (catch up) the index the settings choose."""
    if settings.effective_search_index == "postgres":
        from pam.search.postgres_index import PostgresIndex

        pg = PostgresIndex(sessions, dim)
        await pg.start()
        return pg
    embedded = EmbeddedIndex(sessions, settings.data_dir / "index", dim)
    await embedded.start()
    return embedded

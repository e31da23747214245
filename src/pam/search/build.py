"""Which `SearchIndex` a process opens: the embedded one (a replica per server on PostgreSQL), or PostgreSQL's."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.search.embedded_index import EmbeddedIndex
from pam.search.index import SearchIndex
from pam.search.unserved_index import UnservedIndex
from pam.settings import Settings


async def open_index(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    dim: int,
    *,
    serves_search: bool = True,
    background: bool = False,
) -> SearchIndex:
    """Open and start the index the settings choose.

    `background` (a server on PostgreSQL): the embedded replica catches up in a task, so the server
    answers at once, with health "catching up" (503) until it is done. Otherwise it catches up before
    this returns. A process that serves no searches (`pam worker`) keeps no replica.
    """
    if settings.effective_search_index == "postgres":
        from pam.search.postgres_index import PostgresIndex

        pg = PostgresIndex(sessions, dim)
        await pg.start()
        return pg
    if not serves_search and not settings.is_sqlite:
        return UnservedIndex()
    embedded = EmbeddedIndex(sessions, settings.resolved_index_dir, dim)
    await embedded.start(background=background and not settings.is_sqlite)
    return embedded

"""The migration's tables come and go with it, and the settings pick this index on PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from tests.conftest import make_settings

from pam.search.build import open_index
from pam.search.postgres_index import PostgresIndex
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory

SEARCH_TABLES = ["search_segments", "search_state", "search_terms"]


async def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as c:
            rows = await c.execute(
                text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'search_%' ORDER BY tablename")
            )
            return [r[0] for r in rows]
    finally:
        await engine.dispose()


async def test_migration_creates_and_drops_the_search_tables(pg_database: str) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_database)
    assert await _tables(pg_database) == SEARCH_TABLES
    await asyncio.to_thread(migrate.downgrade, pg_database, "0002")
    assert await _tables(pg_database) == []
    await asyncio.to_thread(migrate.upgrade, pg_database)
    assert await _tables(pg_database) == SEARCH_TABLES


async def test_auto_picks_the_postgres_index_on_postgresql(pg_database: str, tmp_path: Path) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_database)
    engine = create_engine(pg_database)
    try:
        index = await open_index(
            make_settings(tmp_path, database_url=pg_database), create_session_factory(engine), 384
        )
        assert isinstance(index, PostgresIndex)
        assert (await index.size()).segments == 0
        await index.close()
    finally:
        await engine.dispose()

"""The migration's tables come and go with it, and the settings pick this index on PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from tests.conftest import make_settings

from pam.search.build import open_index
from pam.search.embedded_index import EmbeddedIndex
from pam.search.postgres_index import PostgresIndex
from pam.search.unserved_index import UnservedIndex
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


async def test_auto_keeps_a_replica_per_server_on_postgresql(pg_database: str, tmp_path: Path) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_database)
    engine = create_engine(pg_database)
    sessions = create_session_factory(engine)
    try:
        settings = make_settings(tmp_path, database_url=pg_database, index_dir=tmp_path / "replica")
        index = await open_index(settings, sessions, 384)
        assert isinstance(index, EmbeddedIndex) and (tmp_path / "replica" / "keyword").is_dir()
        await index.close()
        # A worker serves no searches: it keeps no replica.
        assert isinstance(await open_index(settings, sessions, 384, serves_search=False), UnservedIndex)
        chosen = await open_index(
            make_settings(tmp_path, database_url=pg_database, search_index="postgres"), sessions, 384
        )
        assert isinstance(chosen, PostgresIndex)
        assert (await chosen.size()).segments == 0
        await chosen.close()
    finally:
        await engine.dispose()

"""Telling a database that cannot be reached from an error that is not about the database at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from pam.store.db import create_engine
from pam.store.outage import database_reachable, is_outage, looks_like_outage


async def test_a_missing_postgres_socket_is_an_outage_and_a_missing_file_is_not(tmp_path: Path) -> None:
    # The unix socket of a PostgreSQL that is down (its directory exists, the socket does not).
    engine = create_engine(f"postgresql+asyncpg://postgres@/nowhere?host={tmp_path}")
    try:
        with pytest.raises(OSError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        assert looks_like_outage(caught.value)
        assert not await database_reachable(engine)
    finally:
        await engine.dispose()

    with pytest.raises(FileNotFoundError) as missing:
        (tmp_path / "no-such-file.md").read_bytes()
    assert not looks_like_outage(missing.value)


async def test_an_error_with_a_reachable_database_is_not_an_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}")
    try:
        assert not await is_outage(ValueError("a bug"), engine)
        assert await is_outage(ConnectionRefusedError("refused"), engine)
    finally:
        await engine.dispose()

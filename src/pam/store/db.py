"""Engine and session factory, built from explicit settings (never at import time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; busy_timeout waits instead of failing on a lock;
    # SQLite ignores foreign keys unless told.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_engine(
    database_url: str, *, pool_size: int = 10, max_overflow: int = 10, echo: bool = False
) -> AsyncEngine:
    url = make_url(database_url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Connecting fails within seconds when the server is down, so requests answer 503 instead of hanging.
    return create_async_engine(url, echo=echo, pool_pre_ping=True, connect_args={"timeout": 5}, **pool)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)

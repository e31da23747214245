"""One ingestion task per source at a time, across every process that shares the database.

Two tasks on one source (a double-click, a worker and a CLI run) would race on the same
documents. On PostgreSQL a session-level advisory lock, held on its own connection for the
whole task, serialises them across processes and machines, and is released by the server if
the holder dies. On SQLite (one machine, and the writer lock is the database's) an in-process
lock per source is enough.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

POLL_S = 0.5


class SourceLocks:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._local: dict[uuid.UUID, asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(self, source_id: uuid.UUID) -> AsyncIterator[None]:
        local = self._local.setdefault(source_id, asyncio.Lock())
        async with local:
            if not self.shared:
                yield
                return
            key = _key(source_id)
            async with self.engine.connect() as conn:
                # Polling try-lock rather than a blocking lock: a waiting task must stay cancellable.
                while not (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar():
                    await conn.rollback()
                    await asyncio.sleep(POLL_S)
                await conn.commit()
                try:
                    yield
                finally:
                    try:
                        await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        await conn.commit()
                    except Exception:
                        # The connection broke (a restart): the server already released the lock.
                        await conn.invalidate()


def _key(source_id: uuid.UUID) -> int:
    # Advisory locks take a signed 64-bit key; namespaced so other advisory users cannot collide.
    return ((source_id.int ^ 0x70616D2D736F7572) & ((1 << 63) - 1)) or 1

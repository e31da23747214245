"""Alembic environment: async engines, SQLite batch mode, and one upgrade at a time on PostgreSQL.

On PostgreSQL the whole run holds a session-level advisory lock, taken before the current
revision is read, so two `pam db upgrade` started together apply each migration exactly once:
the second waits, then finds the schema at head. Session-level (not transaction-level) so it
survives the commits of `autocommit_block()` used by `CREATE INDEX CONCURRENTLY`.

The waiting side polls `pg_try_advisory_lock` and ends its transaction between attempts: a
blocking `pg_advisory_lock` would sit in an open transaction, and `CREATE INDEX CONCURRENTLY`
in the other process waits for every open transaction to end, a deadlock.
"""

from __future__ import annotations

import asyncio
import time

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from pam.store.db import create_engine
from pam.store.models import Base

MIGRATION_LOCK_KEY = 0x70616D_6D6967  # "pam" "mig": any fixed 63-bit number works
LOCK_WAIT_S = 1800


def _acquire_lock(connection: Connection) -> None:
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY}).scalar()
        connection.commit()
        if got:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("another `pam db upgrade` has held the migration lock for too long")
        time.sleep(0.25)


def _run(connection: Connection) -> None:
    is_pg = connection.dialect.name == "postgresql"
    if is_pg:
        _acquire_lock(connection)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transaction_per_migration=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if is_pg:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            connection.commit()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("sqlalchemy.url is not configured")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async(url))

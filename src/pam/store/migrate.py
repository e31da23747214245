"""Schema migrations: upgrade, and the start-up check that refuses an outdated PostgreSQL schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from pam.errors import PamError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class SchemaOutdated(PamError):
    code = "schema_outdated"
    status = 503


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on a '%' in a password.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`. Blocking; runs its own event loop (call from a thread in async code)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def ensure_schema(engine: AsyncEngine, database_url: str, *, auto_upgrade: bool) -> None:
    """Bring an embedded database to head, or refuse to start on an outdated shared one."""
    import asyncio

    if await current_revision(engine) == head_revision():
        return
    if not auto_upgrade:
        raise SchemaOutdated(
            "The database schema is not up to date. Run `pam db upgrade` (once, from one place), then start again."
        )
    await asyncio.to_thread(upgrade, database_url)

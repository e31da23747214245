"""`pam db upgrade|current`: schema migrations, run from one place."""

from __future__ import annotations

import asyncio

import typer

from pam.cli.output import fail, stdout
from pam.logs import configure_logging
from pam.settings import Settings
from pam.store import migrate
from pam.store.db import create_engine

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations. On PostgreSQL an advisory lock makes concurrent runs safe."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        migrate.upgrade(settings.resolved_database_url, revision)
    except RuntimeError as exc:
        # A migration that cannot proceed says why (e.g. no pgvector on this server): the operator
        # needs that sentence, not a traceback.
        fail(str(exc))
    stdout().print(f"schema at {asyncio.run(_current(settings))}")


@app.command()
def current() -> None:
    """Print the current schema revision and the newest one this version knows."""
    settings = Settings()
    stdout().print(f"current: {asyncio.run(_current(settings))}  head: {migrate.head_revision()}")


async def _current(settings: Settings) -> str | None:
    engine = create_engine(settings.resolved_database_url)
    try:
        return await migrate.current_revision(engine)
    finally:
        await engine.dispose()

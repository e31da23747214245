"""The two ways PAM Context runs, for test suites that must pass in both.

- ``embedded``: the default; one process, SQLite and the embedded index in the data dir.
- ``scaleout``: PostgreSQL (with PostgreSQL's own search index) and Redis shared by every process;
  the server queues ingestion tasks and a ``pam worker`` (here: in the test's event loop) runs them.

A module-scoped fixture parametrised with ``DEPLOYMENTS`` runs a whole module once per mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from pam.settings import Settings
from pam.store import migrate
from pam.worker import run_worker
from tests.conftest import make_settings
from tests.servers import PostgresServer, RedisServer

DEPLOYMENTS = ("embedded", "scaleout")
# Short, so a test that kills a worker sees its task picked up again within seconds.
TEST_HEARTBEAT_S = 3


@asynccontextmanager
async def worker_running(settings: Settings) -> AsyncIterator[asyncio.Task[None]]:
    """`pam worker` in this event loop, stopped (its running jobs put back on the queue) on exit."""
    stop = asyncio.Event()
    job = asyncio.create_task(run_worker(settings, stop=stop), name="test-worker")
    try:
        yield job
    finally:
        stop.set()
        try:
            await asyncio.wait_for(job, timeout=30)
        except TimeoutError:
            job.cancel()


@asynccontextmanager
async def deployment(
    mode: str, data_dir: Path, request: pytest.FixtureRequest, *, workers: int = 1, **overrides: Any
) -> AsyncIterator[Settings]:
    """Settings for one process of a `mode` deployment, with what that mode needs running around it."""
    if mode == "embedded":
        yield make_settings(data_dir, **overrides)
        return
    pg: PostgresServer = request.getfixturevalue("pg_server")
    redis: RedisServer = request.getfixturevalue("redis_server")
    if redis.process is None:
        redis.start()
    redis.flush()
    name = pg.create_database()
    url = pg.url(name)
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        settings = make_settings(
            data_dir,
            database_url=url,
            redis_url=redis.url,
            worker_heartbeat_s=TEST_HEARTBEAT_S,
            **overrides,
        )
        async with _workers(settings, workers):
            yield settings
    finally:
        pg.drop_database(name)


@asynccontextmanager
async def _workers(settings: Settings, count: int) -> AsyncIterator[None]:
    if count == 0:
        yield
        return
    async with worker_running(settings), _workers(settings, count - 1):
        yield

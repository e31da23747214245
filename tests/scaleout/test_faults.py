"""Faults in the scale-out mode: a worker killed mid-task, Redis restarted, PostgreSQL restarted.

Real processes: `pam worker` subprocesses, a real redis-server and a real PostgreSQL. After each
fault every file is a document exactly once with all its segments, and every task is final.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pam.settings import Settings
from pam.store import migrate
from tests.api.harness import Harness, start_harness, write
from tests.conftest import make_settings
from tests.deployments import TEST_HEARTBEAT_S
from tests.scaleout.checks import assert_each_file_once, assert_every_task_final, wait_task
from tests.scaleout.processes import WorkerProcess
from tests.servers import PostgresServer, RedisServer

FILES = 200
TIMEOUT_S = 240.0


def corpus(folder: Path, word: str, count: int = FILES) -> set[str]:
    """`count` one-segment notes, each with its own words."""
    write(
        folder,
        {
            f"{word}-{i:04d}.md": f"# {word} {i}\n\nThe {word} shipment number {i} carried {i * 3} crates of tea.\n"
            for i in range(count)
        },
    )
    return {f"{word}-{i:04d}.md" for i in range(count)}


async def started(api: Harness, folder: Path) -> str:
    r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    assert r.status_code == 202, r.text
    task_id: str = r.json()["id"]
    return task_id


async def until_processed(client: httpx.AsyncClient, task_id: str, at_least: int) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        r = await client.get(f"/api/ingest/tasks/{task_id}", params={"items_limit": 0})
        assert r.status_code == 200, r.text
        task = r.json()
        assert task["status"] in ("pending", "running"), f"finished before the fault: {task}"
        if task["processed"] >= at_least:
            return
        assert time.monotonic() < deadline, "the task never got going"
        await asyncio.sleep(0.1)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[Settings], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def spawn(settings: Settings) -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    try:
        yield spawn
    finally:
        for worker in started:
            worker.stop()


async def test_a_worker_killed_mid_task_is_replaced_and_every_file_is_stored_once(
    scaleout_settings: Callable[..., Settings], workers: Callable[[Settings], WorkerProcess]
) -> None:
    settings = scaleout_settings()
    async with start_harness(settings) as api:
        folder = api.folder()
        names = corpus(folder, "zebra")
        first = workers(settings)
        task_id = await started(api, folder)
        await until_processed(api.client, task_id, 30)

        first.kill()
        workers(settings)
        task, _ = await wait_task(api.client, task_id, timeout_s=TIMEOUT_S)

        assert task["status"] == "completed", task
        await assert_each_file_once(api.services.sessions, names, segments_per_file=1)
        await assert_every_task_final(api.services.sessions)


async def test_redis_restarted_empty_mid_task_loses_no_task_and_search_keeps_working(
    scaleout_settings: Callable[..., Settings],
    workers: Callable[[Settings], WorkerProcess],
    redis_server: RedisServer,
) -> None:
    settings = scaleout_settings()
    async with start_harness(settings) as api:
        folder = api.folder()
        names = corpus(folder, "okapi")
        workers(settings)
        running = await started(api, folder)
        await until_processed(api.client, running, 30)

        redis_server.stop()
        try:
            # Redis is down: a new task is still accepted (it waits in PostgreSQL), searches still answer.
            later = api.folder()
            later_names = corpus(later, "lemur", count=20)
            waiting = await started(api, later)
            r = await api.client.post("/api/search", json={"query": "okapi shipment"})
            assert r.status_code == 200, r.text
            health = await api.client.get("/api/health")
            assert health.status_code == 200, health.text
            assert health.json()["status"] == "degraded"
            assert health.json()["components"]["redis"]["status"] == "degraded"
            assert health.json()["components"]["queue"]["status"] == "degraded"
            await asyncio.sleep(TEST_HEARTBEAT_S)
        finally:
            redis_server.start()  # empty: every job it held is gone

        for task_id in (running, waiting):
            task, _ = await wait_task(api.client, task_id, timeout_s=TIMEOUT_S)
            assert task["status"] == "completed", task
        await assert_each_file_once(api.services.sessions, names | later_names, segments_per_file=1)
        await assert_every_task_final(api.services.sessions)


@pytest.fixture
async def own_postgres() -> AsyncIterator[PostgresServer]:
    """A PostgreSQL of this test's own: restarting the shared one would cut every other test off."""
    server = await asyncio.to_thread(PostgresServer)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.close)


async def test_postgres_restarted_mid_task_gives_503s_then_the_task_completes(
    own_postgres: PostgresServer,
    redis_url: str,
    tmp_path: Path,
    workers: Callable[[Settings], WorkerProcess],
) -> None:
    url = own_postgres.url(own_postgres.create_database())
    await asyncio.to_thread(migrate.upgrade, url)
    settings = make_settings(
        tmp_path / "shared", database_url=url, redis_url=redis_url, worker_heartbeat_s=TEST_HEARTBEAT_S
    )
    async with start_harness(settings) as api:
        folder = api.folder()
        names = corpus(folder, "ibis")
        workers(settings)
        task_id = await started(api, folder)
        await until_processed(api.client, task_id, 30)

        restart = asyncio.create_task(asyncio.to_thread(own_postgres.restart, 4.0))
        statuses: set[int] = set()
        while not restart.done():
            r = await api.client.get(f"/api/ingest/tasks/{task_id}", params={"items_limit": 0})
            statuses.add(r.status_code)
            assert r.status_code in (200, 503), r.text
            if r.status_code == 503:
                assert r.json()["error"]["code"] == "unavailable"
                assert "Retry-After" in r.headers
            await asyncio.sleep(0.2)
        await restart

        task, _ = await wait_task(api.client, task_id, timeout_s=TIMEOUT_S)
        assert 503 in statuses, "the outage was never visible to clients"
        assert task["status"] == "completed", task
        await assert_each_file_once(api.services.sessions, names, segments_per_file=1)
        await assert_every_task_final(api.services.sessions)
        assert (await api.client.get("/api/health")).status_code == 200

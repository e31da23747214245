"""Tasks submitted by a server are run by `pam worker`s through the Redis queue."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from pam.settings import Settings
from pam.store.models import Document, Segment
from tests.api.harness import start_harness, write
from tests.deployments import worker_running


async def test_a_folder_task_submitted_to_the_queue_is_run_by_a_worker(
    scaleout_settings: Callable[..., Settings],
) -> None:
    settings = scaleout_settings()
    async with start_harness(settings) as api:
        folder = api.folder()
        write(folder, {f"n{i}.md": f"# Note {i}\n\nThe quokka ledger entry {i}.\n" for i in range(5)})
        r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
        assert r.status_code == 202, r.text
        async with worker_running(settings):
            task = await api.wait(r.json()["id"], timeout_s=120)
        assert task["status"] == "completed" and task["succeeded"] == 5
        async with api.services.sessions() as s:
            docs = await s.scalar(select(func.count()).select_from(Document))
            segs = await s.scalar(select(func.count()).select_from(Segment))
        assert docs == 5 and segs == 5


def test_saq_upkeep_tracebacks_for_a_down_redis_are_dropped_and_other_errors_kept() -> None:
    import logging

    from redis.exceptions import ConnectionError as RedisConnectionError

    from pam.worker import _QuietOutage

    def record(message: str, error: BaseException) -> logging.LogRecord:
        return logging.LogRecord("saq", logging.ERROR, __file__, 1, message, None, (type(error), error, None))

    quiet = _QuietOutage()
    assert not quiet.filter(record("Upkeep task failed unexpectedly", RedisConnectionError("refused")))
    assert quiet.filter(record("Upkeep task failed unexpectedly", ValueError("a bug")))
    assert quiet.filter(record("Error processing job", RedisConnectionError("refused")))


async def test_a_hung_redis_does_not_hang_task_submission(
    scaleout_settings: Callable[..., Settings], hung_server: str
) -> None:
    settings = scaleout_settings(redis_url=hung_server)
    async with start_harness(settings) as api:
        folder = api.folder()
        write(folder, {"a.md": "# A\n\nThe numbat survey.\n"})
        started = time.monotonic()
        r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
        assert r.status_code == 202, r.text
        assert time.monotonic() - started < 10  # one bounded wait, not a hang
        assert r.json()["status"] == "pending"  # kept in PostgreSQL until a worker can take it
        health = await api.client.get("/api/health")
        assert health.status_code == 200
        assert health.json()["components"]["queue"]["status"] == "degraded"

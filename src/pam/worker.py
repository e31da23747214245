"""`pam worker`: runs ingestion tasks from the shared Redis queue, beside any number of other workers.

A worker builds the same `Services` as a server (database, embedder, parsers, index) and runs
each queued task with the same `TaskRunner`, so a task behaves identically wherever it runs.
It also keeps the queue honest: tasks the database says are unfinished but nobody heartbeats
(their worker died, or Redis restarted empty) are queued again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import structlog
from redis.exceptions import RedisError
from saq import Worker

from pam.errors import InvalidInput
from pam.ingest.redis_queue import JOB_FUNCTION, RedisDispatch, requeue_orphans
from pam.services.container import Services
from pam.settings import Settings

log = structlog.get_logger("pam.worker")
RECONCILE_EVERY_S = 5.0


async def run_worker(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Process jobs until SIGINT/SIGTERM (or `stop`). Jobs in flight are put back on the queue on a stop."""
    if settings.effective_task_queue != "redis":
        raise InvalidInput(
            "pam worker takes tasks from the shared queue: set PAM_REDIS_URL and a PostgreSQL PAM_DATABASE_URL",
            code="config",
        )
    services = await Services.start(settings, run_tasks=False, serves_search=False)
    services.start_scheduler()
    dispatch = services.tasks
    assert isinstance(dispatch, RedisDispatch)

    async def ingest_task(ctx: Any, *, task_id: str) -> str:
        job = ctx["job"]

        async def beat(progress: float) -> None:
            await job.update(progress=round(progress, 4))

        await services.runner.execute(uuid.UUID(task_id), heartbeat=beat)
        return "finished"

    heartbeat = settings.worker_heartbeat_s
    worker = Worker(
        dispatch.queue,
        functions=[(JOB_FUNCTION, ingest_task)],
        concurrency=settings.worker_concurrency,
        # Sweep (find jobs whose worker stopped heartbeating) a few times per heartbeat period.
        timers={"sweep": max(1, heartbeat // 3), "abort": 1, "schedule": 1, "worker_info": 10},
        shutdown_grace_period_s=0,
    )
    quiet = _QuietOutage()
    logging.getLogger("saq").addFilter(quiet)
    reconciler = asyncio.create_task(_reconcile(services, dispatch, stale_after_s=2.0 * heartbeat))
    stopper = asyncio.create_task(_stop_when(stop, worker)) if stop is not None else None
    log.info("worker_started", concurrency=settings.worker_concurrency, heartbeat_s=heartbeat)
    try:
        await worker.start()
    finally:
        for job in (reconciler, stopper):
            if job is not None:
                job.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job
        await services.close()
        logging.getLogger("saq").removeFilter(quiet)
        log.info("worker_stopped")


class _QuietOutage(logging.Filter):
    """Drops SAQ's traceback for every failed upkeep round while Redis is away (several a second).

    The outage is still reported: once per round by `requeue_failed`, and by the health probe.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (
            record.getMessage().startswith("Upkeep task failed") and isinstance(error, RedisError | OSError)
        )


async def _stop_when(stop: asyncio.Event, worker: Worker[Any]) -> None:
    await stop.wait()
    worker.event.set()


async def _reconcile(services: Services, dispatch: RedisDispatch, *, stale_after_s: float) -> None:
    while True:
        await asyncio.sleep(RECONCILE_EVERY_S)
        try:
            await requeue_orphans(services.sessions, dispatch, stale_after_s=stale_after_s)
        except Exception as exc:
            # Redis or PostgreSQL away: the next round tries again.
            log.warning("requeue_failed", error_type=type(exc).__name__)

"""The shared ingestion queue on Redis (SAQ), for servers that submit and `pam worker`s that run.

Why SAQ: it is a maintained asyncio queue whose jobs carry a heartbeat; a job whose worker died
stops beating and SAQ's sweep puts it back on the queue for another worker. Why the task row
stays the source of truth: Redis may be restarted empty. Workers therefore re-queue, every few
seconds, any task PostgreSQL says is unfinished but nobody heartbeats (`requeue_orphans`); the
job key is the task id, so a task is never queued twice. Running a task twice is harmless anyway:
a per-source advisory lock serialises runs and ingestion skips what is already written.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import timedelta

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from saq import Job
from saq.queue.redis import RedisQueue
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.health import ComponentStatus
from pam.ingest.tasks import TERMINAL, request_cancel
from pam.store.models import IngestionTask
from pam.store.types import utcnow

log = structlog.get_logger("pam.queue")
QUEUE_NAME = "pam-ingest"
JOB_FUNCTION = "ingest_task"
WAIT_POLL_S = 0.5
SUBMIT_TIMEOUT_S = 2.0


class BackoffRedisQueue(RedisQueue):
    """SAQ's Redis queue, pausing a moment after a failed dequeue so a down Redis is not polled in a hot loop."""

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> Job | None:  # noqa: ASYNC109 (SAQ's signature)
        try:
            return await super().dequeue(timeout, poll_interval)
        except (RedisError, OSError):
            await asyncio.sleep(1.0)
            raise


def open_queue(redis_url: str) -> BackoffRedisQueue:
    # No socket timeout: the dequeue is a blocking pop. Connecting fails fast instead.
    client: Redis = Redis.from_url(redis_url, socket_connect_timeout=2.0)
    return BackoffRedisQueue(client, name=QUEUE_NAME)


def job_for(task_id: uuid.UUID, *, heartbeat_s: int) -> Job:
    return Job(
        JOB_FUNCTION,
        kwargs={"task_id": str(task_id)},
        key=str(task_id),
        timeout=0,  # a large folder takes as long as it takes; liveness is the heartbeat's job
        heartbeat=heartbeat_s,
        retries=1_000,  # each retry resumes the task; only a dead worker causes one
        ttl=3600,
    )


class RedisDispatch:
    def __init__(
        self, queue: BackoffRedisQueue, sessions: async_sessionmaker[AsyncSession], *, heartbeat_s: int
    ) -> None:
        self.queue = queue
        self.sessions = sessions
        self.heartbeat_s = heartbeat_s

    async def submit(self, task_id: uuid.UUID) -> None:
        try:
            # Bounded: a Redis that accepts connections but never answers must not hang the request.
            await asyncio.wait_for(
                self.queue.enqueue(job_for(task_id, heartbeat_s=self.heartbeat_s)), timeout=SUBMIT_TIMEOUT_S
            )
        except (RedisError, OSError, TimeoutError):
            # The task row is committed: a worker re-queues it once Redis is back.
            log.warning("task_enqueue_deferred", task_id=str(task_id), reason="queue unavailable")

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask:
        async with self.sessions() as s:
            status = await s.scalar(select(IngestionTask.status).where(IngestionTask.id == task_id))
        return await request_cancel(self.sessions, task_id, started=status == "running")

    async def wait(self, task_id: uuid.UUID) -> None:
        while True:
            async with self.sessions() as s:
                status = await s.scalar(select(IngestionTask.status).where(IngestionTask.id == task_id))
            if status is None or status in TERMINAL:
                return
            await asyncio.sleep(WAIT_POLL_S)

    async def health(self) -> ComponentStatus:
        started = time.perf_counter()
        try:
            queued = await asyncio.wait_for(self.queue.count("queued"), timeout=1.0)
        except (RedisError, OSError, TimeoutError):
            return ComponentStatus(status="degraded", detail="task queue unreachable; new tasks wait for it")
        return ComponentStatus(
            status="ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            detail=f"{queued} queued",
        )

    async def queued(self) -> int | None:
        try:
            return int(await asyncio.wait_for(self.queue.count("queued"), timeout=1.0))
        except (RedisError, OSError, TimeoutError):
            return None

    async def close(self) -> None:
        # Bounded: disconnecting from a Redis that hangs waits for it forever.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.queue.disconnect(), timeout=SUBMIT_TIMEOUT_S)


async def requeue_orphans(
    sessions: async_sessionmaker[AsyncSession], dispatch: RedisDispatch, *, stale_after_s: float
) -> int:
    """Queue again every unfinished task nobody has heartbeated for `stale_after_s` (Redis lost it)."""
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    async with sessions() as s:
        ids = list(
            await s.scalars(
                select(IngestionTask.id).where(
                    IngestionTask.status.in_(("pending", "running")),
                    or_(
                        IngestionTask.heartbeat_at < cutoff,
                        (IngestionTask.heartbeat_at.is_(None)) & (IngestionTask.created_at < cutoff),
                    ),
                )
            )
        )
    queued = 0
    for task_id in ids:
        job = await dispatch.queue.enqueue(job_for(task_id, heartbeat_s=dispatch.heartbeat_s))
        if job is not None:
            queued += 1
            log.info("task_requeued", task_id=str(task_id))
    return queued

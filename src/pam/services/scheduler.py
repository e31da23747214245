"""Scheduled syncs: every server and worker ticks; exactly one process starts each due sync.

A source's `next_sync_at` is the scheduled moment it waits for. A process claims it with a
compare-and-set (`UPDATE ... SET next_sync_at = <next> WHERE next_sync_at = <claimed>`): of any
number of processes on the same database only one changes the row, and in the same transaction it
writes the sync's task row. So a period is started once, a claimed period is never lost (a process
that dies after the commit leaves a `pending` task, which the queue or the next start resumes), and
the schedule survives restarts (it is a column, not a timer). A source whose previous sync is still
running skips the period: one sync of a source at a time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import PamError
from pam.ingest.dispatch import TaskDispatch
from pam.services.schedules import parse_schedule
from pam.services.source_tasks import active_task, sync_task
from pam.store.models import Source
from pam.store.types import utcnow

log = structlog.get_logger("pam.scheduler")
SCHEDULER = "scheduler"
BATCH = 100


class SourceScheduler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tasks: TaskDispatch,
        *,
        tick_s: float,
        min_interval_s: int = 60,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._tasks = tasks
        self._tick_s = tick_s
        self._min_interval_s = min_interval_s
        self._clock = clock

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception as exc:
                # The database away, most likely: the next tick tries again.
                log.warning("scheduler_tick_failed", error_type=type(exc).__name__)
            await asyncio.sleep(self._tick_s)

    async def run_due(self) -> list[uuid.UUID]:
        """Start every sync that is due now and that this process wins; the ids of the tasks it started."""
        now = self._clock()
        async with self._sessions() as s:
            due = list(
                await s.execute(
                    select(Source.id, Source.next_sync_at, Source.schedule)
                    .where(
                        Source.schedule.is_not(None),
                        Source.paused.is_(False),
                        Source.next_sync_at.is_not(None),
                        Source.next_sync_at <= now,
                    )
                    .order_by(Source.next_sync_at)
                    .limit(BATCH)
                )
            )
        started = []
        for source_id, claimed, expression in due:
            assert claimed is not None  # selected for it
            task_id = await self._claim(source_id, claimed, expression, now)
            if task_id is not None:
                await self._tasks.submit(task_id)
                started.append(task_id)
        return started

    async def _claim(
        self, source_id: uuid.UUID, claimed: datetime, expression: str | None, now: datetime
    ) -> uuid.UUID | None:
        try:
            schedule = parse_schedule(expression or "", anchor=claimed)
        except PamError:
            schedule = None  # a schedule that no longer parses stops (the API never stores one)
        # Never two scheduled syncs of a source closer together than PAM_SCHEDULE_MIN_INTERVAL_S.
        following = schedule.earliest_after(claimed, now, self._min_interval_s) if schedule else None
        async with self._sessions.begin() as s:
            won = await s.execute(
                update(Source)
                .where(Source.id == source_id, Source.next_sync_at == claimed, Source.paused.is_(False))
                .values(next_sync_at=following)
            )
            if won.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another process started this period
            source = await s.get(Source, source_id)
            if source is None:
                return None
            if (running := await active_task(s, source_id)) is not None:
                log.info("scheduled_sync_skipped", source_id=str(source_id), running_task=str(running.id))
                return None
            task = sync_task(source, created_by=SCHEDULER, scheduled_for=claimed.isoformat())
            s.add(task)
        log.info("scheduled_sync_started", source_id=str(source_id), task_id=str(task.id))
        return task.id

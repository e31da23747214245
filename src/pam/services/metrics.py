"""`/metrics` as a use case: read the durable figures, then render every instrument.

The reads are one short session of cheap aggregate queries (task counters, documents by status,
the outbox's head); the index parts and the Redis queue answer from memory or one round trip.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.errors import Forbidden
from pam.ingest.dispatch import TaskDispatch
from pam.metrics import IndexPart, Metrics, StateSnapshot
from pam.search import feed
from pam.search.index import SearchIndex
from pam.store.models import Document, IngestionTask
from pam.store.types import utcnow


class MetricsService:
    def __init__(
        self,
        metrics: Metrics,
        sessions: async_sessionmaker[AsyncSession],
        index: SearchIndex,
        tasks: TaskDispatch,
    ) -> None:
        self.instruments = metrics
        self._sessions = sessions
        self._index = index
        self._tasks = tasks

    async def render(self, scope: AccessScope) -> bytes:
        if not scope.caller.is_admin:
            raise Forbidden("metrics are for administrators")
        self.instruments.state.update(await self.snapshot())
        return self.instruments.render()

    async def snapshot(self) -> StateSnapshot:
        parts = [IndexPart(name, seq) for name, seq in self._index.applied_seqs().items()]
        behind = min((p.applied_seq for p in parts), default=0)
        async with self._sessions() as s:
            totals = (
                await s.execute(
                    select(
                        func.coalesce(func.sum(IngestionTask.succeeded), 0),
                        func.coalesce(func.sum(IngestionTask.skipped), 0),
                        func.coalesce(func.sum(IngestionTask.failed), 0),
                        func.coalesce(func.sum(IngestionTask.deleted), 0),
                        func.coalesce(func.sum(IngestionTask.segments_created), 0),
                    )
                )
            ).one()
            tasks = await _count_by(s, IngestionTask.status)
            documents = await _count_by(s, Document.status)
            head = await feed.max_seq(s)
            oldest = await feed.oldest_pending(s, behind)
        succeeded, skipped, failed, deleted, segments = (int(v) for v in totals)
        return StateSnapshot(
            documents={"succeeded": succeeded, "skipped": skipped, "failed": failed, "deleted": deleted},
            segments_created=segments,
            tasks={status: tasks.get(status, 0) for status in _TASK_STATUSES} | tasks,
            stored_documents=documents,
            outbox_seq=head,
            oldest_pending_age_s=0.0 if oldest is None else max((utcnow() - oldest).total_seconds(), 0.0),
            parts=parts,
            queued_jobs=await self._tasks.queued(),
        )


_TASK_STATUSES = ("pending", "running", "completed", "failed", "cancelled")


async def _count_by(session: AsyncSession, column: object) -> dict[str, int]:
    rows = await session.execute(select(column, func.count()).group_by(column))  # type: ignore[call-overload]
    return {str(key): int(count) for key, count in rows}

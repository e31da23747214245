"""Installation statistics for admins: counts from indexed queries and the in-memory index, never full scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.errors import Forbidden
from pam.health import ComponentStatus
from pam.search.index import SearchIndex
from pam.search.service import SearchService
from pam.store.models import Document, IngestionTask, Project, User


@dataclass(frozen=True, slots=True)
class Counts:
    projects: int
    users: int
    documents_active: int
    documents_error: int
    documents_deleted: int
    last_document_update: datetime | None
    last_task_finished: datetime | None
    recent_tasks: list[IngestionTask]


@dataclass(frozen=True, slots=True)
class IndexFigures:
    segments: int
    generation: int
    vector_bytes: int
    health: ComponentStatus


@dataclass(frozen=True, slots=True)
class Stats:
    counts: Counts
    index: IndexFigures
    cache_hits: int
    cache_misses: int
    cache_size: int


class StatsService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], index: SearchIndex, search: SearchService
    ) -> None:
        self._sessions = sessions
        self._index = index
        self._search = search

    async def gather(self, scope: AccessScope) -> Stats:
        if not scope.caller.is_admin:
            raise Forbidden("statistics are for administrators")
        async with self._sessions() as s:
            counts = await _counts(s)
        size = await self._index.size()
        cache = self._search.cache
        return Stats(
            counts=counts,
            index=IndexFigures(
                size.segments, self._index.generation, size.vector_bytes, await self._index.health()
            ),
            cache_hits=cache.hits,
            cache_misses=cache.misses,
            cache_size=len(cache),
        )


async def _counts(session: AsyncSession, recent: int = 10) -> Counts:
    async def docs(status: str) -> int:
        # Served by ix_documents_project_status_updated (per project, then summed).
        return int(
            await session.scalar(select(func.count(Document.id)).where(Document.status == status)) or 0
        )

    return Counts(
        projects=int(await session.scalar(select(func.count(Project.id))) or 0),
        users=int(await session.scalar(select(func.count(User.id))) or 0),
        documents_active=await docs("active"),
        documents_error=await docs("error"),
        documents_deleted=await docs("deleted"),
        last_document_update=await session.scalar(select(func.max(Document.updated_at))),
        last_task_finished=await session.scalar(
            select(func.max(IngestionTask.finished_at)).where(IngestionTask.status == "completed")
        ),
        recent_tasks=list(
            await session.scalars(
                select(IngestionTask).order_by(IngestionTask.created_at.desc()).limit(recent)
            )
        ),
    )

"""Installation statistics for admins: counts from indexed queries and the in-memory index, never full scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.errors import Forbidden
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


async def gather_counts(session: AsyncSession, caller: Caller, recent: int = 10) -> Counts:
    if not caller.is_admin:
        raise Forbidden("statistics are for administrators")

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

"""The task that syncs a registered source, whoever starts it (a person, the CLI, the scheduler)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.errors import Conflict
from pam.store.models import IngestionTask, Source

ACTIVE = ("pending", "running")


async def active_task(session: AsyncSession, source_id: uuid.UUID) -> IngestionTask | None:
    """The source's unfinished task, if any (one sync of a source at a time)."""
    found: IngestionTask | None = await session.scalar(
        select(IngestionTask)
        .where(IngestionTask.source_ref_id == source_id, IngestionTask.status.in_(ACTIVE))
        .order_by(IngestionTask.created_at)
        .limit(1)
    )
    return found


def sync_task(source: Source, *, created_by: str, full: bool = False, **extra: Any) -> IngestionTask:
    """A `pending` task row for one sync of `source` (the caller adds it and commits)."""
    if source.type == "upload":
        raise Conflict("uploads are ingested when files are uploaded; there is nothing to sync")
    params: dict[str, Any] = {"display": source.name, **extra}
    if full:
        params["full"] = True
    if source.type == "folder":
        params |= {
            "path": source.key,
            "include": list(source.config.get("include", [])),
            "exclude": list(source.config.get("exclude", [])),
            "display": str(source.config.get("display", source.name)),
        }
        kind = "folder"
    else:
        kind = "sync"
    return IngestionTask(
        project_id=source.project_id,
        source_ref_id=source.id,
        kind=kind,
        params=params,
        status="pending",
        created_by=created_by,
    )

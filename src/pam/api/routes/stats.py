"""`GET /api/stats` (admins): counts, index health, freshness, recent tasks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from pam.api.deps import ScopeDep, ServicesDep
from pam.api.routes.ingest_schemas import TaskOut
from pam.api.schemas import ComponentHealth
from pam.store.types import utcnow

router = APIRouter(tags=["admin"])


class IndexStats(BaseModel):
    segments: int
    generation: int
    vector_bytes: int
    health: ComponentHealth


class StatsResponse(BaseModel):
    projects: int
    users: int
    documents: dict[str, int]
    segments: int
    index: IndexStats
    last_document_update: datetime | None
    last_ingestion: datetime | None
    recent_tasks: list[TaskOut]
    search_cache: dict[str, int]


@router.get("/stats", response_model=StatsResponse)
async def stats(services: ServicesDep, scope: ScopeDep) -> StatsResponse:
    found = await services.stats.gather(scope)
    counts, index = found.counts, found.index
    now = utcnow()
    return StatsResponse(
        projects=counts.projects,
        users=counts.users,
        documents={
            "active": counts.documents_active,
            "error": counts.documents_error,
            "deleted": counts.documents_deleted,
        },
        segments=index.segments,
        index=IndexStats(
            segments=index.segments,
            generation=index.generation,
            vector_bytes=index.vector_bytes,
            health=ComponentHealth(**asdict(index.health)),
        ),
        last_document_update=counts.last_document_update,
        last_ingestion=counts.last_task_finished,
        recent_tasks=[TaskOut.of(t, now) for t in counts.recent_tasks],
        search_cache={"hits": found.cache_hits, "misses": found.cache_misses, "size": found.cache_size},
    )

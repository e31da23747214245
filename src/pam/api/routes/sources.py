"""Sources: register, list, read, change, remove, and sync the places documents come from."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from pam.api.deps import ScopeDep, ServicesDep, rate_limited
from pam.api.routes.ingest_schemas import TaskOut
from pam.api.routes.sources_schemas import SourceCreate, SourceOut, SourcePage, SourcePatch
from pam.services.sources import SourceSpec
from pam.store.types import utcnow

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=SourcePage)
async def list_sources(
    services: ServicesDep,
    scope: ScopeDep,
    project: Annotated[str | None, Query(max_length=200)] = None,
) -> SourcePage:
    """The sources of the projects the caller edits."""
    views = await services.sources.list(scope, project)
    now = utcnow()
    return SourcePage(items=[SourceOut.of(v, now) for v in views], total=len(views))


@router.post("", status_code=201, response_model=SourceOut, dependencies=[rate_limited("ingest")])
async def create_source(body: SourceCreate, services: ServicesDep, scope: ScopeDep) -> SourceOut:
    credentials = getattr(body, "credentials", None)
    spec = SourceSpec(
        type=body.type,
        name=body.name,
        project=body.project,
        config=body.config.model_dump(),
        credentials=credentials.model_dump(exclude_none=True) if credentials is not None else None,
        schedule=body.schedule,
        paused=body.paused,
    )
    return SourceOut.of(await services.sources.create(scope, spec, sync=body.sync), utcnow())


@router.get("/{source_id}", response_model=SourceOut)
async def get_source(source_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> SourceOut:
    return SourceOut.of(await services.sources.get(scope, source_id), utcnow())


@router.patch("/{source_id}", response_model=SourceOut)
async def update_source(
    source_id: uuid.UUID, body: SourcePatch, services: ServicesDep, scope: ScopeDep
) -> SourceOut:
    # What was sent, nested fields included: the service validates it as this source's kind.
    changes = body.model_dump(exclude_unset=True)
    return SourceOut.of(await services.sources.update(scope, source_id, changes), utcnow())


@router.delete("/{source_id}", status_code=204, response_class=Response)
async def delete_source(source_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> Response:
    """The source and every document from it (they leave search); an unfinished sync is cancelled."""
    await services.sources.delete(scope, source_id)
    return Response(status_code=204)


@router.post(
    "/{source_id}/sync", status_code=202, response_model=TaskOut, dependencies=[rate_limited("ingest")]
)
async def sync_source(
    source_id: uuid.UUID,
    services: ServicesDep,
    scope: ScopeDep,
    full: Annotated[bool, Query(description="list everything, not only what changed")] = False,
) -> TaskOut:
    """Start a sync (or get the one under way: a source never syncs twice at once)."""
    return TaskOut.of(await services.sources.sync(scope, source_id, full=full), utcnow())

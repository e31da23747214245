"""Ingestion routes: start a folder or upload task, list and read tasks, stream progress, cancel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import StreamingResponse

from pam.access import AccessScope
from pam.api.deps import ScopeDep, ServicesDep, rate_limited
from pam.api.routes.ingest_schemas import FolderIngestRequest, TaskDetail, TaskOut, TaskPage
from pam.api.sse import format_event, sse_response
from pam.api.stream_schemas import stream_response
from pam.errors import PayloadTooLarge
from pam.services.ingestion import IngestionService, TaskStatusFilter, Upload
from pam.store.types import utcnow

router = APIRouter(prefix="/ingest", tags=["ingestion"])


@router.post("/folder", status_code=202, response_model=TaskOut, dependencies=[rate_limited("ingest")])
async def ingest_folder(body: FolderIngestRequest, services: ServicesDep, scope: ScopeDep) -> TaskOut:
    task = await services.ingestion.start_folder(
        scope, body.project, body.path, include=body.include, exclude=body.exclude
    )
    return TaskOut.of(task, utcnow())


@router.post("/upload", status_code=202, response_model=TaskOut, dependencies=[rate_limited("ingest")])
async def ingest_upload(
    services: ServicesDep,
    scope: ScopeDep,
    files: Annotated[list[UploadFile], File(min_length=1, description="one or more files")],
    project: Annotated[str | None, Form(max_length=200)] = None,
) -> TaskOut:
    limit = services.settings.max_upload_bytes
    uploads: list[Upload] = []
    total = 0
    for upload in files:
        data = await upload.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            raise PayloadTooLarge(f"the upload is larger than the limit of {limit // (1024 * 1024)} MiB")
        uploads.append(Upload(upload.filename or "upload", data))
    return TaskOut.of(await services.ingestion.start_upload(scope, project, uploads), utcnow())


@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    services: ServicesDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[TaskStatusFilter | None, Query()] = None,
) -> TaskPage:
    page = await services.ingestion.page(scope, status=status, limit=limit, cursor=cursor)
    now = utcnow()
    return TaskPage(
        items=[TaskOut.of(t, now) for t in page.items], total=page.total or 0, next_cursor=page.next_cursor
    )


@router.get("/tasks/{task_id}", response_model=TaskDetail)
async def get_task(
    task_id: uuid.UUID,
    services: ServicesDep,
    scope: ScopeDep,
    items_limit: Annotated[int, Query(ge=0, le=10_000)] = 500,
) -> TaskDetail:
    return TaskDetail.of_report(
        await services.ingestion.report(scope, task_id, items_limit=items_limit), utcnow()
    )


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut)
async def cancel_task(task_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> TaskOut:
    return TaskOut.of(await services.ingestion.cancel(scope, task_id), utcnow())


@router.get(
    "/tasks/{task_id}/events",
    response_class=StreamingResponse,
    responses=stream_response(
        "TaskStreamEvent",
        "Server-Sent Events: `progress` (the task) on every change, then one `done` (the task with its "
        "errors). Comment lines are heartbeats.",
    ),
)
async def task_events(task_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> StreamingResponse:
    """SSE: `progress` (a task with counters, rate, ETA) on every change, then `done` (the task with its errors)."""
    await services.ingestion.report(scope, task_id, items_limit=0)  # 404 before the stream starts
    return sse_response(_progress_events(services.ingestion, scope, task_id))


async def _progress_events(
    ingestion: IngestionService, scope: AccessScope, task_id: uuid.UUID
) -> AsyncIterator[str]:
    last: str | None = None
    async for step in ingestion.progress(scope, task_id):
        if step.report is not None:
            yield format_event("done", TaskDetail.of_report(step.report, utcnow()).model_dump(mode="json"))
            return
        current = TaskOut.of(step.task, utcnow())
        snapshot = current.model_dump_json(exclude={"elapsed_s", "eta_s", "rate_per_s", "heartbeat_at"})
        if snapshot != last:
            last = snapshot
            yield format_event("progress", current.model_dump(mode="json"))

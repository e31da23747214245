"""Ingestion routes: start a folder or upload task, list and read tasks, stream progress, cancel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import and_, or_, select

from pam.access import Caller
from pam.api.deps import CallerDep, ServicesDep, SessionDep, rate_limited
from pam.api.pagination import decode_cursor, encode_cursor
from pam.api.routes.ingest_schemas import FolderIngestRequest, TaskDetail, TaskItemOut, TaskOut, TaskPage
from pam.api.sse import format_event, sse_response
from pam.errors import PayloadTooLarge
from pam.services import ingestion
from pam.services.container import Services
from pam.services.projects import resolve_project
from pam.store.models import IngestionTask
from pam.store.types import utcnow

router = APIRouter(prefix="/ingest", tags=["ingestion"])
PROGRESS_POLL_S = 0.5


@router.post("/folder", status_code=202, response_model=TaskOut, dependencies=[rate_limited("ingest")])
async def ingest_folder(
    body: FolderIngestRequest, services: ServicesDep, session: SessionDep, caller: CallerDep
) -> TaskOut:
    project = await resolve_project(session, caller, body.project)
    task = await ingestion.create_folder_task(
        session,
        caller,
        project,
        body.path,
        services.settings.ingest_roots,
        include=body.include,
        exclude=body.exclude,
    )
    await session.commit()
    await services.tasks.submit(task.id)
    return TaskOut.of(task, utcnow())


@router.post("/upload", status_code=202, response_model=TaskOut, dependencies=[rate_limited("ingest")])
async def ingest_upload(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    caller: CallerDep,
    files: Annotated[list[UploadFile], File(description="one or more files")],
    project: Annotated[str | None, Form(max_length=200)] = None,
) -> TaskOut:
    limit = services.settings.max_upload_bytes
    uploads: list[ingestion.Upload] = []
    total = 0
    for upload in files:
        data = await upload.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            raise PayloadTooLarge(f"the upload is larger than the limit of {limit // (1024 * 1024)} MiB")
        uploads.append(ingestion.Upload(upload.filename or "upload", data))
    target = await resolve_project(session, caller, project)
    task = await ingestion.create_upload_task(
        session,
        caller,
        target,
        uploads,
        services.settings.data_dir / "uploads",
        max_file_bytes=services.settings.max_file_bytes,
    )
    await session.commit()
    await services.tasks.submit(task.id)
    return TaskOut.of(task, utcnow())


@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    session: SessionDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[
        str | None, Query(pattern="^(pending|running|completed|failed|cancelled|active)$")
    ] = None,
) -> TaskPage:
    query = select(IngestionTask).order_by(IngestionTask.created_at.desc(), IngestionTask.id.desc())
    if not caller.is_admin:
        query = query.where(
            IngestionTask.project_id.in_([p for p, r in caller.roles.items() if r != "viewer"])
        )
    if status == "active":
        query = query.where(IngestionTask.status.in_(("pending", "running")))
    elif status:
        query = query.where(IngestionTask.status == status)
    if cursor:
        moment, last_id = decode_cursor(cursor)
        query = query.where(
            or_(
                IngestionTask.created_at < moment,
                and_(IngestionTask.created_at == moment, IngestionTask.id < last_id),
            )
        )
    tasks = list(await session.scalars(query.limit(limit + 1)))
    now = utcnow()
    next_cursor = (
        encode_cursor(tasks[limit - 1].created_at, tasks[limit - 1].id) if len(tasks) > limit else None
    )
    return TaskPage(items=[TaskOut.of(t, now) for t in tasks[:limit]], next_cursor=next_cursor)


async def _detail(session: SessionDep, caller: Caller, task_id: uuid.UUID, items_limit: int) -> TaskDetail:
    task = await ingestion.readable_task(session, caller, task_id)
    items = await ingestion.task_items(session, task_id, limit=items_limit)
    errors = await ingestion.task_items(session, task_id, limit=1000, only_failed=True)
    skips = await ingestion.task_items(session, task_id, limit=1000, only_not_read=True)
    return TaskDetail(
        **TaskOut.of(task, utcnow()).model_dump(),
        items=[TaskItemOut.of(i) for i in items],
        items_total=await ingestion.count_items(session, task_id),
        errors=[TaskItemOut.of(i) for i in errors],
        skips=[TaskItemOut.of(i) for i in skips],
    )


@router.get("/tasks/{task_id}", response_model=TaskDetail)
async def get_task(
    task_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    items_limit: Annotated[int, Query(ge=0, le=10_000)] = 500,
) -> TaskDetail:
    return await _detail(session, caller, task_id, items_limit)


@router.post("/tasks/{task_id}/cancel", response_model=TaskOut)
async def cancel_task(
    task_id: uuid.UUID, services: ServicesDep, session: SessionDep, caller: CallerDep
) -> TaskOut:
    await ingestion.readable_task(session, caller, task_id)
    task = await services.tasks.cancel(task_id)
    return TaskOut.of(task, utcnow())


@router.get(
    "/tasks/{task_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`progress` events, then one `done`"}
    },
)
async def task_events(
    task_id: uuid.UUID, services: ServicesDep, session: SessionDep, caller: CallerDep
) -> StreamingResponse:
    """SSE: `progress` (a task with counters, rate, ETA) on every change, then `done` (the task with its errors)."""
    await ingestion.readable_task(session, caller, task_id)
    return sse_response(_progress_events(services, caller, task_id))


async def _progress_events(services: Services, caller: Caller, task_id: uuid.UUID) -> AsyncIterator[str]:
    # Its own short sessions: a stream must not hold the request's session open for minutes.
    last: str | None = None
    while True:
        async with services.sessions() as s:
            task = await ingestion.readable_task(s, caller, task_id)
            current = TaskOut.of(task, utcnow())
            if task.status in ("completed", "failed", "cancelled"):
                detail = await _detail(s, caller, task_id, items_limit=0)
                yield format_event("done", detail.model_dump(mode="json"))
                return
        snapshot = current.model_dump_json(exclude={"elapsed_s", "eta_s", "rate_per_s", "heartbeat_at"})
        if snapshot != last:
            last = snapshot
            yield format_event("progress", current.model_dump(mode="json"))
        await asyncio.sleep(PROGRESS_POLL_S)

"""Request and response models of the ingestion routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pam.services.ingestion import TaskReport
from pam.text_patterns import STORABLE

_Glob = Annotated[str, Field(pattern=STORABLE)]


class FolderIngestRequest(BaseModel):
    path: str = Field(
        min_length=1, max_length=4096, pattern=STORABLE, description="a folder under one of PAM_INGEST_ROOTS"
    )
    project: str | None = Field(
        default=None, max_length=200, description="project name; default project if omitted"
    )
    include: list[_Glob] = Field(
        default_factory=list, max_length=50, description="glob patterns, e.g. **/*.md"
    )
    exclude: list[_Glob] = Field(default_factory=list, max_length=50)


class TaskItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    path: str
    stage: str = Field(description="queued | parsing | embedding | indexing | done | skipped | failed")
    document_id: uuid.UUID | None
    segments: int
    error_code: str | None = Field(
        description="why a file failed, or why a skipped file was not read (`unsupported`, `empty`); "
        "null for a file skipped because it is unchanged"
    )
    error: str | None = Field(description="the reason in a sentence (never a server path)")


class TaskOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    kind: str
    target: str = Field(description="the folder path as given, or the uploaded file names")
    status: str
    total: int
    processed: int
    succeeded: int
    skipped: int = Field(
        description="files not ingested on purpose: unchanged, or of a type PAM does not read"
    )
    failed: int = Field(description="files PAM tried to read and could not")
    deleted: int
    segments_created: int
    segments_embedded: int
    rate_per_s: float | None = Field(description="documents processed per second so far")
    eta_s: float | None = Field(description="estimated seconds left while running")
    elapsed_s: float | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    error: str | None
    created_by: str

    @classmethod
    def of(cls, task: Any, now: datetime) -> TaskOut:
        """From a task row as a use case returned it (any object with the task's attributes)."""
        end = task.finished_at or now
        elapsed = (end - task.started_at).total_seconds() if task.started_at else None
        rate = task.processed / elapsed if elapsed and elapsed > 0 and task.processed else None
        eta = None
        if task.status == "running" and rate:
            eta = round(max(task.total - task.processed, 0) / rate, 1)
        return cls(
            id=task.id,
            project_id=task.project_id,
            kind=task.kind,
            target=str(task.params.get("display", "")),
            status=task.status,
            total=task.total,
            processed=task.processed,
            succeeded=task.succeeded,
            skipped=task.skipped,
            failed=task.failed,
            deleted=task.deleted,
            segments_created=task.segments_created,
            segments_embedded=task.segments_embedded,
            rate_per_s=round(rate, 2) if rate else None,
            eta_s=eta,
            elapsed_s=round(elapsed, 2) if elapsed is not None else None,
            created_at=task.created_at,
            started_at=task.started_at,
            finished_at=task.finished_at,
            heartbeat_at=task.heartbeat_at,
            error=task.error,
            created_by=task.created_by,
        )


class TaskDetail(TaskOut):
    items: list[TaskItemOut] = Field(description="per-document rows, by path (first `items_limit`)")
    items_total: int
    errors: list[TaskItemOut] = Field(description="every failed document (up to 1000)")
    skips: list[TaskItemOut] = Field(
        description="every file skipped because PAM does not read it, with the reason (up to 1000); "
        "unchanged files are not listed"
    )

    @classmethod
    def of_report(cls, report: TaskReport, now: datetime) -> TaskDetail:
        return cls(
            **TaskOut.of(report.task, now).model_dump(),
            items=[TaskItemOut.model_validate(i) for i in report.items],
            items_total=report.items_total,
            errors=[TaskItemOut.model_validate(i) for i in report.errors],
            skips=[TaskItemOut.model_validate(i) for i in report.skips],
        )


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int
    next_cursor: str | None


# --- the events of GET /api/ingest/tasks/{task_id}/events ---


class ProgressEvent(BaseModel):
    event: Literal["progress"]
    data: TaskOut


class TaskDoneEvent(BaseModel):
    event: Literal["done"]
    data: TaskDetail


TaskStreamEvent = Annotated[ProgressEvent | TaskDoneEvent, Field(discriminator="event")]

"""Ingestion use cases: start a folder or upload task, list and read tasks, follow progress, cancel.

A task is created and committed before it is handed to the queue (local runner or workers), so a
202 always names a durable task. Tasks are visible to the editors of their project.
"""

from __future__ import annotations

import asyncio
import errno
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, StorageFull
from pam.ingest.dispatch import TaskDispatch
from pam.ingest.roots import display_path, resolve_under_roots
from pam.ingest.sources.upload import safe_filename
from pam.services.projects import DEFAULT_PROJECT
from pam.services.text_input import require_storable_values
from pam.store.keyset import Keyset, Page, keyset_page
from pam.store.models import IngestionTask, Source, TaskItem

FINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
PROGRESS_POLL_S = 0.5
TaskStatusFilter = Literal["pending", "running", "completed", "failed", "cancelled", "active"]


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class TaskReport:
    """A task with its per-document rows (the first `items_limit`, by path), every failure and every
    file skipped with a reason (a type PAM does not read, no text; unchanged files carry no reason)."""

    task: IngestionTask
    items: list[TaskItem]
    items_total: int
    errors: list[TaskItem]
    skips: list[TaskItem]


@dataclass(frozen=True, slots=True)
class Progress:
    """One step of a task's progress stream: a snapshot while it runs, the report once it is final."""

    task: IngestionTask
    report: TaskReport | None = None


class IngestionService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tasks: TaskDispatch,
        *,
        ingest_roots: list[Path],
        uploads_dir: Path,
        max_file_bytes: int,
    ) -> None:
        self._sessions = sessions
        self._tasks = tasks
        self._roots = ingest_roots
        self._uploads_dir = uploads_dir
        self._max_file_bytes = max_file_bytes

    async def start_folder(
        self,
        scope: AccessScope,
        project: str | None,
        path: str,
        *,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> IngestionTask:
        grant = scope.project(project or DEFAULT_PROJECT, "editor")
        folder, root = resolve_under_roots(path, self._roots)
        config: dict[str, object] = {"include": include or [], "exclude": exclude or []}
        require_storable_values(config, "a glob pattern")
        async with self._sessions.begin() as s:
            source = await _source(s, grant.id, "folder", str(folder), folder.name or path, config)
            task = IngestionTask(
                project_id=grant.id,
                source_ref_id=source.id,
                kind="folder",
                # `display` is what clients see: the folder under its root's name, never the absolute
                # path (the task list is shown to every editor, not only to whoever typed the path).
                params={"path": str(folder), "display": display_path(folder, root), **config},
                status="pending",
                created_by=scope.caller.email,
            )
            s.add(task)
        await self._tasks.submit(task.id)
        return task

    async def start_upload(
        self, scope: AccessScope, project: str | None, uploads: list[Upload]
    ) -> IngestionTask:
        grant = scope.project(project or DEFAULT_PROJECT, "editor")
        names = self._check_uploads(uploads)
        folder = self._uploads_dir / str(grant.id)
        await asyncio.to_thread(_write_files, folder, names, uploads)
        async with self._sessions.begin() as s:
            source = await _source(s, grant.id, "upload", "uploads", "Uploads", {})
            task = IngestionTask(
                project_id=grant.id,
                source_ref_id=source.id,
                kind="upload",
                params={"files": names, "display": ", ".join(names)[:500]},
                status="pending",
                created_by=scope.caller.email,
            )
            s.add(task)
        await self._tasks.submit(task.id)
        return task

    async def page(
        self, scope: AccessScope, *, status: TaskStatusFilter | None, limit: int, cursor: str | None
    ) -> Page[IngestionTask]:
        query = select(IngestionTask).where(IngestionTask.project_id.in_(scope.ids("editor")))
        if status == "active":
            query = query.where(IngestionTask.status.in_(("pending", "running")))
        elif status:
            query = query.where(IngestionTask.status == status)
        keyset = Keyset(IngestionTask.created_at, IngestionTask.id, descending=True)
        async with self._sessions() as s:
            return await keyset_page(s, query, keyset, limit=limit, cursor=cursor)

    async def report(
        self, scope: AccessScope, task_id: uuid.UUID, *, items_limit: int, errors_limit: int = 1000
    ) -> TaskReport:
        async with self._sessions() as s:
            return await _report(s, await _readable(s, scope, task_id), items_limit, errors_limit)

    async def cancel(self, scope: AccessScope, task_id: uuid.UUID) -> IngestionTask:
        async with self._sessions() as s:
            await _readable(s, scope, task_id)
        return await self._tasks.cancel(task_id)

    async def wait(self, task_id: uuid.UUID) -> None:
        await self._tasks.wait(task_id)

    async def progress(self, scope: AccessScope, task_id: uuid.UUID) -> AsyncIterator[Progress]:
        """Snapshots until the task is final, then its report. Each read is its own short session:
        a stream that lasts minutes holds no connection between polls."""
        while True:
            async with self._sessions() as s:
                task = await _readable(s, scope, task_id)
                if task.status in FINAL_STATUSES:
                    yield Progress(task, await _report(s, task, items_limit=0))
                    return
            yield Progress(task)
            await asyncio.sleep(PROGRESS_POLL_S)

    def _check_uploads(self, uploads: list[Upload]) -> list[str]:
        if not uploads:
            raise InvalidInput("no files were uploaded")
        names: list[str] = []
        for upload in uploads:
            if len(upload.data) > self._max_file_bytes:
                limit = self._max_file_bytes // (1024 * 1024)
                raise PayloadTooLarge(f"a file is larger than the limit of {limit} MiB")
            names.append(safe_filename(upload.name))
        if len(set(names)) != len(names):
            # Both would be stored under one name, the second replacing the first: refuse the pair.
            raise Conflict("two uploaded files have the same name")
        return names


def _write_files(folder: Path, names: list[str], uploads: list[Upload]) -> None:
    """Every file written whole to a temporary name first, then renamed: a failure (a full disk) leaves
    no partial file behind and replaces none of the files already there."""
    parts = [folder / f".{uuid.uuid4().hex}.part" for _ in names]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for part, upload in zip(parts, uploads, strict=True):
            part.write_bytes(upload.data)
        for part, name in zip(parts, names, strict=True):
            part.replace(folder / name)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull("the server's disk is full: the upload was not stored") from exc
        raise
    finally:
        for part in parts:
            part.unlink(missing_ok=True)


async def _source(
    session: AsyncSession, project_id: uuid.UUID, type_: str, key: str, name: str, config: dict[str, object]
) -> Source:
    source = await session.scalar(
        select(Source).where(Source.project_id == project_id, Source.type == type_, Source.key == key)
    )
    if source is None:
        source = Source(project_id=project_id, type=type_, key=key, name=name, config=config)
        session.add(source)
        await session.flush()
    else:
        source.config = config
    return source


async def _readable(session: AsyncSession, scope: AccessScope, task_id: uuid.UUID) -> IngestionTask:
    task = await session.get(IngestionTask, task_id)
    if task is None or task.project_id not in scope.ids("editor"):
        raise NotFound("task not found")
    return task


async def _report(
    session: AsyncSession, task: IngestionTask, items_limit: int, errors_limit: int = 1000
) -> TaskReport:
    items = select(TaskItem).where(TaskItem.task_id == task.id).order_by(TaskItem.path)
    return TaskReport(
        task=task,
        items=list(await session.scalars(items.limit(items_limit))),
        items_total=int(
            await session.scalar(
                select(func.count()).select_from(TaskItem).where(TaskItem.task_id == task.id)
            )
            or 0
        ),
        errors=list(await session.scalars(items.where(TaskItem.stage == "failed").limit(errors_limit))),
        skips=list(
            await session.scalars(
                items.where(TaskItem.stage == "skipped", TaskItem.error_code.is_not(None)).limit(errors_limit)
            )
        ),
    )

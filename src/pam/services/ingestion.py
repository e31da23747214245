"""Ingestion use cases: register a folder or an upload as a task, read tasks back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.errors import InvalidInput, NotFound, PayloadTooLarge
from pam.ingest.roots import display_path, resolve_under_roots
from pam.ingest.sources.upload import safe_filename
from pam.store.models import IngestionTask, Project, Source, TaskItem


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    data: bytes


async def get_or_create_source(
    session: AsyncSession, project: Project, type_: str, key: str, name: str, config: dict[str, object]
) -> Source:
    source = await session.scalar(
        select(Source).where(Source.project_id == project.id, Source.type == type_, Source.key == key)
    )
    if source is None:
        source = Source(project_id=project.id, type=type_, key=key, name=name, config=config)
        session.add(source)
        await session.flush()
    else:
        source.config = config
    return source


async def create_folder_task(
    session: AsyncSession,
    caller: Caller,
    project: Project,
    path: str,
    ingest_roots: list[Path],
    *,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> IngestionTask:
    caller.require(project.id, "editor")
    folder, root = resolve_under_roots(path, ingest_roots)
    config: dict[str, object] = {"include": include or [], "exclude": exclude or []}
    source = await get_or_create_source(session, project, "folder", str(folder), folder.name or path, config)
    task = IngestionTask(
        project_id=project.id,
        source_ref_id=source.id,
        kind="folder",
        # `display` is what clients see: the folder under its root's name, never the absolute path
        # (the task list is shown to every editor, not only to whoever typed the path).
        params={"path": str(folder), "display": display_path(folder, root), **config},
        status="pending",
        created_by=caller.email,
    )
    session.add(task)
    await session.flush()
    return task


async def create_upload_task(
    session: AsyncSession,
    caller: Caller,
    project: Project,
    uploads: list[Upload],
    uploads_dir: Path,
    *,
    max_file_bytes: int,
) -> IngestionTask:
    caller.require(project.id, "editor")
    if not uploads:
        raise InvalidInput("no files were uploaded")
    names: list[str] = []
    for upload in uploads:
        if len(upload.data) > max_file_bytes:
            raise PayloadTooLarge(f"a file is larger than the limit of {max_file_bytes // (1024 * 1024)} MiB")
        names.append(safe_filename(upload.name))
    if len(set(names)) != len(names):
        raise InvalidInput("two uploaded files have the same name")
    folder = uploads_dir / str(project.id)
    folder.mkdir(parents=True, exist_ok=True)
    for name, upload in zip(names, uploads, strict=True):
        tmp = folder / f".{uuid.uuid4().hex}.part"
        tmp.write_bytes(upload.data)
        tmp.replace(folder / name)
    source = await get_or_create_source(session, project, "upload", "uploads", "Uploads", {})
    task = IngestionTask(
        project_id=project.id,
        source_ref_id=source.id,
        kind="upload",
        params={"files": names, "display": ", ".join(names)[:500]},
        status="pending",
        created_by=caller.email,
    )
    session.add(task)
    await session.flush()
    return task


async def readable_task(session: AsyncSession, caller: Caller, task_id: uuid.UUID) -> IngestionTask:
    task = await session.get(IngestionTask, task_id)
    if task is None or not caller.can(task.project_id, "editor"):
        raise NotFound("task not found")
    return task


async def task_items(
    session: AsyncSession,
    task_id: uuid.UUID,
    *,
    limit: int,
    only_failed: bool = False,
    only_not_read: bool = False,
) -> list[TaskItem]:
    """A task's items by path: all, the failed ones, or the skipped ones that carry a reason
    (files we do not read; skipped without a reason means unchanged)."""
    query = select(TaskItem).where(TaskItem.task_id == task_id)
    if only_failed:
        query = query.where(TaskItem.stage == "failed")
    if only_not_read:
        query = query.where(TaskItem.stage == "skipped", TaskItem.error_code.is_not(None))
    return list(await session.scalars(query.order_by(TaskItem.path).limit(limit)))


async def count_items(session: AsyncSession, task_id: uuid.UUID) -> int:
    return (
        await session.scalar(select(func.count()).select_from(TaskItem).where(TaskItem.task_id == task_id))
        or 0
    )

"""Persistent ingestion tasks run by an in-process runner.

A task is a row first (`pending`), so it survives the process. The runner executes at most
`concurrency` tasks at once, keeps a heartbeat, honours cancel requests, and on start-up
takes over tasks a dead process left `pending` or `running`: they are run again, which is
safe because ingestion is idempotent (unchanged files are skipped, each document commits whole).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from pathlib import Path

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import Conflict, NotFound
from pam.ingest.pipeline import IngestRun, PipelineDeps
from pam.ingest.roots import resolve_under_roots
from pam.ingest.sources.base import SourceConnector
from pam.ingest.sources.folder import FolderSource
from pam.ingest.sources.upload import UploadSource
from pam.store.models import IngestionTask, Source
from pam.store.types import utcnow

log = structlog.get_logger("pam.tasks")
TERMINAL = ("completed", "failed", "cancelled")


class TaskRunner:
    def __init__(
        self,
        deps: PipelineDeps,
        *,
        concurrency: int,
        ingest_roots: list[Path],
        uploads_dir: Path,
        max_file_bytes: int,
    ) -> None:
        self.deps = deps
        self.sessions: async_sessionmaker[AsyncSession] = deps.sessions
        self.ingest_roots = ingest_roots
        self.uploads_dir = uploads_dir
        self.max_file_bytes = max_file_bytes
        self._slots = asyncio.Semaphore(concurrency)
        self._source_locks: dict[uuid.UUID, asyncio.Lock] = {}
        self._running: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._cancel: dict[uuid.UUID, asyncio.Event] = {}
        self._finished: Callable[[uuid.UUID], None] | None = None

    async def resume_interrupted(self) -> int:
        """Take over what a dead process left behind: re-run it (it is idempotent)."""
        async with self.sessions.begin() as s:
            stale = list(
                await s.scalars(select(IngestionTask).where(IngestionTask.status.in_(("pending", "running"))))
            )
            for task in stale:
                task.status = "pending"
                task.error = None
        for task in stale:
            log.info("task_resumed", task_id=str(task.id))
            self.start(task.id)
        return len(stale)

    def start(self, task_id: uuid.UUID) -> None:
        if task_id in self._running:
            return
        self._cancel[task_id] = asyncio.Event()
        job = asyncio.create_task(self._execute(task_id), name=f"ingest-{task_id}")
        self._running[task_id] = job
        job.add_done_callback(lambda _: (self._running.pop(task_id, None), self._cancel.pop(task_id, None)))

    async def wait(self, task_id: uuid.UUID) -> None:
        job = self._running.get(task_id)
        if job is not None:
            await asyncio.shield(job)

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask:
        async with self.sessions.begin() as s:
            task = await s.get(IngestionTask, task_id)
            if task is None:
                raise NotFound("task not found")
            if task.status in TERMINAL:
                raise Conflict(f"the task is already {task.status}")
            task.cancel_requested = True
            if task.status == "pending" and task_id not in self._running:
                task.status = "cancelled"
                task.finished_at = utcnow()
        if (event := self._cancel.get(task_id)) is not None:
            event.set()
        return task

    async def close(self) -> None:
        for job in list(self._running.values()):
            job.cancel()
        for job in list(self._running.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job

    # -- execution ---------------------------------------------------------------------------------

    async def _execute(self, task_id: uuid.UUID) -> None:
        async with self.sessions() as s:
            source_ref = await s.scalar(
                select(IngestionTask.source_ref_id).where(IngestionTask.id == task_id)
            )
        # Two tasks on one source (a double-click, a re-index during a sync) would race on the same
        # documents (duplicate inserts, interleaved diffs): they run one after the other, the waiting
        # one stays `pending` without holding a slot.
        lock = self._source_locks.setdefault(source_ref, asyncio.Lock()) if source_ref else asyncio.Lock()
        async with lock:
            await self._execute_now(task_id)

    async def _execute_now(self, task_id: uuid.UUID) -> None:
        async with self._slots:
            cancelled = self._cancel.get(task_id) or asyncio.Event()
            async with self.sessions.begin() as s:
                task = await s.get(IngestionTask, task_id)
                if task is None or task.status in TERMINAL:
                    return
                if task.cancel_requested:
                    task.status, task.finished_at = "cancelled", utcnow()
                    return
                task.status = "running"
                task.started_at = task.started_at or utcnow()
                task.heartbeat_at = utcnow()
                source = await s.get(Source, task.source_ref_id) if task.source_ref_id else None
                kind, params, created_by = task.kind, dict(task.params), task.created_by
            heartbeat = asyncio.create_task(self._heartbeat(task_id))
            status, error = "completed", None
            try:
                if source is None:
                    raise NotFound("the task's source no longer exists")
                connector = self._connector(kind, params, source)
                force = bool(params.get("force", False))
                await IngestRun(
                    self.deps, task_id, source, connector, cancelled, created_by, force=force
                ).run()
                if cancelled.is_set():
                    status = "cancelled"
            except asyncio.CancelledError:
                # The process is stopping: leave the task to be resumed by the next start.
                heartbeat.cancel()
                raise
            except Exception as exc:
                log.exception("task_failed", task_id=str(task_id))
                status = "failed"
                error = exc.message if hasattr(exc, "message") else "the task failed; see the server log"
            finally:
                heartbeat.cancel()
            async with self.sessions.begin() as s:
                await s.execute(
                    update(IngestionTask)
                    .where(IngestionTask.id == task_id)
                    .values(status=status, error=error, finished_at=utcnow(), heartbeat_at=utcnow())
                )
            log.info("task_finished", task_id=str(task_id), status=status)

    def _connector(self, kind: str, params: dict[str, object], source: Source) -> SourceConnector:
        if kind == "upload":
            names = _strings(params.get("files"))
            return UploadSource(self.uploads_dir / str(source.project_id), names)
        folder, root = resolve_under_roots(str(params["path"]), self.ingest_roots)
        include = _strings(params.get("include"))
        exclude = _strings(params.get("exclude"))
        only = _strings(params["only"]) if "only" in params else None
        return FolderSource(
            folder, root, include=include, exclude=exclude, only=only, max_file_bytes=self.max_file_bytes
        )

    async def _heartbeat(self, task_id: uuid.UUID) -> None:
        while True:
            await asyncio.sleep(5)
            async with self.sessions.begin() as s:
                await s.execute(
                    update(IngestionTask).where(IngestionTask.id == task_id).values(heartbeat_at=utcnow())
                )


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []

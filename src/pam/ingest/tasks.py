"""Persistent ingestion tasks and the runner that executes them.

A task is a row first (`pending`), so it survives the process. The runner executes at most
`concurrency` tasks at once, keeps a heartbeat, honours cancel requests (read from the row, so a
cancel from another process works), and takes over tasks a dead process left `pending` or
`running`: they are run again, which is safe because ingestion is idempotent (unchanged files
are skipped, each document commits whole).

The same runner executes tasks in the server (`start`, the embedded default) and in `pam worker`
(`execute`, called by a queue job). A database outage never fails a task: the run stops, waits
for the database and resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pam.errors import Conflict, NotFound
from pam.ingest.pipeline import IngestRun, PipelineDeps
from pam.ingest.roots import resolve_under_roots
from pam.ingest.source_lock import SourceLocks
from pam.ingest.sources.base import SourceConnector
from pam.ingest.sources.folder import FolderSource
from pam.ingest.sources.only import OnlyItems
from pam.ingest.sources.upload import UploadSource
from pam.store.models import IngestionTask, Source
from pam.store.outage import is_outage, looks_like_full_disk
from pam.store.types import utcnow

log = structlog.get_logger("pam.tasks")
TERMINAL = ("completed", "failed", "cancelled")
HEARTBEAT_S = 5.0  # the task row's heartbeat
QUEUE_BEAT_S = 1.0  # the queue job's: well inside the shortest job heartbeat timeout (3 s)
OUTAGE_BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)
# Called with the task's progress (0..1) on every heartbeat: a queue job uses it to stay alive.
Heartbeat = Callable[[float], Awaitable[None]]


class TaskInterrupted(Exception):
    """The database went away, or its disk filled up, mid-task; the task stays `running` and is resumed."""

    def __init__(self, disk_full: bool = False) -> None:
        super().__init__("disk full" if disk_full else "database unavailable")
        self.disk_full = disk_full


async def _interruption(exc: Exception, engine: AsyncEngine) -> TaskInterrupted | None:
    if looks_like_full_disk(exc):
        return TaskInterrupted(disk_full=True)
    if await is_outage(exc, engine):
        return TaskInterrupted()
    return None


class ConnectorFactory(Protocol):
    """Builds the connector of a registered remote source (Git, GitHub, Drive, website) for one run.

    `stop` is set when the run is cancelled or the process stops: a connector waiting out a rate
    limit wakes up and gives up at once.
    """

    def __call__(self, source: Source, stop: threading.Event) -> SourceConnector: ...


class TaskRunner:
    def __init__(
        self,
        deps: PipelineDeps,
        *,
        concurrency: int,
        ingest_roots: list[Path],
        uploads_dir: Path,
        max_file_bytes: int,
        connectors: ConnectorFactory | None = None,
        settle: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.deps = deps
        self.connectors = connectors
        # This process's search index catching up with what a task wrote (None: no index here). Awaited
        # before a task says "completed", so what it wrote is searchable here once it says so.
        self._settle = settle
        self.sessions: async_sessionmaker[AsyncSession] = deps.sessions
        self.ingest_roots = ingest_roots
        self.uploads_dir = uploads_dir
        self.max_file_bytes = max_file_bytes
        self._slots = asyncio.Semaphore(concurrency)
        self._source_locks = SourceLocks(deps.engine)
        self._running: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._cancel: dict[uuid.UUID, asyncio.Event] = {}
        self._progress: dict[uuid.UUID, float] = {}  # processed / total, as of the last heartbeat

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
        job = asyncio.create_task(self.execute(task_id), name=f"ingest-{task_id}")
        self._running[task_id] = job
        job.add_done_callback(lambda _: (self._running.pop(task_id, None), self._cancel.pop(task_id, None)))

    async def wait(self, task_id: uuid.UUID) -> None:
        job = self._running.get(task_id)
        if job is not None:
            await asyncio.shield(job)

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask:
        task = await request_cancel(self.sessions, task_id, started=task_id in self._running)
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

    async def execute(self, task_id: uuid.UUID, heartbeat: Heartbeat | None = None) -> None:
        """Run one task until it has a final status, waiting out database outages.

        `heartbeat` is called every second for the whole call, outages included: a queue job
        that keeps beating is not taken for dead and handed to another worker.
        """
        self._cancel.setdefault(task_id, asyncio.Event())
        beating = asyncio.create_task(self._beat(task_id, heartbeat)) if heartbeat is not None else None
        try:
            for attempt in itertools.count():
                try:
                    await self._execute(task_id)
                    return
                except TaskInterrupted as stop:
                    delay = OUTAGE_BACKOFF_S[min(attempt, len(OUTAGE_BACKOFF_S) - 1)]
                    if stop.disk_full:
                        # Nothing of the document being written was stored; every document before it is.
                        log.error(
                            "task_waiting_for_disk_space",
                            task_id=str(task_id),
                            retry_in_s=delay,
                            message="the data dir's disk is full: ingestion resumes when space is freed",
                        )
                    else:
                        log.warning("task_waiting_for_database", task_id=str(task_id), retry_in_s=delay)
                    await asyncio.sleep(delay)
        finally:
            if beating is not None:
                beating.cancel()
            self._progress.pop(task_id, None)
            if task_id not in self._running:
                self._cancel.pop(task_id, None)

    async def _execute(self, task_id: uuid.UUID) -> None:
        try:
            async with self.sessions() as s:
                source_ref = await s.scalar(
                    select(IngestionTask.source_ref_id).where(IngestionTask.id == task_id)
                )
            # Two tasks on one source (a double-click, a re-index during a sync, a worker and a CLI run)
            # would race on the same documents: they run one after the other, the waiting one stays
            # `pending` without holding a slot.
            if source_ref is None:
                await self._execute_now(task_id)
                return
            async with self._source_locks.hold(source_ref):
                await self._execute_now(task_id)
        except TaskInterrupted:
            raise
        except Exception as exc:
            if (interrupted := await _interruption(exc, self.deps.engine)) is not None:
                raise interrupted from exc
            raise

    async def _execute_now(self, task_id: uuid.UUID) -> None:
        async with self._slots:
            cancelled = self._cancel.setdefault(task_id, asyncio.Event())
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
            beating = asyncio.create_task(self._heartbeat(task_id))
            stop = threading.Event()
            stopper = asyncio.create_task(_set_when(cancelled, stop))
            status, error = "completed", None
            run: IngestRun | None = None
            connector: SourceConnector | None = None
            try:
                if source is None:
                    raise NotFound("the task's source no longer exists")
                connector = self._connector(kind, params, source, stop)
                force = bool(params.get("force", False))
                # A remote source lists what changed since its last complete sync, unless asked for all.
                cursor = None if force or params.get("full") or "only" in params else source.sync_state
                run = IngestRun(
                    self.deps, task_id, source, connector, cancelled, created_by, force=force, cursor=cursor
                )
                await run.run()
                if cancelled.is_set():
                    status = "cancelled"
                await self._settled(task_id)
            except asyncio.CancelledError:
                # The process is stopping: leave the task to be resumed by the next start.
                stop.set()
                beating.cancel()
                raise
            except Exception as exc:
                if (interrupted := await _interruption(exc, self.deps.engine)) is not None:
                    raise interrupted from exc
                log.exception("task_failed", task_id=str(task_id), error_type=type(exc).__name__)
                status = "failed"
                error = exc.message if hasattr(exc, "message") else "the task failed; see the server log"
            finally:
                beating.cancel()
                stopper.cancel()
                if connector is not None:
                    await asyncio.to_thread(_close, connector)
            async with self.sessions.begin() as s:
                task = await s.get(IngestionTask, task_id)
                if task is not None:
                    task.status, task.error = status, error
                    task.finished_at = task.heartbeat_at = utcnow()
                    if source is not None and kind in SYNC_KINDS:
                        await _record_sync(s, source.id, task, run, params)
            log.info("task_finished", task_id=str(task_id), status=status)

    def _connector(
        self, kind: str, params: dict[str, object], source: Source, stop: threading.Event
    ) -> SourceConnector:
        if kind == "sync":
            if self.connectors is None:
                raise NotFound("this process cannot sync remote sources")
            remote = self.connectors(source, stop)
            return OnlyItems(remote, _strings(params["only"])) if "only" in params else remote
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

    async def _settled(self, task_id: uuid.UUID) -> None:
        if self._settle is None:
            return
        try:
            await self._settle()
        except Exception:
            # The writes are committed; the index follower applies them later. Not the task's failure.
            log.exception("index_settle_failed", task_id=str(task_id))

    async def _heartbeat(self, task_id: uuid.UUID) -> None:
        """The row's heartbeat (how other processes tell a live task from an orphan) and cancel requests."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            try:
                async with self.sessions.begin() as s:
                    task = await s.get(IngestionTask, task_id)
                    if task is None:
                        return
                    task.heartbeat_at = utcnow()
                    self._progress[task_id] = task.processed / task.total if task.total else 0.0
                    if task.cancel_requested and (event := self._cancel.get(task_id)) is not None:
                        event.set()
            except Exception:
                # An outage: the run itself notices and waits; the heartbeat just tries again.
                log.warning("task_heartbeat_failed", task_id=str(task_id))

    async def _beat(self, task_id: uuid.UUID, hook: Heartbeat) -> None:
        while True:
            with contextlib.suppress(Exception):  # the queue being away must not stop the task
                await hook(self._progress.get(task_id, 0.0))
            await asyncio.sleep(QUEUE_BEAT_S)


async def request_cancel(
    sessions: async_sessionmaker[AsyncSession], task_id: uuid.UUID, *, started: bool
) -> IngestionTask:
    """Ask a task to stop: at once if nothing runs it yet, else at its next check (any process)."""
    async with sessions.begin() as s:
        # Locked: a runner flips `pending` to `running` in its own transaction, never in between.
        task = await s.get(IngestionTask, task_id, with_for_update=True)
        if task is None:
            raise NotFound("task not found")
        if task.status in TERMINAL:
            raise Conflict(f"the task is already {task.status}")
        task.cancel_requested = True
        if task.status == "pending" and not started:
            task.status = "cancelled"
            task.finished_at = utcnow()
    return task


SYNC_KINDS = ("folder", "sync")


async def _record_sync(
    session: AsyncSession,
    source_id: uuid.UUID,
    task: IngestionTask,
    run: IngestRun | None,
    params: dict[str, Any],
) -> None:
    """The source's last sync (what the Sources page shows) and, after a complete one, its new cursor."""
    source = await session.get(Source, source_id)
    if source is None or "only" in params:
        return  # re-indexing a few documents is not a sync of the source
    source.last_sync_at = task.finished_at
    source.last_sync_status = task.status
    source.last_sync_summary = {
        "task_id": str(task.id),
        **{name: getattr(task, name) for name in _SUMMARY},
        "error": task.error,
    }
    if task.status == "completed" and run is not None and run.fetch_failures == 0:
        # Items that could not be fetched are listed again next time: the cursor stays behind them.
        source.sync_state = run.next_cursor


_SUMMARY = ("total", "succeeded", "skipped", "failed", "deleted", "segments_created", "segments_embedded")


async def _set_when(event: asyncio.Event, flag: threading.Event) -> None:
    await event.wait()
    flag.set()


def _close(connector: SourceConnector) -> None:
    try:
        connector.close()
    except Exception:
        log.warning("connector_close_failed", connector=connector.type)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []

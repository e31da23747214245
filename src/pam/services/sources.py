"""Sources as first-class objects: register, list, read, change, remove, and sync them.

A source belongs to one project; the project's editors manage it. Its config is validated by its
connector's model and stored as JSON; its credentials are sealed (`pam.connectors.credentials`)
into one column that no read path returns. Every method is one unit of work that commits before
it returns; a sync's task is handed to the queue after its commit.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.connectors.configs import CONFIGS, CREDENTIALS
from pam.connectors.credentials import CredentialBox
from pam.errors import Conflict, InvalidInput, NotFound
from pam.ingest.dispatch import TaskDispatch
from pam.ingest.roots import display_path, resolve_under_roots
from pam.ingest.table_sink import TableSink
from pam.ingest.writer import mark_deleted
from pam.services.projects import DEFAULT_PROJECT
from pam.services.schedules import parse_schedule
from pam.services.source_tasks import ACTIVE, active_task, sync_task
from pam.services.text_input import require_storable, require_storable_values
from pam.store.models import Document, IngestionTask, Source
from pam.store.types import utcnow

CREATABLE = ("git", "github", "google_drive", "website", "folder")
PATCHABLE = frozenset({"name", "schedule", "paused", "config", "credentials"})
DELETE_BATCH = 200


@dataclass(frozen=True, slots=True)
class SourceSpec:
    type: str
    name: str
    project: str | None = None
    config: Mapping[str, Any] | None = None
    credentials: Mapping[str, Any] | None = None
    schedule: str | None = None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class SourceView:
    """A source as its editors see it: never its credentials, only whether it has some."""

    source: Source
    project: str
    documents: int
    active_task: IngestionTask | None

    @property
    def has_credentials(self) -> bool:
        return bool(self.source.credentials)


class SourceService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tasks: TaskDispatch,
        box: CredentialBox,
        *,
        ingest_roots: list[Path],
        connectors_dir: Path,
        sync_index: Callable[[], Awaitable[int]],
        tables: TableSink | None = None,
    ) -> None:
        self._sessions = sessions
        self._tasks = tasks
        self._box = box
        self._roots = ingest_roots
        self._connectors_dir = connectors_dir
        self._sync_index = sync_index
        self._tables = tables

    # -- reading -----------------------------------------------------------------------------------

    async def list(self, scope: AccessScope, project: str | None = None) -> list[SourceView]:
        projects = scope.ids("editor")
        if project is not None:
            grant = scope.find(project)
            projects = projects & {grant.id} if grant is not None else frozenset()
        async with self._sessions() as s:
            sources = list(
                await s.scalars(
                    select(Source).where(Source.project_id.in_(projects)).order_by(Source.name, Source.id)
                )
            )
            return [await self._view(s, scope, source) for source in sources]

    async def get(self, scope: AccessScope, source_id: uuid.UUID) -> SourceView:
        async with self._sessions() as s:
            return await self._view(s, scope, await _manageable(s, scope, source_id))

    async def find(self, scope: AccessScope, name_or_id: str, project: str | None = None) -> SourceView:
        """By id, or by name among the caller's sources (narrowed to `project`): for the CLI."""
        try:
            return await self.get(scope, uuid.UUID(name_or_id))
        except ValueError:
            pass
        found = [v for v in await self.list(scope, project) if v.source.name == name_or_id]
        if not found:
            raise NotFound(f"no source named {name_or_id!r}")
        if len(found) > 1:
            raise InvalidInput(f"several projects have a source named {name_or_id!r}: give --project")
        return found[0]

    # -- changing ----------------------------------------------------------------------------------

    async def create(self, scope: AccessScope, spec: SourceSpec, *, sync: bool = False) -> SourceView:
        grant = scope.project(spec.project or DEFAULT_PROJECT, "editor")
        if spec.type not in CREATABLE:
            raise InvalidInput(f"a source's type is one of {', '.join(CREATABLE)}")
        require_storable(spec.name, "a source's name")
        config = _validated(CONFIGS[spec.type], spec.config or {}, "config")
        require_storable_values(config, "a source's config")
        key = self._key(spec.type, config)
        sealed = self._seal(spec.type, spec.credentials)
        now = utcnow()
        # Bad input is reported as such before any conflict with what is stored.
        parse_schedule(spec.schedule or "", anchor=now)
        async with self._sessions.begin() as s:
            await _name_is_free(s, grant.id, spec.name)
            taken = await s.scalar(
                select(Source.name).where(
                    Source.project_id == grant.id, Source.type == spec.type, Source.key == key
                )
            )
            if taken is not None:
                raise Conflict(f"the project already has this {spec.type} source, named {taken!r}")
            source = Source(
                project_id=grant.id,
                type=spec.type,
                name=spec.name,
                key=key,
                config=config,
                credentials=sealed,
                schedule=None,
                paused=spec.paused,
                created_by=scope.caller.email,
            )
            self._set_schedule(source, spec.schedule, now)
            s.add(source)
            await s.flush()
            task = sync_task(source, created_by=scope.caller.email) if sync else None
            if task is not None:
                s.add(task)
            view = await self._view(s, scope, source, task)
        if task is not None:
            await self._tasks.submit(task.id)
        return view

    async def update(
        self, scope: AccessScope, source_id: uuid.UUID, changes: Mapping[str, Any]
    ) -> SourceView:
        unknown = set(changes) - PATCHABLE
        if unknown:
            raise InvalidInput(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
        async with self._sessions.begin() as s:
            source = await _manageable(s, scope, source_id)
            if "name" in changes and changes["name"] != source.name:
                require_storable(str(changes["name"]), "a source's name")
                await _name_is_free(s, source.project_id, str(changes["name"]))
                source.name = str(changes["name"])
            # A change that is well formed but does not fit this source (its kind, its place) is a
            # conflict with what the source is; a change that is not well formed is invalid input.
            if "config" in changes:
                if source.type not in CONFIGS or source.type == "folder":
                    raise Conflict(f"a {source.type} source's settings cannot be changed: add another source")
                config = _for_kind(CONFIGS, source.type, changes["config"] or {}, "config")
                require_storable_values(config, "a source's config")
                if self._key(source.type, config) != source.key:
                    raise Conflict("the place a source reads from cannot change: add another source")
                source.config = config
            if "credentials" in changes:
                if changes["credentials"] and source.type not in CREDENTIALS:
                    raise Conflict(f"a {source.type} source takes no credentials")
                source.credentials = self._seal(source.type, changes["credentials"])
            if "paused" in changes:
                source.paused = bool(changes["paused"])
            if "schedule" in changes:
                self._set_schedule(source, changes["schedule"], utcnow())
            source.updated_at = utcnow()
            await s.flush()
            return await self._view(s, scope, source)

    async def delete(self, scope: AccessScope, source_id: uuid.UUID) -> None:
        """The source, its documents (out of search) and its local copy; unfinished syncs are cancelled."""
        async with self._sessions.begin() as s:
            source = await _manageable(s, scope, source_id)
            for task in await s.scalars(
                select(IngestionTask).where(
                    IngestionTask.source_ref_id == source.id, IngestionTask.status.in_(ACTIVE)
                )
            ):
                task.cancel_requested = True
                if task.status == "pending":
                    task.status, task.finished_at = "cancelled", utcnow()
        dropped: list[tuple[uuid.UUID, uuid.UUID, str]] = []
        while True:
            async with self._sessions.begin() as s:
                docs = list(
                    await s.scalars(
                        select(Document)
                        .where(Document.registered_source_id == source_id, Document.status != "deleted")
                        .limit(DELETE_BATCH)
                    )
                )
                for doc in docs:
                    await mark_deleted(s, doc, task_id=None, triggered_by=scope.caller.email, when=utcnow())
                    dropped.append((doc.project_id, doc.id, doc.source_id))
            if len(docs) < DELETE_BATCH:
                break
        async with self._sessions.begin() as s:
            source = await _manageable(s, scope, source_id)
            await s.delete(source)
        await self._sync_index()
        if self._tables is not None:
            for project_id, document_id, name in dropped:
                await self._tables.document_deleted(project_id, document_id, name)
        await asyncio.to_thread(shutil.rmtree, self._connectors_dir / str(source_id), True)

    async def sync(self, scope: AccessScope, source_id: uuid.UUID, *, full: bool = False) -> IngestionTask:
        """Start a sync now, or hand back the one already under way (never two at once)."""
        async with self._sessions.begin() as s:
            source = await _manageable(s, scope, source_id)
            running = await active_task(s, source.id)
            if running is not None:
                return running
            task = sync_task(source, created_by=scope.caller.email, full=full)
            s.add(task)
        await self._tasks.submit(task.id)
        return task

    async def rotate_credentials(self) -> int:
        """Re-encrypt every stored credential with the first configured key (after a key change)."""
        async with self._sessions.begin() as s:
            sources = list(await s.scalars(select(Source).where(Source.credentials.is_not(None))))
            for source in sources:
                assert source.credentials is not None
                source.credentials = self._box.rotate(source.credentials)
        return len(sources)

    # -- helpers -----------------------------------------------------------------------------------

    def _seal(self, kind: str, credentials: Mapping[str, Any] | None) -> str | None:
        if not credentials:
            return None
        if kind not in CREDENTIALS:
            raise InvalidInput(f"a {kind} source takes no credentials")
        values = _for_kind(CREDENTIALS, kind, credentials, "credentials")
        return self._box.seal({k: str(v) for k, v in values.items() if v is not None})

    def _set_schedule(self, source: Source, expression: str | None, now: datetime) -> None:
        schedule = parse_schedule(expression or "", anchor=now)
        source.schedule = schedule.expression if schedule is not None else None
        source.next_sync_at = schedule.next_after(now) if schedule is not None else None

    def _key(self, kind: str, config: dict[str, Any]) -> str:
        """What identifies the place (one source per place and project); never a secret."""
        if kind == "folder":
            folder, root = resolve_under_roots(str(config["path"]), self._roots)
            config["path"] = str(folder)
            config["display"] = display_path(folder, root)
            return str(folder)
        if kind == "git":
            return f"{config['url']}#{config.get('branch') or ''}"
        if kind == "github":
            return f"{config['api_url']}/{config['repository']}"
        if kind == "google_drive":
            place = (
                f"folder:{config['folder_id']}" if config.get("folder_id") else f"drive:{config['drive_id']}"
            )
            return f"{config.get('api_url') or 'google'}/{place}"
        return str(config["start_url"])

    async def _view(
        self, s: AsyncSession, scope: AccessScope, source: Source, task: IngestionTask | None = None
    ) -> SourceView:
        documents = await s.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.registered_source_id == source.id, Document.status == "active")
        )
        return SourceView(
            source=source,
            project=scope.names().get(source.project_id, ""),
            documents=int(documents or 0),
            active_task=task or await active_task(s, source.id),
        )


async def _manageable(session: AsyncSession, scope: AccessScope, source_id: uuid.UUID) -> Source:
    source = await session.get(Source, source_id)
    if source is None or source.project_id not in scope.ids():
        raise NotFound("source not found")
    scope.require(source.project_id, "editor")
    return source


async def _name_is_free(session: AsyncSession, project_id: uuid.UUID, name: str) -> None:
    if not name.strip():
        raise InvalidInput("a source needs a name")
    taken = await session.scalar(
        select(Source.id).where(Source.project_id == project_id, Source.name == name)
    )
    if taken is not None:
        raise Conflict(f"the project already has a source named {name!r}")


def _for_kind(
    models: Mapping[str, type[BaseModel]], kind: str, values: Mapping[str, Any], what: str
) -> dict[str, Any]:
    """`values` validated as the `what` of a `kind` source; a conflict when they are another kind's."""
    try:
        return _validated(models[kind], values, what)
    except InvalidInput:
        other = next((k for k, model in models.items() if k != kind and _fits(model, values)), None)
        if other is not None:
            raise Conflict(f"this is a {kind} source; that {what} is a {other} source's") from None
        raise


def _fits(model: type[BaseModel], values: Mapping[str, Any]) -> bool:
    try:
        model.model_validate(dict(values))
    except ValidationError:
        return False
    return True


def _validated(model: type[BaseModel], values: Mapping[str, Any], what: str) -> dict[str, Any]:
    try:
        return model.model_validate(dict(values)).model_dump(mode="json")
    except ValidationError as exc:
        # Locations and messages only: a value (a token) is never repeated back.
        parts = [
            f"{what}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else f"{what}: {e['msg']}"
            for e in exc.errors()[:5]
        ]
        raise InvalidInput("; ".join(parts)) from None

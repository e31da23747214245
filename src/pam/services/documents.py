"""Documents: list (keyset pages with totals), read with segments, delete, re-index; a segment with neighbours.

Every method is one unit of work that commits before it returns; what follows a commit (the index
catching up, tables dropped, a task handed to the queue) happens after it, never inside.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.errors import NotFound
from pam.ingest.dispatch import TaskDispatch
from pam.ingest.parsers import default_parsers
from pam.ingest.sources.originals import read_original
from pam.ingest.table_sink import TableSink
from pam.ingest.writer import mark_deleted
from pam.store.keyset import Keyset, Page, keyset_page
from pam.store.models import Document, IngestionTask, Segment, Source
from pam.store.types import utcnow

DocumentSort = Literal["-created_at", "-updated_at", "title"]
OCTET_STREAM = "application/octet-stream"
_KEYSETS = {
    "-created_at": Keyset(Document.created_at, Document.id, descending=True),
    "-updated_at": Keyset(Document.updated_at, Document.id, descending=True),
    "title": Keyset(Document.title, Document.id, descending=False),
}


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    q: str | None = None
    project: str | None = None
    source_type: str | None = None
    status: Literal["active", "error", "deleted", "all"] = "active"
    sort: DocumentSort = "-created_at"
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class OriginalsConfig:
    """Where original files are read back from: the upload folders and the allowed ingestion roots."""

    uploads_dir: Path
    ingest_roots: list[Path]
    max_file_bytes: int


def original_media_types() -> tuple[str, ...]:
    """Every type an original is served as: what the parsers record, and octet-stream for anything else."""
    return (*default_parsers().mime_types(), OCTET_STREAM)


@dataclass(frozen=True, slots=True)
class DocumentWithSegments:
    document: Document
    segments: list[Segment]
    next_segment_cursor: int | None


@dataclass(frozen=True, slots=True)
class Original:
    """A document's original file, as its source holds it now."""

    filename: str
    media_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class SegmentInContext:
    segment: Segment
    document: Document
    before: list[Segment]
    after: list[Segment]


class DocumentService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        tasks: TaskDispatch,
        sync_index: Callable[[], Awaitable[int]],
        tables: TableSink | None = None,
        originals: OriginalsConfig | None = None,
    ) -> None:
        self._sessions = sessions
        self._tasks = tasks
        self._sync_index = sync_index
        self._tables = tables
        self._originals = originals
        self._original_types = frozenset(original_media_types())

    async def page(self, scope: AccessScope, params: DocumentQuery) -> Page[Document]:
        # A project the caller cannot read narrows to nothing, exactly like one that does not exist.
        projects = scope.narrowed([params.project] if params.project is not None else None)
        async with self._sessions() as s:
            return await keyset_page(
                s,
                _filtered(select(Document), projects.ids(), params),
                _KEYSETS[params.sort],
                limit=params.limit,
                cursor=params.cursor,
            )

    async def get(
        self, scope: AccessScope, document_id: uuid.UUID, *, segments_after: int, segments_limit: int
    ) -> DocumentWithSegments:
        async with self._sessions() as s:
            doc = await _readable(s, scope, document_id)
            segments = list(
                await s.scalars(
                    select(Segment)
                    .where(Segment.document_id == doc.id, Segment.position > segments_after)
                    .order_by(Segment.position)
                    .limit(segments_limit + 1)
                )
            )
        more = len(segments) > segments_limit
        segments = segments[:segments_limit]
        return DocumentWithSegments(doc, segments, segments[-1].position if more and segments else None)

    async def original(self, scope: AccessScope, document_id: uuid.UUID) -> Original:
        """The original file of a folder or upload document (404 for remote ones: they link to their URL)."""
        async with self._sessions() as s:
            doc = await _readable(s, scope, document_id)
            source = await s.get(Source, doc.registered_source_id)
        if doc.status == "deleted" or source is None or self._originals is None:
            raise NotFound("the original file is no longer available")
        config = self._originals
        data = await asyncio.to_thread(
            read_original,
            source.type,
            source.key,
            doc.source_id,
            config.uploads_dir / str(doc.project_id),
            config.ingest_roots,
            max_file_bytes=config.max_file_bytes,
        )
        # A type recorded by another version, or by no parser, is not promised to clients: plain bytes.
        media_type = doc.mime_type if doc.mime_type in self._original_types else OCTET_STREAM
        return Original(PurePosixPath(doc.source_id).name or doc.title, media_type, data)

    async def delete(self, scope: AccessScope, document_id: uuid.UUID) -> None:
        async with self._sessions.begin() as s:
            doc = await _readable(s, scope, document_id)
            scope.require(doc.project_id, "editor")
            if doc.status != "deleted":
                await mark_deleted(s, doc, task_id=None, triggered_by=scope.caller.email, when=utcnow())
        await self._sync_index()
        if self._tables is not None:
            await self._tables.document_deleted(doc.project_id, doc.id, doc.source_id)

    async def reindex(self, scope: AccessScope, document_id: uuid.UUID) -> IngestionTask:
        async with self._sessions.begin() as s:
            doc = await _readable(s, scope, document_id)
            scope.require(doc.project_id, "editor")
            source = await s.get(Source, doc.registered_source_id)
            if source is None:
                raise NotFound("the document's source no longer exists")
            if source.type == "upload":
                params: dict[str, object] = {"files": [doc.source_id], "force": True, "display": doc.title}
            else:
                params = {"path": source.key, "only": [doc.source_id], "force": True, "display": doc.uri}
            task = IngestionTask(
                project_id=doc.project_id,
                source_ref_id=source.id,
                kind=source.type,
                params=params,
                status="pending",
                created_by=scope.caller.email,
            )
            s.add(task)
        await self._tasks.submit(task.id)
        return task

    async def segment(self, scope: AccessScope, segment_id: uuid.UUID, around: int = 2) -> SegmentInContext:
        async with self._sessions() as s:
            seg = await s.get(Segment, segment_id)
            if seg is None or seg.project_id not in scope.ids():
                raise NotFound("segment not found")
            doc = await s.get(Document, seg.document_id)
            if doc is None or doc.status == "deleted":
                raise NotFound("segment not found")
            neighbours = select(Segment).where(Segment.document_id == doc.id)
            before = await s.scalars(
                neighbours.where(Segment.position < seg.position)
                .order_by(Segment.position.desc())
                .limit(around)
            )
            after = await s.scalars(
                neighbours.where(Segment.position > seg.position).order_by(Segment.position).limit(around)
            )
            return SegmentInContext(seg, doc, list(reversed(list(before))), list(after))


async def _readable(session: AsyncSession, scope: AccessScope, document_id: uuid.UUID) -> Document:
    doc = await session.get(Document, document_id)
    if doc is None or doc.project_id not in scope.ids():
        raise NotFound("document not found")
    return doc


def _filtered(query: Select[Any], projects: frozenset[uuid.UUID], params: DocumentQuery) -> Select[Any]:
    query = query.where(Document.project_id.in_(projects))
    if params.status != "all":
        query = query.where(Document.status == params.status)
    if params.source_type:
        query = query.where(Document.source_type == params.source_type)
    if params.q:
        escaped = params.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Document.title).like(f"%{escaped.lower()}%", escape="\\"))
    return query

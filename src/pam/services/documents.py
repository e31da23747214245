"""Documents: list with keyset pagination and totals, read with segments, delete, re-index; segments with neighbours."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.errors import InvalidInput, NotFound
from pam.ingest.writer import mark_deleted
from pam.store.models import Document, IngestionTask, Project, Segment, Source
from pam.store.types import utcnow

DocumentSort = Literal["-created_at", "-updated_at", "title"]
_SORT_COLUMNS = {
    "-created_at": Document.created_at,
    "-updated_at": Document.updated_at,
    "title": Document.title,
}


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    q: str | None = None
    projects: list[uuid.UUID] | None = None
    source_type: str | None = None
    status: Literal["active", "error", "deleted", "all"] = "active"
    sort: DocumentSort = "-created_at"
    limit: int = 50
    cursor: str | None = None


def _encode(value: Any, item_id: uuid.UUID) -> str:
    raw = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, str(item_id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: DocumentSort) -> tuple[Any, uuid.UUID]:
    from datetime import datetime

    try:
        value, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return (value if sort == "title" else datetime.fromisoformat(value)), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("invalid cursor") from exc


async def readable_projects(session: AsyncSession, caller: Caller) -> list[uuid.UUID]:
    return caller.readable(list(await session.scalars(select(Project.id))))


def _filtered(query: Select[Any], caller_projects: list[uuid.UUID], params: DocumentQuery) -> Select[Any]:
    projects = (
        caller_projects if params.projects is None else [p for p in params.projects if p in caller_projects]
    )
    query = query.where(Document.project_id.in_(projects))
    if params.status != "all":
        query = query.where(Document.status == params.status)
    if params.source_type:
        query = query.where(Document.source_type == params.source_type)
    if params.q:
        escaped = params.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Document.title).like(f"%{escaped.lower()}%", escape="\\"))
    return query


async def list_documents(
    session: AsyncSession, caller: Caller, params: DocumentQuery
) -> tuple[list[Document], int, str | None]:
    projects = await readable_projects(session, caller)
    total = await session.scalar(_filtered(select(func.count(Document.id)), projects, params)) or 0
    column = _SORT_COLUMNS[params.sort]
    descending = params.sort.startswith("-")
    query = _filtered(select(Document), projects, params)
    if params.cursor:
        value, last_id = _decode(params.cursor, params.sort)
        if descending:
            query = query.where(or_(column < value, and_(column == value, Document.id < last_id)))
        else:
            query = query.where(or_(column > value, and_(column == value, Document.id > last_id)))
    order = (column.desc(), Document.id.desc()) if descending else (column.asc(), Document.id.asc())
    rows = list(await session.scalars(query.order_by(*order).limit(params.limit + 1)))
    next_cursor = None
    if len(rows) > params.limit:
        last = rows[params.limit - 1]
        next_cursor = _encode(getattr(last, column.key), last.id)
    return rows[: params.limit], total, next_cursor


async def readable_document(session: AsyncSession, caller: Caller, document_id: uuid.UUID) -> Document:
    doc = await session.get(Document, document_id)
    if doc is None or not caller.can(doc.project_id, "viewer"):
        raise NotFound("document not found")
    return doc


async def document_segments(
    session: AsyncSession, document_id: uuid.UUID, *, after_position: int, limit: int
) -> list[Segment]:
    return list(
        await session.scalars(
            select(Segment)
            .where(Segment.document_id == document_id, Segment.position > after_position)
            .order_by(Segment.position)
            .limit(limit)
        )
    )


async def delete_document(session: AsyncSession, caller: Caller, document_id: uuid.UUID) -> Document:
    doc = await readable_document(session, caller, document_id)
    caller.require(doc.project_id, "editor")
    if doc.status != "deleted":
        await mark_deleted(session, doc, task_id=None, triggered_by=caller.email, when=utcnow())
    return doc


async def reindex_task(session: AsyncSession, caller: Caller, document_id: uuid.UUID) -> IngestionTask:
    doc = await readable_document(session, caller, document_id)
    caller.require(doc.project_id, "editor")
    source = await session.get(Source, doc.registered_source_id)
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
        created_by=caller.email,
    )
    session.add(task)
    await session.flush()
    return task


async def segment_with_neighbours(
    session: AsyncSession, caller: Caller, segment_id: uuid.UUID, around: int = 2
) -> tuple[Segment, Document, list[Segment], list[Segment]]:
    seg = await session.get(Segment, segment_id)
    if seg is None or not caller.can(seg.project_id, "viewer"):
        raise NotFound("segment not found")
    doc = await session.get(Document, seg.document_id)
    if doc is None or doc.status == "deleted":
        raise NotFound("segment not found")
    before = list(
        await session.scalars(
            select(Segment)
            .where(Segment.document_id == doc.id, Segment.position < seg.position)
            .order_by(Segment.position.desc())
            .limit(around)
        )
    )
    after = list(
        await session.scalars(
            select(Segment)
            .where(Segment.document_id == doc.id, Segment.position > seg.position)
            .order_by(Segment.position)
            .limit(around)
        )
    )
    return seg, doc, list(reversed(before)), after

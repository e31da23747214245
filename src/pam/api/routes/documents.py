"""Documents and segments: list (cursor pages with totals), read, delete, re-index; segment with neighbours."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from pam.api.deps import CallerDep, ServicesDep, SessionDep
from pam.api.routes.ingest_schemas import TaskOut
from pam.data.sync import CatalogSink
from pam.services import documents
from pam.services.projects import project_by_name
from pam.store.models import Document, Segment
from pam.store.types import utcnow

router = APIRouter(tags=["documents"])


class DocumentOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    uri: str
    source_type: str
    mime_type: str
    size_bytes: int
    status: str
    error: str | None
    segment_count: int
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    modified_at: datetime | None

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls(
            id=d.id,
            project_id=d.project_id,
            title=d.title,
            uri=d.uri,
            source_type=d.source_type,
            mime_type=d.mime_type,
            size_bytes=d.size_bytes,
            status=d.status,
            error=d.error,
            segment_count=d.segment_count,
            tags=list(d.tags or []),
            created_at=d.created_at,
            updated_at=d.updated_at,
            modified_at=d.modified_at,
        )


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    next_cursor: str | None


class SegmentOut(BaseModel):
    id: uuid.UUID
    position: int
    content: str
    section_path: str
    segment_type: str
    page: int | None
    char_start: int
    char_end: int
    token_count: int

    @classmethod
    def of(cls, s: Segment) -> SegmentOut:
        return cls(
            id=s.id,
            position=s.position,
            content=s.content,
            section_path=s.section_path,
            segment_type=s.segment_type,
            page=s.page,
            char_start=s.char_start,
            char_end=s.char_end,
            token_count=s.token_count,
        )


class DocumentDetail(DocumentOut):
    segments: list[SegmentOut]
    next_segment_cursor: int | None


class SegmentDetail(SegmentOut):
    document_id: uuid.UUID
    title: str
    uri: str
    previous: list[SegmentOut]
    next: list[SegmentOut]


@router.get("/documents", response_model=DocumentPage)
async def list_documents(
    session: SessionDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the title")] = None,
    project: Annotated[str | None, Query(max_length=200)] = None,
    source_type: Annotated[Literal["folder", "upload"] | None, Query()] = None,
    status: Annotated[Literal["active", "error", "deleted", "all"], Query()] = "active",
    sort: Annotated[Literal["-created_at", "-updated_at", "title"], Query()] = "-created_at",
) -> DocumentPage:
    projects = None
    if project is not None:
        found = await project_by_name(session, project)
        projects = [found.id] if found is not None else []
    items, total, next_cursor = await documents.list_documents(
        session,
        caller,
        documents.DocumentQuery(q or None, projects, source_type, status, sort, limit, cursor),
    )
    return DocumentPage(items=[DocumentOut.of(d) for d in items], total=total, next_cursor=next_cursor)


@router.get("/documents/{document_id}", response_model=DocumentDetail)
async def get_document(
    document_id: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    segments_limit: Annotated[int, Query(ge=0, le=500)] = 50,
    segments_after: Annotated[int, Query(ge=-1, description="position of the last segment seen")] = -1,
) -> DocumentDetail:
    doc = await documents.readable_document(session, caller, document_id)
    segs = await documents.document_segments(
        session, doc.id, after_position=segments_after, limit=segments_limit + 1
    )
    more = len(segs) > segments_limit
    segs = segs[:segments_limit]
    return DocumentDetail(
        **DocumentOut.of(doc).model_dump(),
        segments=[SegmentOut.of(s) for s in segs],
        next_segment_cursor=segs[-1].position if more and segs else None,
    )


@router.delete("/documents/{document_id}", status_code=204, response_class=Response)
async def delete_document(
    document_id: uuid.UUID, services: ServicesDep, session: SessionDep, caller: CallerDep
) -> Response:
    doc = await documents.delete_document(session, caller, document_id)
    await session.commit()
    await services.sync_index()
    await CatalogSink(services.data).document_deleted(doc.project_id, doc.id, doc.source_id)
    return Response(status_code=204)


@router.post("/documents/{document_id}/reindex", status_code=202, response_model=TaskOut)
async def reindex_document(
    document_id: uuid.UUID, services: ServicesDep, session: SessionDep, caller: CallerDep
) -> TaskOut:
    task = await documents.reindex_task(session, caller, document_id)
    await session.commit()
    await services.tasks.submit(task.id)
    return TaskOut.of(task, utcnow())


@router.get("/segments/{segment_id}", response_model=SegmentDetail)
async def get_segment(segment_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> SegmentDetail:
    seg, doc, before, after = await documents.segment_with_neighbours(session, caller, segment_id)
    return SegmentDetail(
        **SegmentOut.of(seg).model_dump(),
        document_id=doc.id,
        title=doc.title,
        uri=doc.uri,
        previous=[SegmentOut.of(s) for s in before],
        next=[SegmentOut.of(s) for s in after],
    )

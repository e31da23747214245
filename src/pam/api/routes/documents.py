"""Documents and segments: list (cursor pages with totals), read, delete, re-index; segment with neighbours."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, field_validator

from pam.api.deps import ScopeDep, ServicesDep
from pam.api.routes.ingest_schemas import TaskOut
from pam.api.schemas import SourceType
from pam.services.documents import DocumentQuery, original_media_types
from pam.store.types import utcnow

router = APIRouter(tags=["documents"])
# Segment positions are 64-bit integers in the database; a larger cursor cannot name one.
MAX_POSITION = 2**63 - 1
# An original is its file's bytes; a JSON file is any JSON value (clients parse it as such).
_BYTES: dict[str, Any] = {"type": "string", "format": "binary"}
_FILE: dict[str, dict[str, Any]] = {"application/json": {}}


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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

    @field_validator("tags", mode="before")
    @classmethod
    def _no_tags(cls, value: object) -> object:
        return [] if value is None else value


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    next_cursor: str | None


class SegmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    content: str
    section_path: str
    segment_type: str
    page: int | None
    char_start: int
    char_end: int
    token_count: int


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
    services: ServicesDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the title")] = None,
    project: Annotated[str | None, Query(max_length=200)] = None,
    source_type: Annotated[SourceType | None, Query()] = None,
    status: Annotated[Literal["active", "error", "deleted", "all"], Query()] = "active",
    sort: Annotated[Literal["-created_at", "-updated_at", "title"], Query()] = "-created_at",
) -> DocumentPage:
    page = await services.documents.page(
        scope, DocumentQuery(q or None, project, source_type, status, sort, limit, cursor)
    )
    return DocumentPage(
        items=[DocumentOut.model_validate(d) for d in page.items],
        total=page.total or 0,
        next_cursor=page.next_cursor,
    )


@router.get("/documents/{document_id}", response_model=DocumentDetail)
async def get_document(
    document_id: uuid.UUID,
    services: ServicesDep,
    scope: ScopeDep,
    segments_limit: Annotated[int, Query(ge=0, le=500)] = 50,
    segments_after: Annotated[
        int, Query(ge=-1, le=MAX_POSITION, description="position of the last segment seen")
    ] = -1,
) -> DocumentDetail:
    found = await services.documents.get(
        scope, document_id, segments_after=segments_after, segments_limit=segments_limit
    )
    return DocumentDetail(
        **DocumentOut.model_validate(found.document).model_dump(),
        segments=[SegmentOut.model_validate(s) for s in found.segments],
        next_segment_cursor=found.next_segment_cursor,
    )


@router.get(
    "/documents/{document_id}/original",
    response_class=Response,
    responses={
        200: {
            "content": {t: {"schema": _FILE.get(t, _BYTES)} for t in original_media_types()},
            "description": "the document's original file (folder and upload sources), as an attachment, "
            "with the type its parser recorded",
        }
    },
)
async def get_original(document_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> Response:
    original = await services.documents.original(scope, document_id)
    return Response(
        content=original.data,
        media_type=original.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(original.filename, safe='')}",
            "X-Content-Type-Options": "nosniff",
            # An HTML or SVG original must never run as a page of this origin.
            "Content-Security-Policy": "sandbox",
        },
    )


@router.delete("/documents/{document_id}", status_code=204, response_class=Response)
async def delete_document(document_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> Response:
    await services.documents.delete(scope, document_id)
    return Response(status_code=204)


@router.post("/documents/{document_id}/reindex", status_code=202, response_model=TaskOut)
async def reindex_document(document_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> TaskOut:
    return TaskOut.of(await services.documents.reindex(scope, document_id), utcnow())


@router.get("/segments/{segment_id}", response_model=SegmentDetail)
async def get_segment(segment_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> SegmentDetail:
    found = await services.documents.segment(scope, segment_id)
    return SegmentDetail(
        **SegmentOut.model_validate(found.segment).model_dump(),
        document_id=found.document.id,
        title=found.document.title,
        uri=found.document.uri,
        previous=[SegmentOut.model_validate(s) for s in found.before],
        next=[SegmentOut.model_validate(s) for s in found.after],
    )

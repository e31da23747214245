"""`POST /api/search`: hybrid, keyword or vector search over what the caller may read."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pam.api.deps import ScopeDep, ServicesDep, rate_limited
from pam.api.schemas import DateTimeIn, SourceType
from pam.json_types import IntIn
from pam.search.query_text import MAX_QUERY_CHARS
from pam.services.search_scope import RequestedFilters

router = APIRouter(tags=["search"])


class SearchFiltersIn(BaseModel):
    projects: list[str] | None = Field(default=None, max_length=50, description="project names")
    source_types: list[SourceType] | None = None
    sources: list[str] | None = Field(
        default=None, max_length=50, description="registered source ids or names"
    )
    path_prefix: str | None = Field(default=None, max_length=1000)
    tags: list[str] | None = Field(default=None, max_length=50)
    updated_after: DateTimeIn | None = None
    updated_before: DateTimeIn | None = None


class SearchRequest(BaseModel):
    query: str = Field(max_length=MAX_QUERY_CHARS)
    mode: Literal["hybrid", "keyword", "vector"] = "hybrid"
    k: IntIn = Field(default=10, ge=1, le=100)
    filters: SearchFiltersIn = Field(default_factory=SearchFiltersIn)


class SearchHitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    segment_id: uuid.UUID
    document_id: uuid.UUID
    title: str
    uri: str
    source_type: str
    section_path: str
    segment_type: str
    page: int | None
    score: float
    snippet: str = Field(description="HTML-escaped excerpt; matched words wrapped in <mark>")


class SearchResponse(BaseModel):
    query: str
    mode: str
    results: list[SearchHitOut]
    took_ms: float
    cached: bool


@router.post("/search", response_model=SearchResponse, dependencies=[rate_limited("search")])
async def search(body: SearchRequest, services: ServicesDep, scope: ScopeDep) -> SearchResponse:
    f = body.filters
    requested = RequestedFilters(
        projects=f.projects,
        source_types=f.source_types,
        sources=f.sources,
        path_prefix=f.path_prefix,
        tags=f.tags,
        updated_after=f.updated_after,
        updated_before=f.updated_before,
    )
    result = await services.search.search(scope, body.query, requested, mode=body.mode, k=body.k)
    return SearchResponse(
        query=result.query,
        mode=result.mode,
        results=[SearchHitOut.model_validate(h) for h in result.hits],
        took_ms=result.took_ms,
        cached=result.cached,
    )

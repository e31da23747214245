"""What a search returns: ranked hits hydrated from the database, and the result they make up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SearchMode = Literal["hybrid", "keyword", "vector"]


@dataclass(frozen=True, slots=True)
class SearchHit:
    segment_id: uuid.UUID
    document_id: uuid.UUID
    project_id: uuid.UUID
    title: str
    uri: str
    source_type: str
    section_path: str
    segment_type: str
    page: int | None
    position: int
    score: float
    # Cosine between the query and the segment embeddings (None in keyword mode): an absolute
    # relevance signal, where fused scores only order.
    similarity: float | None
    snippet: str
    content: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    mode: SearchMode
    hits: list[SearchHit]
    generation: int
    took_ms: float
    cached: bool = False

"""Hybrid search: keyword and vector candidates, fused by RRF, hydrated from the database, cached.

Filters (the caller's projects always among them) go *into* both candidate searches, so a
project the caller cannot read never crowds the candidates, and nothing is filtered after
truncation. Ids are hydrated from the database: the answer holds only what it has.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.embed.base import Embedder
from pam.errors import InvalidInput
from pam.search.cache import ResultCache, SearchCache
from pam.search.filters import SearchFilters
from pam.search.fusion import rrf_fuse
from pam.search.index import SearchIndex
from pam.search.query_text import normalize_query
from pam.search.reranker import Reranker
from pam.search.results import SearchHit, SearchMode, SearchResult
from pam.store.models import Document, Segment


class QueryExpander(Protocol):
    """Adds to a query what it means in the caller's projects (the glossary's other names for a term)."""

    async def expand(self, text: str, project_ids: Sequence[uuid.UUID]) -> str: ...


@dataclass(frozen=True, slots=True)
class QueryVector:
    """A query's embedding and the model that made it: an index compares it only with that model's."""

    model: str
    values: npt.NDArray[np.float32]


class SearchService:
    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder | Callable[[str | None], Embedder | None],
        sessions: async_sessionmaker[AsyncSession],
        *,
        rrf_k: int,
        candidates: int,
        cache_size: int = 1024,
        cache: SearchCache | None = None,
        reranker: Reranker | None = None,
        expander: QueryExpander | None = None,
    ) -> None:
        """`embedder`: the query embedder, or a lookup of the embedder for the model the index serves.

        `cache` (e.g. a shared Redis cache) wins; without one, an in-process LRU of `cache_size`.
        """
        self.index = index
        self._embedder_for: Callable[[str | None], Embedder | None] | None = None
        self._fixed: Embedder | None = None
        if callable(embedder):
            self._embedder_for = embedder
        else:
            self._fixed = embedder
        self.sessions = sessions
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.reranker = reranker
        self.expander = expander
        self.cache: SearchCache = cache if cache is not None else ResultCache[SearchResult](cache_size)

    async def search(
        self, query: str, filters: SearchFilters, *, mode: SearchMode = "hybrid", k: int = 10
    ) -> SearchResult:
        """`filters.project_ids` must already be the caller's readable projects (never None here)."""
        if filters.project_ids is None:
            raise InvalidInput("a search must be scoped to projects")
        started = time.perf_counter()
        text = normalize_query(query)
        if self.expander is not None and text and not filters.matches_nothing():
            # Before the cache key: the expanded text is the key, so a glossary edit is never stale.
            projects = [uuid.UUID(p) for p in sorted(filters.project_ids)]
            text = await self.expander.expand(text, projects)
        generation = self.index.generation
        model = self.index.vector_model
        key = (text, filters, k, mode, generation, model)
        if (cached := await self.cache.get(key)) is not None:
            return replace(cached, cached=True, took_ms=round((time.perf_counter() - started) * 1000, 2))
        hits: list[SearchHit] = []
        if text and not filters.matches_nothing():
            query_vector = await self._query_vector(text, mode, model)
            ranked = await self._candidates(text, filters, mode, k, query_vector)
            hits = await self._hydrate(text, ranked, k, query_vector)
            if self.reranker is not None and hits:
                hits = await asyncio.to_thread(self.reranker.rerank, text, hits)
        result = SearchResult(
            text, mode, hits[:k], generation, round((time.perf_counter() - started) * 1000, 2)
        )
        await self.cache.put(key, result)
        return result

    def embedder_for(self, model: str | None) -> Embedder | None:
        """The embedder whose vectors are `model`'s (None: this process cannot embed for it)."""
        if self._fixed is not None:
            return self._fixed
        assert self._embedder_for is not None
        return self._embedder_for(model)

    async def _query_vector(self, text: str, mode: SearchMode, model: str | None) -> QueryVector | None:
        if mode == "keyword" or model is None:
            return None
        embedder = self.embedder_for(model)
        if embedder is None:
            return None  # the served model's embedder is not here: keyword candidates only
        return QueryVector(model, await asyncio.to_thread(embedder.embed_query, text))

    async def rank(
        self,
        text: str,
        filters: SearchFilters,
        mode: SearchMode,
        depth: int,
        query: QueryVector | None = None,
    ) -> list[tuple[str, float]]:
        """Fused segment ids and scores, best first, without hydration (evaluation uses this)."""
        keyword: list[tuple[str, float]] = []
        vector: list[tuple[str, float]] = []
        if mode in ("hybrid", "keyword"):
            keyword = await self.index.keyword(text, filters, max(depth, self.candidates))
        if mode in ("hybrid", "vector"):
            if query is None:
                query = await self._query_vector(text, mode, self.index.vector_model)
            if query is not None:
                vector = await self.index.vector(
                    query.values, filters, max(depth, self.candidates), model=query.model
                )
        if mode == "keyword":
            return keyword[:depth]
        if mode == "vector":
            return vector[:depth]
        return rrf_fuse([[i for i, _ in keyword], [i for i, _ in vector]], k=self.rrf_k, limit=depth)

    async def _candidates(
        self,
        text: str,
        filters: SearchFilters,
        mode: SearchMode,
        k: int,
        query: QueryVector | None,
    ) -> list[tuple[str, float]]:
        # Twice k: a few ids may be gone from the database by the time they are hydrated.
        depth = max(self.reranker.depth, k) if self.reranker is not None else k * 2
        return await self.rank(text, filters, mode, depth, query)

    async def _hydrate(
        self,
        text: str,
        ranked: Sequence[tuple[str, float]],
        k: int,
        query: QueryVector | None,
    ) -> list[SearchHit]:
        wanted = ranked[: max(k * 2, self.reranker.depth if self.reranker else 0)]
        ids = [uuid.UUID(i) for i, _ in wanted]
        if not ids:
            return []
        async with self.sessions() as s:
            rows = (
                await s.execute(
                    select(Segment, Document.title, Document.uri, Document.source_type, Document.updated_at)
                    .join(Document, Document.id == Segment.document_id)
                    .where(Segment.id.in_(ids), Document.status == "active")
                )
            ).all()
        by_id = {row[0].id: row for row in rows}
        hits = []
        for raw_id, score in wanted:
            row = by_id.get(uuid.UUID(raw_id))
            if row is None:  # gone from the database since the index saw it
                continue
            seg, title, uri, source_type, updated_at = row
            similarity = None
            if (
                query is not None
                and seg.embedding is not None
                and seg.embedding_model == query.model
                and len(seg.embedding) == 4 * query.values.size
            ):
                similarity = round(float(np.frombuffer(seg.embedding, dtype="<f4") @ query.values), 4)
            hits.append(
                SearchHit(
                    segment_id=seg.id,
                    document_id=seg.document_id,
                    project_id=seg.project_id,
                    title=title,
                    uri=uri,
                    source_type=source_type,
                    section_path=seg.section_path,
                    segment_type=seg.segment_type,
                    page=seg.page,
                    position=seg.position,
                    score=round(float(score), 6),
                    similarity=similarity,
                    snippet=self.index.snippet(text, seg.content),
                    content=seg.content,
                    updated_at=updated_at,
                )
            )
        return hits

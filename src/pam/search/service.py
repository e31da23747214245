"""Hybrid search: keyword and vector candidates, fused by RRF, hydrated from the database, cached.

Filters (the caller's projects always among them) go *into* both candidate searches, so a
project the caller cannot read never crowds the candidates, and nothing is filtered after
truncation. Ids are hydrated from the database: the answer holds only what it has.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace

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


class SearchService:
    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rrf_k: int,
        candidates: int,
        cache_size: int = 1024,
        cache: SearchCache | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        """`cache` (e.g. a shared Redis cache) wins; without one, an in-process LRU of `cache_size`."""
        self.index = index
        self.embedder = embedder
        self.sessions = sessions
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.reranker = reranker
        self.cache: SearchCache = cache if cache is not None else ResultCache[SearchResult](cache_size)

    async def search(
        self, query: str, filters: SearchFilters, *, mode: SearchMode = "hybrid", k: int = 10
    ) -> SearchResult:
        """`filters.project_ids` must already be the caller's readable projects (never None here)."""
        if filters.project_ids is None:
            raise InvalidInput("a search must be scoped to projects")
        started = time.perf_counter()
        text = normalize_query(query)
        generation = self.index.generation
        key = (text, filters, k, mode, generation)
        if (cached := await self.cache.get(key)) is not None:
            return replace(cached, cached=True, took_ms=round((time.perf_counter() - started) * 1000, 2))
        hits: list[SearchHit] = []
        if text and not filters.matches_nothing():
            query_vector = None
            if mode in ("hybrid", "vector"):
                query_vector = await asyncio.to_thread(self.embedder.embed_query, text)
            ranked = await self._candidates(text, filters, mode, k, query_vector)
            hits = await self._hydrate(text, ranked, k, query_vector)
            if self.reranker is not None and hits:
                hits = await asyncio.to_thread(self.reranker.rerank, text, hits)
        result = SearchResult(
            text, mode, hits[:k], generation, round((time.perf_counter() - started) * 1000, 2)
        )
        await self.cache.put(key, result)
        return result

    async def rank(
        self,
        text: str,
        filters: SearchFilters,
        mode: SearchMode,
        depth: int,
        query_vector: npt.NDArray[np.float32] | None = None,
    ) -> list[tuple[str, float]]:
        """Fused segment ids and scores, best first, without hydration (evaluation uses this)."""
        keyword: list[tuple[str, float]] = []
        vector: list[tuple[str, float]] = []
        if mode in ("hybrid", "keyword"):
            keyword = await self.index.keyword(text, filters, max(depth, self.candidates))
        if mode in ("hybrid", "vector"):
            if query_vector is None:
                query_vector = await asyncio.to_thread(self.embedder.embed_query, text)
            vector = await self.index.vector(query_vector, filters, max(depth, self.candidates))
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
        query_vector: npt.NDArray[np.float32] | None,
    ) -> list[tuple[str, float]]:
        # Twice k: a few ids may be gone from the database by the time they are hydrated.
        depth = max(self.reranker.depth, k) if self.reranker is not None else k * 2
        return await self.rank(text, filters, mode, depth, query_vector)

    async def _hydrate(
        self,
        text: str,
        ranked: Sequence[tuple[str, float]],
        k: int,
        query_vector: npt.NDArray[np.float32] | None,
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
                query_vector is not None
                and seg.embedding is not None
                and len(seg.embedding) == 4 * query_vector.size
            ):
                similarity = round(float(np.frombuffer(seg.embedding, dtype="<f4") @ query_vector), 4)
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

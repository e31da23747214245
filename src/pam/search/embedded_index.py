"""`EmbeddedIndex`: tantivy BM25 on disk plus an exact in-memory vector matrix, fed from the outbox.

The database is authoritative. Ingestion commits segments and an outbox row together; this
index applies outbox rows after the commit, never before, and records the last applied seq
with its own commit. After a crash it replays from that seq: replay is idempotent because a
document is re-read whole from the database (delete it, add its current segments).

The vector matrix lives in memory: it is loaded from the database at start (at the outbox seq
read in the same snapshot) and then follows the outbox like the keyword index. It holds vectors of
one embedding model, the active one (`feed.active_space`); when another model becomes active, a new
matrix is loaded while the old one keeps answering, then replaces it in one assignment.

Only one process can hold tantivy's writer lock. A process that cannot get it (a CLI command
beside a running server) leaves keyword updates to the holder and only reloads its reader.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import Conflict
from pam.health import ComponentStatus
from pam.search import feed, pg_outbox
from pam.search.filters import SearchFilters
from pam.search.index import Hits, IndexSize
from pam.search.keyword_tantivy import IndexWriterBusy, TantivyKeywordIndex
from pam.search.vector_matrix import VectorMatrix
from pam.store.types import utcnow

log = structlog.get_logger("pam.index")
OUTBOX_PAGE = 500
STALE_AFTER_S = 60


class EmbeddedIndex:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], index_dir: Path, dim: int) -> None:
        """`dim` is the vectors' length until the database names an active model (then its own)."""
        self.sessions = sessions
        self.dim = dim
        self.keyword_index = self._open_keyword(index_dir / "keyword")
        self.space: feed.VectorSpace | None = None
        self.vectors = VectorMatrix(dim)
        self._vector_seq = 0
        self._lock = asyncio.Lock()
        self._keyword_writable = True
        # On PostgreSQL several writers commit out of seq order: read the outbox the gap-aware way.
        self._gaps = pg_outbox.GapWatch() if sessions.kw["bind"].dialect.name == "postgresql" else None

    @staticmethod
    def _open_keyword(path: Path) -> TantivyKeywordIndex:
        try:
            return TantivyKeywordIndex(path)
        except Conflict:
            # Built by another version (analyzer, format): the database holds everything, so start
            # empty and let `sync()` replay the outbox from the beginning.
            log.warning("keyword_index_rebuilt", reason="built with other settings")
            shutil.rmtree(path, ignore_errors=True)
            return TantivyKeywordIndex(path)

    @property
    def generation(self) -> int:
        return min(self.keyword_index.applied_seq(), self._vector_seq)

    @property
    def vector_model(self) -> str | None:
        return None if self.space is None else self.space.model

    async def start(self) -> None:
        self.space, self.vectors, self._vector_seq = await self._load_vectors()
        log.info("vector_matrix_loaded", segments=len(self.vectors), seq=self._vector_seq)
        await self.sync()

    async def _load_vectors(self) -> tuple[feed.VectorSpace | None, VectorMatrix, int]:
        async with self.sessions() as s, s.begin():
            # One read transaction: the model, the seq and the rows come from the same snapshot.
            space = await feed.active_space(s)
            seq = await feed.max_seq(s)
            batches = await feed.all_segments(s, space)
        matrix = VectorMatrix(space.dim if space is not None else self.dim)
        for batch in batches:
            self._upsert(matrix, batch)
        return space, matrix, seq

    @staticmethod
    def _upsert(matrix: VectorMatrix, batch: feed.SegmentBatch) -> None:
        segments, vectors = batch.with_vectors()
        if segments:
            matrix.upsert([x.segment_id for x in segments], vectors, [x.meta for x in segments])

    async def _follow_model(self) -> None:
        """Another model became active: load its vectors beside the old ones, then swap them in."""
        async with self.sessions() as s:
            space = await feed.active_space(s)
        if space == self.space:
            return
        loaded, matrix, _ = await self._load_vectors()
        # The outbox is replayed from the old matrix's seq: documents are re-read whole, so what the
        # new matrix already holds is applied again harmlessly.
        self.space, self.vectors = loaded, matrix
        log.info(
            "vector_model_switched", model=None if loaded is None else loaded.model, segments=len(matrix)
        )

    async def sync(self) -> int:
        async with self._lock:
            await self._follow_model()
            while True:
                after = min(self.keyword_index.applied_seq(), self._vector_seq)
                async with self.sessions() as s:
                    if self._gaps is not None:
                        page = await pg_outbox.next_page(s, self.sessions, after, OUTBOX_PAGE, self._gaps)
                        doc_ids, last = page.document_ids, page.applied_to
                    else:
                        doc_ids, last = await feed.changed_documents(s, after, OUTBOX_PAGE)
                    if last <= after:
                        break
                    batch = await feed.segments_of(s, doc_ids, self.space)
                ids = [str(d) for d in doc_ids]
                if self.keyword_index.applied_seq() < last:
                    await asyncio.to_thread(self._apply_keyword, ids, batch, last)
                if self._vector_seq < last:
                    self.vectors.delete_documents(ids)
                    self._upsert(self.vectors, batch)
                    self._vector_seq = last
                if not self._keyword_writable:
                    break
            if not self._keyword_writable:
                await asyncio.to_thread(self.keyword_index.reload_reader)
            return self.generation

    def _apply_keyword(self, doc_ids: list[str], batch: feed.SegmentBatch, last: int) -> None:
        try:
            self.keyword_index.delete_documents(doc_ids)
            self.keyword_index.upsert(batch.segments)
            self.keyword_index.commit(last)
            self._keyword_writable = True
        except IndexWriterBusy:
            # Another process holds the writer lock: it applies the outbox; we only read.
            self._keyword_writable = False
        except Exception:
            self.keyword_index.rollback()
            raise

    async def keyword(self, query: str, filters: SearchFilters, limit: int) -> Hits:
        return await asyncio.to_thread(self.keyword_index.search, query, filters, limit)

    async def vector(
        self,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        model: str | None = None,
    ) -> Hits:
        if self.space is None or (model is not None and model != self.space.model):
            return []  # never compare a query vector with another model's vectors
        return self.vectors.search(query_vector, filters, limit)

    def snippet(self, query: str, text: str, max_chars: int = 240) -> str:
        return self.keyword_index.snippet(query, text, max_chars)

    async def size(self) -> IndexSize:
        return IndexSize(segments=len(self.vectors), vector_bytes=self.vectors.nbytes)

    async def health(self) -> ComponentStatus:
        started = time.perf_counter()
        async with self.sessions() as s:
            latest = await feed.max_seq(s)
            oldest = await feed.oldest_pending(s, self.generation)
        lag = latest - self.generation
        # Being a moment behind is normal (updates are applied in groups); staying behind is not.
        stuck = oldest is not None and (utcnow() - oldest).total_seconds() > STALE_AFTER_S
        return ComponentStatus(
            status="degraded" if stuck else "ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            detail=f"{len(self.vectors)} segments; generation {self.generation}"
            + (f", {lag} behind" if lag > 0 else ""),
        )

    async def close(self) -> None:
        await asyncio.to_thread(self.keyword_index.close)

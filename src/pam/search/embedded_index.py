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
import contextlib
import shutil
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import Conflict, Unavailable
from pam.health import ComponentStatus
from pam.search import feed, pg_outbox, vector_store
from pam.search.filters import SearchFilters
from pam.search.index import Hits, IndexSize
from pam.search.keyword_tantivy import IndexWriterBusy, TantivyKeywordIndex
from pam.search.vector_graph import HnswSettings
from pam.search.vector_matrix import VectorMatrix
from pam.store.types import utcnow

log = structlog.get_logger("pam.index")
OUTBOX_PAGE = 500
STALE_AFTER_S = 60
CATCH_UP_RETRY_S = 5.0
CATCH_UP_WAIT_S = 5.0  # how long a starting server waits for its replica before answering "catching up"
SAVE_EVERY_S = 300.0  # the vector snapshot on disk is at most this old (plus the outbox replayed on start)
DEFAULT_ANN = HnswSettings()


class EmbeddedIndex:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        index_dir: Path,
        dim: int,
        *,
        ann: HnswSettings | None = DEFAULT_ANN,
        save_every_s: float = SAVE_EVERY_S,
    ) -> None:
        """`dim` is the vectors' length until the database names an active model (then its own)."""
        self.sessions = sessions
        self.dim = dim
        self.ann = ann
        self.keyword_index = self._open_keyword(index_dir / "keyword")
        self.vector_dir = index_dir / "vectors"
        self.space: feed.VectorSpace | None = None
        self.vectors = VectorMatrix(dim, ann)
        self._vector_seq = 0
        self._lock = asyncio.Lock()
        self._keyword_writable = True
        # On PostgreSQL several writers commit out of seq order: read the outbox the gap-aware way.
        self._gaps = pg_outbox.GapWatch() if sessions.kw["bind"].dialect.name == "postgresql" else None
        self._save_every_s = save_every_s
        self._saved_at = time.monotonic()
        self._saved_seq = -1
        self._caught_up = asyncio.Event()
        self._catch_up: asyncio.Task[None] | None = None

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

    def applied_seqs(self) -> dict[str, int]:
        return {"keyword": self.keyword_index.applied_seq(), "vector": self._vector_seq}

    @property
    def vector_model(self) -> str | None:
        return None if self.space is None else self.space.model

    @property
    def caught_up(self) -> bool:
        return self._caught_up.is_set()

    async def start(self, *, background: bool = False) -> None:
        """Load the vectors (from the local snapshot when it is this model's) and catch up with the outbox.

        `background`: return at once and catch up in a task; until it is done, searches answer 503 and
        `health()` says "catching up" (a new replica joining from an empty disk).
        """
        if background:
            self._catch_up = asyncio.create_task(self._start_until_done(), name="index-catch-up")
            # A small index is ready in a moment: answer from the first request rather than with 503s.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._caught_up.wait()), timeout=CATCH_UP_WAIT_S)
            return
        await self._start()

    async def _start_until_done(self) -> None:
        while True:
            try:
                await self._start()
                return
            except Exception:  # the database away at start: try again, health says catching up meanwhile
                log.exception("index_catch_up_failed")
                await asyncio.sleep(CATCH_UP_RETRY_S)

    async def _start(self) -> None:
        started = time.perf_counter()
        async with self._lock:  # a sync started meanwhile (the follower) waits for the loaded state
            self.space, self.vectors, self._vector_seq = await self._load_vectors()
        log.info("vector_matrix_loaded", segments=len(self.vectors), seq=self._vector_seq)
        await self.sync()
        self._caught_up.set()
        log.info(
            "index_caught_up", generation=self.generation, seconds=round(time.perf_counter() - started, 1)
        )
        await self.save()

    async def _load_vectors(self) -> tuple[feed.VectorSpace | None, VectorMatrix, int]:
        async with self.sessions() as s:
            space = await feed.active_space(s)
        if space is not None:
            saved = await asyncio.to_thread(
                vector_store.load, self.vector_dir, space.model, space.dim, self.ann
            )
            if saved is not None:
                self._saved_seq = saved.seq
                return space, saved.matrix, saved.seq  # the outbox is replayed from its seq
        async with self.sessions() as s, s.begin():
            # One read transaction: the model, the seq and the rows come from the same snapshot.
            space = await feed.active_space(s)
            seq = await feed.max_seq(s)
            batches = await feed.all_segments(s, space)
        matrix = VectorMatrix(space.dim if space is not None else self.dim, self.ann)
        for batch in batches:
            await asyncio.to_thread(self._upsert, matrix, batch)
        return space, matrix, seq

    @staticmethod
    def _upsert(matrix: VectorMatrix, batch: feed.SegmentBatch) -> None:
        segments, vectors = batch.with_vectors()
        if segments:
            matrix.upsert([x.segment_id for x in segments], vectors, [x.meta for x in segments])

    @staticmethod
    def _replace(matrix: VectorMatrix, doc_ids: list[str], batch: feed.SegmentBatch) -> None:
        segments, vectors = batch.with_vectors()
        matrix.replace_documents(
            doc_ids, [x.segment_id for x in segments], vectors, [x.meta for x in segments]
        )

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

    async def save(self) -> None:
        """Write the vectors (and their graph) to disk if they changed, so a restart loads them."""
        async with self._lock:
            space, seq = self.space, self._vector_seq
            # A process sharing another's index directory (it holds tantivy's writer) leaves saving to it.
            if space is None or seq == self._saved_seq or not self._keyword_writable:
                return
            await asyncio.to_thread(vector_store.save, self.vector_dir, self.vectors, space.model, seq)
            self._saved_seq, self._saved_at = seq, time.monotonic()

    def _require_caught_up(self) -> None:
        if not self._caught_up.is_set() and self._catch_up is not None:
            raise Unavailable("The search index on this server is still catching up.", retry_after=5)

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
                    await asyncio.to_thread(self._replace, self.vectors, ids, batch)
                    self._vector_seq = last
                if not self._keyword_writable:
                    break
            if not self._keyword_writable:
                await asyncio.to_thread(self.keyword_index.reload_reader)
            generation = self.generation
        if self._caught_up.is_set() and time.monotonic() - self._saved_at > self._save_every_s:
            await self.save()
        return generation

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
        self._require_caught_up()
        return await asyncio.to_thread(self.keyword_index.search, query, filters, limit)

    async def vector(
        self,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        model: str | None = None,
    ) -> Hits:
        self._require_caught_up()
        if self.space is None or (model is not None and model != self.space.model):
            return []  # never compare a query vector with another model's vectors
        return await asyncio.to_thread(self.vectors.search, query_vector, filters, limit)

    def snippet(self, query: str, text: str, max_chars: int = 240) -> str:
        return self.keyword_index.snippet(query, text, max_chars)

    async def size(self) -> IndexSize:
        return IndexSize(segments=len(self.vectors), vector_bytes=self.vectors.nbytes)

    async def health(self) -> ComponentStatus:
        started = time.perf_counter()
        if not self._caught_up.is_set() and self._catch_up is not None:
            return ComponentStatus(status="catching_up", detail="catching up with the database")
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
        if self._catch_up is not None and not self._catch_up.done():
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._catch_up
        elif self._caught_up.is_set() or self._catch_up is None:
            try:
                await self.save()
            except Exception:
                log.exception("vector_snapshot_failed")
        await asyncio.to_thread(self.keyword_index.close)

"""`PostgresIndex`: the scale-out `SearchIndex`, kept in PostgreSQL itself (BM25 over tsvector + pgvector).

It follows the outbox like the embedded index, so ingestion does not need to know which index runs:
`sync()` applies outbox rows after `search_state.applied_seq` in ONE transaction that first locks the
state row. Any process may call it; the one that gets the lock applies, the others do not wait (SKIP
LOCKED) and just read how far the index is. Each outbox row is thus applied exactly once, and a
crash rolls the whole group back to the last committed `applied_seq`, from which the next sync
replays (pg_apply re-reads documents whole, so replay is idempotent).

The tables are shared by every process, so searches always see the latest applied state; `generation`
is the `applied_seq` this process last read, refreshed by every `sync()` (the services call it every
few seconds), which is what result caches key on.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import numpy.typing as npt
import structlog
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import InvalidInput, Unavailable
from pam.health import ComponentStatus
from pam.search import feed, pg_apply, pg_outbox, pg_search
from pam.search.analyzer import DEFAULT_ANALYZER, build_analyzer, clean_text, highlight
from pam.search.filters import SearchFilters
from pam.search.index import Hits, IndexSize
from pam.search.pg_filters import filter_condition
from pam.search.pg_text import ANALYZER_VERSION
from pam.store.types import utcnow

log = structlog.get_logger("pam.index")
OUTBOX_PAGE = 500
STALE_AFTER_S = 60
_ITERATIVE_SCAN_SINCE = (0, 8)


def _version(text_version: str) -> tuple[int, ...]:
    parts = []
    for part in text_version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _safe(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and asyncpg cannot encode lone surrogates.
    return clean_text(value).replace("\x00", " ")


class PostgresIndex:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], dim: int) -> None:
        self.sessions = sessions
        self.dim = dim
        self._generation = 0
        self._segments = 0
        self._space: feed.VectorSpace | None = None
        self._lock = asyncio.Lock()  # one applier per process; other processes are kept out by the row lock
        self._gap = pg_outbox.GapWatch()
        self._iterative_scan = False
        # Snippets are highlighted by the embedded analyzer's code (one implementation, same stemmer
        # family as PostgreSQL's English configuration); it runs in Python and touches no index.
        self._highlighter = build_analyzer(DEFAULT_ANALYZER)

    @property
    def generation(self) -> int:
        return self._generation

    def applied_seqs(self) -> dict[str, int]:
        return {"postgres": self._generation}

    @property
    def vector_model(self) -> str | None:
        return None if self._space is None else self._space.model

    def _read(self, state: pg_apply.IndexState, space: feed.VectorSpace | None) -> None:
        self._generation, self._segments = state.applied_seq, state.segments
        self._space = space if space is not None and space.model == state.vector_model else None

    async def start(self) -> None:
        """Check the schema, rebuild if another analyzer built the tables, then catch up."""
        async with self.sessions() as s, s.begin():
            try:
                await s.execute(text("SELECT embedding_model, embedding_dim FROM search_segments LIMIT 0"))
            except exc.DBAPIError as e:
                raise Unavailable(
                    "The PostgreSQL search tables are missing or old: run `pam db upgrade` (once, from one place)."
                ) from e
            version = await s.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
            self._iterative_scan = _version(str(version or "0")) >= _ITERATIVE_SCAN_SINCE
            # Waits for a running applier: the rebuild must not interleave with its writes.
            state = await pg_apply.read_state(s, lock="FOR UPDATE")
            if state is not None and state.analyzer != ANALYZER_VERSION:
                if state.analyzer:  # '' is a fresh migration, not a rebuild worth a warning
                    log.warning("search_tables_rebuilt", reason="built with another analyzer")
                await pg_apply.reset(s)
        await self.sync()

    async def sync(self) -> int:
        async with self._lock:
            while True:
                async with self.sessions() as s, s.begin():
                    state = await pg_apply.read_state(s, lock="FOR UPDATE SKIP LOCKED")
                    if state is None:
                        break  # another process is applying: it will get there, we do not wait
                    space = await feed.active_space(s)
                    if space is not None and space.model != state.vector_model:
                        # Another model became active: every row takes its vector in this one
                        # transaction; searches see the old vectors until it commits.
                        await pg_apply.switch_model(s, space.model, space.dim)
                        log.info("vector_model_switched", model=space.model)
                        continue
                    page = await pg_outbox.next_page(
                        s, self.sessions, state.applied_seq, OUTBOX_PAGE, self._gap
                    )
                    if page.applied_to == state.applied_seq:
                        self._read(state, space)
                        return self._generation
                    if page.document_ids:
                        model, dim = (space.model, space.dim) if space is not None else ("", 0)
                        await pg_apply.apply_documents(s, page.document_ids, model, dim)
                    await pg_apply.set_applied(s, page.applied_to)
                self._generation = page.applied_to
            async with self.sessions() as s:
                state = await pg_apply.read_state(s)
                space = await feed.active_space(s)
            if state is not None:
                self._read(state, space)
            return self._generation

    async def keyword(self, query: str, filters: SearchFilters, limit: int) -> Hits:
        if limit <= 0:
            return []
        condition = filter_condition(filters)
        if condition.matches_nothing:
            return []
        async with self.sessions() as s:
            return await pg_search.keyword(s, _safe(query), condition, limit)

    async def vector(
        self,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        model: str | None = None,
    ) -> Hits:
        space = self._space
        if space is None or (model is not None and model != space.model):
            return []  # never compare a query vector with another model's vectors
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if query.shape[0] != space.dim or not np.isfinite(query).all():
            raise InvalidInput(f"query vector must be {space.dim} finite numbers")
        if limit <= 0 or not np.any(query):
            return []  # a zero vector has no direction: no cosine to rank by
        condition = filter_condition(filters)
        if condition.matches_nothing:
            return []
        async with self.sessions() as s, s.begin():
            # The SQL also takes only rows recorded as this model's: a switch committing meanwhile
            # leaves this query with no rows, never with another model's.
            return await pg_search.vector(
                s, query.tolist(), condition, limit, model=space.model, iterative=self._iterative_scan
            )

    def snippet(self, query: str, text: str, max_chars: int = 240) -> str:
        return highlight(self._highlighter, query, text, max_chars)

    async def size(self) -> IndexSize:
        async with self.sessions() as s:
            state = await pg_apply.read_state(s)
        # The vectors live in the database (and its HNSW index), not in this process.
        return IndexSize(segments=0 if state is None else state.segments, vector_bytes=0)

    async def health(self) -> ComponentStatus:
        started = time.perf_counter()
        async with self.sessions() as s:
            latest = await feed.max_seq(s)
            oldest = await feed.oldest_pending(s, self._generation)
        lag = latest - self._generation
        # Being a moment behind is normal (updates are applied in groups); staying behind is not.
        stuck = oldest is not None and (utcnow() - oldest).total_seconds() > STALE_AFTER_S
        return ComponentStatus(
            status="degraded" if stuck else "ok",
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            detail=f"{self._segments} segments; generation {self._generation}"
            + (f", {lag} behind" if lag > 0 else ""),
        )

    async def close(self) -> None:
        """Nothing to release: the sessions (and their engine) belong to the caller."""

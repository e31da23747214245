"""`EmbeddingModels`: which embedder serves queries and writes, and the re-embedding after a model change.

The database says which model is active (`pam.store.embedding_spaces`). When the configured model is
another one, every process keeps embedding queries and new documents with the active model, so the
stored vectors stay of one model and keep serving, while one process at a time (an advisory lock on
PostgreSQL) embeds every segment again with the configured model into `segment_vectors`, with its
progress on the space's row. When nothing is missing, one transaction makes the new model active; the
indexes see it at their next sync and rebuild their vectors (each keeps serving the old ones until its
new ones are complete), and queries move to the new model as each index does.

A document written with the old model while the switch commits is found afterwards (`repair`): its
segments are embedded again in place and its document goes through the outbox again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import structlog
from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pam.embed.base import Embedder
from pam.ingest.embedding_text import embedding_text, recipe_model_id
from pam.store import embedding_spaces as spaces
from pam.store.models import EmbeddingSpace, IndexOutbox, Segment, SegmentVector

log = structlog.get_logger("pam.embed")
BATCH = 256
PROGRESS_EVERY = 8  # batches between exact recounts of the progress (counting 1M rows is not free)
RETRY_S = 5.0
_LOCK_KEY = 0x70616D2D72656D62


@dataclass(frozen=True, slots=True)
class EmbeddingStatus:
    configured_model: str
    active_model: str
    active_dim: int
    building: spaces.SpaceInfo | None  # the configured model while its vectors are being built
    serving: bool  # queries can be embedded with the active model (False: keyword search only)


class EmbeddingModels:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        configured: Embedder,
        spec: dict[str, Any],
        build: Callable[[dict[str, Any]], Embedder],
        *,
        known_specs: dict[str, dict[str, Any]] | None = None,
        batch: int = BATCH,
    ) -> None:
        self.engine = engine
        self.sessions = sessions
        self.configured = configured
        self.configured_model = recipe_model_id(configured.model_id)
        self.spec = spec
        self._build = build
        self._known_specs = known_specs or {}
        self._embedders: dict[str, Embedder] = {self.configured_model: configured}
        self.active_model = self.configured_model
        self.active_dim = configured.dim
        self.batch = batch
        self._local_lock = asyncio.Lock()

    async def start(self) -> None:
        async with self.sessions.begin() as s:
            active = await spaces.register(
                s, self.configured_model, self.configured.dim, self.spec, known_specs=self._known_specs
            )
        await self._adopt(active)

    async def refresh(self) -> bool:
        """Follow the database's active model; True if it changed."""
        async with self.sessions() as s:
            active = await spaces.active_space(s)
        if active is None or active.model == self.active_model:
            return False
        await self._adopt(active)
        return True

    async def _adopt(self, active: spaces.SpaceInfo) -> None:
        if active.model not in self._embedders and active.spec:
            try:
                built = await asyncio.to_thread(self._build, active.spec)
            except Exception as exc:
                log.warning("active_embedder_unavailable", model=active.model, error_type=type(exc).__name__)
            else:
                if recipe_model_id(built.model_id) == active.model and built.dim == active.dim:
                    self._embedders[active.model] = built
        self.active_model, self.active_dim = active.model, active.dim
        if active.model not in self._embedders:
            log.warning(
                "vector_search_paused", model=active.model, reason="its embedder cannot be built here"
            )

    # ---- which embedder -----------------------------------------------------------------------------

    def for_model(self, model: str | None) -> Embedder | None:
        """The embedder whose vectors are `model`'s, if this process has it."""
        return None if model is None else self._embedders.get(model)

    def for_writes(self) -> tuple[str, Embedder]:
        """(stored model id, embedder) for new chunks: the active model's, so stored vectors stay one model."""
        active = self._embedders.get(self.active_model)
        if active is not None:
            return self.active_model, active
        return self.configured_model, self.configured

    @property
    def changing(self) -> bool:
        return self.active_model != self.configured_model

    async def status(self) -> EmbeddingStatus:
        async with self.sessions() as s:
            rows = {r.model: r for r in await spaces.spaces(s)}
        building = rows.get(self.configured_model) if self.changing else None
        return EmbeddingStatus(
            configured_model=self.configured_model,
            active_model=self.active_model,
            active_dim=self.active_dim,
            building=building if building is not None and building.status == "building" else None,
            serving=self.active_model in self._embedders,
        )

    # ---- re-embedding -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Re-embed until the configured model is active, then repair; retries after failures."""
        while True:
            try:
                if self.changing:
                    await self.reembed()
                await self.repair()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("reembed_failed", model=self.configured_model, error_type=type(exc).__name__)
                async with self.sessions.begin() as s:
                    await s.execute(
                        update(EmbeddingSpace)
                        .where(EmbeddingSpace.model == self.configured_model)
                        .values(error=str(getattr(exc, "message", "the embedding model failed")))
                    )
                await asyncio.sleep(RETRY_S)

    async def reembed(self) -> bool:
        """Build the configured model's vectors and activate it; False if another process is doing it."""
        async with self._exclusive() as held:
            if not held:
                return False
            model, batches = self.configured_model, 0
            total, done = await self._count(model)
            while True:
                async with self.sessions() as s:
                    rows = (await s.execute(spaces.missing_vectors_query(model, self.batch))).all()
                if not rows:
                    async with self.sessions.begin() as s:
                        if await spaces.activate(s, model):
                            break
                    continue  # a segment arrived since the last page: embed it too
                vectors = await self._embed([(r[1], r[2]) for r in rows])
                async with self.sessions.begin() as s:
                    stored = await self._store_next(s, [r[0] for r in rows], vectors)
                    batches += 1
                    if batches % PROGRESS_EVERY == 0:
                        total, done = await spaces.count_progress(s, model)
                    else:
                        done = min(total, done + stored)
                    await spaces.set_progress(s, model, max(total, done), done, None)
            log.info("embedding_model_activated", model=model)
        await self.refresh()
        return True

    async def repair(self) -> int:
        """Embed again, in place, segments whose vector is not of the active model; their documents re-index."""
        model, embedder = self.active_model, self._embedders.get(self.active_model)
        if embedder is None:
            return 0
        repaired = 0
        async with self._exclusive() as held:
            if not held:
                return 0
            while True:
                async with self.sessions() as s:
                    rows = (await s.execute(spaces.stale_vectors_query(model, self.batch))).all()
                if not rows:
                    return repaired
                vectors = await self._embed([(r[1], r[2]) for r in rows], embedder)
                async with self.sessions.begin() as s:
                    for (segment_id, *_), vector in zip(rows, vectors, strict=True):
                        await s.execute(
                            update(Segment)
                            .where(Segment.id == segment_id)
                            .values(
                                embedding=np.asarray(vector, dtype="<f4").tobytes(),
                                embedding_model=model,
                                embedding_dim=int(vector.shape[0]),
                            )
                        )
                    for document_id in dict.fromkeys(r[3] for r in rows):
                        s.add(IndexOutbox(document_id=document_id, op="upsert"))
                repaired += len(rows)

    async def _embed(self, items: list[tuple[str, str]], embedder: Embedder | None = None) -> np.ndarray:
        model = embedder or self.configured
        texts = [embedding_text(section, content, model.count_tokens) for section, content in items]
        return await asyncio.to_thread(model.embed, texts)

    async def _store_next(self, s: AsyncSession, ids: list[uuid.UUID], vectors: np.ndarray) -> int:
        # Segments deleted since they were read are skipped (their rows would break the foreign key).
        alive = set(await s.scalars(select(Segment.id).where(Segment.id.in_(ids))))
        rows = [
            {
                "segment_id": segment_id,
                "model": self.configured_model,
                "dim": int(vector.shape[0]),
                "embedding": np.asarray(vector, dtype="<f4").tobytes(),
            }
            for segment_id, vector in zip(ids, vectors, strict=True)
            if segment_id in alive
        ]
        if rows:
            dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
            await s.execute(dialect.insert(SegmentVector).values(rows).on_conflict_do_nothing())
        return len(rows)

    async def _count(self, model: str) -> tuple[int, int]:
        async with self.sessions.begin() as s:
            total, done = await spaces.count_progress(s, model)
            await spaces.set_progress(s, model, total, done, None)
        return total, done

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[bool]:
        """One re-embedding at a time: in this process, and across processes on PostgreSQL."""
        if self._local_lock.locked():
            yield False
            return
        async with self._local_lock:
            if self.engine.dialect.name != "postgresql":
                yield True
                return
            async with self.engine.connect() as conn:
                held = bool((await conn.execute(text(f"SELECT pg_try_advisory_lock({_LOCK_KEY})"))).scalar())
                await conn.commit()
                try:
                    yield held
                finally:
                    if held:
                        try:
                            await conn.execute(text(f"SELECT pg_advisory_unlock({_LOCK_KEY})"))
                            await conn.commit()
                        except Exception:
                            await conn.invalidate()

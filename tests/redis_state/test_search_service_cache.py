"""`SearchService` with the shared cache: a search made by one process is served from Redis to another,
a new generation is recomputed, and a down Redis only means no cache. The in-process default stays."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.chunker import Chunk
from pam.ingest.prepare import PreparedDocument
from pam.ingest.sources.base import SourceItem
from pam.ingest.writer import write_document
from pam.redis_state import RedisState
from pam.search.cache import ResultCache, SearchCache
from pam.search.embedded_index import EmbeddedIndex
from pam.search.filters import SearchFilters
from pam.search.service import SearchService
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Project, Source
from pam.store.types import utcnow
from tests.redis_state.conftest import redis_stopped
from tests.search.two_projects import register_model
from tests.servers import RedisServer

EMBEDDER = DeterministicEmbedder(dim=64)


@dataclass
class Corpus:
    index: EmbeddedIndex
    scope: SearchFilters
    source: Source
    sessions: async_sessionmaker[AsyncSession]

    def service(self, cache: SearchCache | None = None, cache_size: int = 16) -> SearchService:
        return SearchService(
            self.index, EMBEDDER, self.sessions, rrf_k=60, candidates=20, cache_size=cache_size, cache=cache
        )

    async def add(self, name: str, text: str) -> None:
        chunk = Chunk(text, name, "text", None, 0, len(text), EMBEDDER.count_tokens(text), uuid.uuid4().hex)
        prepared = PreparedDocument(
            item=SourceItem(name, name, len(text), utcnow()),
            content_hash=uuid.uuid4().hex,
            size=len(text),
            title=name,
            mime_type="text/markdown",
            chunks=[chunk],
            vectors={chunk.content_hash: EMBEDDER.embed([text])[0].astype("<f4").tobytes()},
        )
        async with self.sessions.begin() as s:
            await write_document(
                s,
                source=self.source,
                prepared=prepared,
                uri=name,
                model_id=EMBEDDER.model_id,
                task_id=None,
                triggered_by="test",
            )
        await self.index.sync()


@pytest.fixture
async def corpus(tmp_path: Path) -> AsyncIterator[Corpus]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with sessions.begin() as s:
        project = Project(name="alpha")
        s.add(project)
        await s.flush()
        source = Source(project_id=project.id, type="folder", name="alpha", key="/alpha")
        s.add(source)
        await s.flush()
    await register_model(sessions, EMBEDDER)
    index = EmbeddedIndex(sessions, tmp_path / "index", EMBEDDER.dim)
    await index.start()
    corpus = Corpus(index, SearchFilters(project_ids=frozenset({str(project.id)})), source, sessions)
    try:
        await corpus.add("pager.md", "When production is down, page the on-call engineer through PagerDuty.")
        await corpus.add("budget.md", "The marketing budget for the spring campaign is forty thousand euros.")
        yield corpus
    finally:
        await index.close()
        await engine.dispose()


async def test_one_process_searches_another_is_served_from_redis(corpus: Corpus, redis_url: str) -> None:
    first, second = RedisState.from_url(redis_url), RedisState.from_url(redis_url)
    try:
        a, b = corpus.service(first.search_cache()), corpus.service(second.search_cache())
        computed = await a.search("on-call pager", corpus.scope)
        assert computed.cached is False and computed.hits and computed.hits[0].title == "pager.md"
        served = await b.search("on-call pager", corpus.scope)
        assert served.cached is True
        assert replace(served, cached=False, took_ms=computed.took_ms) == computed
        assert (await b.search("on-call pager", corpus.scope, k=3)).cached is False
        assert (await b.search("on-call pager", corpus.scope, mode="keyword")).cached is False
    finally:
        await first.close()
        await second.close()


async def test_a_new_generation_is_recomputed_everywhere(corpus: Corpus, state: RedisState) -> None:
    service = corpus.service(state.search_cache())
    before = await service.search("campaign budget", corpus.scope)
    assert (await service.search("campaign budget", corpus.scope)).cached is True
    await corpus.add("budget2.md", "The campaign budget was raised by the finance committee.")
    after = await service.search("campaign budget", corpus.scope)
    assert after.cached is False and after.generation > before.generation
    assert len(after.hits) == len(before.hits) + 1


async def test_a_down_redis_means_no_cache_never_a_failed_search(
    corpus: Corpus, state: RedisState, redis_server: RedisServer
) -> None:
    service = corpus.service(state.search_cache())
    with redis_stopped(redis_server):
        for _ in range(3):
            result = await service.search("on-call pager", corpus.scope)
            assert result.cached is False and result.hits[0].title == "pager.md"


async def test_without_a_cache_object_the_in_process_lru_is_used(corpus: Corpus) -> None:
    service = corpus.service(cache_size=4)
    assert isinstance(service.cache, ResultCache)
    assert (await service.search("on-call pager", corpus.scope)).cached is False
    assert (await service.search("on-call pager", corpus.scope)).cached is True
    assert (service.cache.hits, service.cache.misses, len(service.cache)) == (1, 1, 1)
    disabled = corpus.service(cache_size=0)
    await disabled.search("on-call pager", corpus.scope)
    assert (await disabled.search("on-call pager", corpus.scope)).cached is False

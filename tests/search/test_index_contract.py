"""The `SearchIndex` contract: every implementation follows the database through the outbox.

Parametrised over implementations: the embedded tantivy + vector matrix index on SQLite, and the
PostgreSQL index (BM25 over tsvector + pgvector) on a real PostgreSQL. Each test
writes documents the way ingestion does (one transaction: rows, segments, outbox entry) and checks
what the index returns after `sync()`, including after a crash between commit and index update.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.search.two_projects import make_projects

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.chunker import Chunk
from pam.ingest.prepare import PreparedDocument
from pam.ingest.sources.base import SourceItem
from pam.ingest.writer import mark_deleted, write_document
from pam.search.embedded_index import DEFAULT_ANN, EmbeddedIndex
from pam.search.filters import SearchFilters
from pam.search.index import SearchIndex
from pam.search.postgres_index import PostgresIndex
from pam.search.vector_graph import HnswSettings
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Document, IndexOutbox, Source
from pam.store.types import utcnow

EMBEDDERS = {
    "embedded": DeterministicEmbedder(dim=64),
    # The PostgreSQL index stores vector(384), the shipped model's dimension.
    "postgres": DeterministicEmbedder(dim=384),
}


@dataclass
class Env:
    sessions: async_sessionmaker[AsyncSession]
    projects: dict[str, Source]
    open_index: Callable[[], Awaitable[SearchIndex]]
    embedder: DeterministicEmbedder
    # As if the index had crashed after applying the outbox but before recording how far it got.
    forget_progress: Callable[[SearchIndex], Awaitable[None]]
    # Make the stored index look built by another analyzer version.
    mark_built_by_other_settings: Callable[[], Awaitable[None]]

    async def add(self, project: str, name: str, texts: list[str]) -> uuid.UUID:
        chunks = [
            Chunk(
                content=t,
                section_path=name,
                segment_type="text",
                page=None,
                char_start=0,
                char_end=len(t),
                token_count=self.embedder.count_tokens(t),
                content_hash=uuid.uuid4().hex,
            )
            for t in texts
        ]
        vectors = self.embedder.embed(texts)
        prepared = PreparedDocument(
            item=SourceItem(name, name, 10, utcnow()),
            content_hash=uuid.uuid4().hex,
            size=10,
            title=name,
            mime_type="text/markdown",
            chunks=chunks,
            vectors={c.content_hash: v.astype("<f4").tobytes() for c, v in zip(chunks, vectors, strict=True)},
        )
        async with self.sessions.begin() as s:
            result = await write_document(
                s,
                source=self.projects[project],
                prepared=prepared,
                uri=name,
                model_id=self.embedder.model_id,
                task_id=None,
                triggered_by="test",
            )
        return result.document_id

    def scope(self, *projects: str) -> SearchFilters:
        return SearchFilters(project_ids=frozenset(str(self.projects[p].project_id) for p in projects))


# The embedded index with its HNSW graphs on from the first row (no exact shortcut): the contract must
# hold on the approximate path too, not only on the exact one small indexes use.
GRAPH_ALWAYS = HnswSettings(min_rows=1, exact_rows=0, links=8, build_breadth=32, search_breadth=64)


async def _embedded(tmp_path: Path, url: str, ann: HnswSettings | None = DEFAULT_ANN) -> AsyncIterator[Env]:
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    embedder = EMBEDDERS["embedded"]
    projects = await make_projects(sessions, embedder)
    opened: list[EmbeddedIndex] = []

    async def open_index() -> EmbeddedIndex:
        index = EmbeddedIndex(sessions, tmp_path / "index", embedder.dim, ann=ann)
        await index.start()
        opened.append(index)
        return index

    async def forget_progress(index: SearchIndex) -> None:
        assert isinstance(index, EmbeddedIndex)
        index.keyword_index.commit(0)
        index._vector_seq = 0

    async def mark_built_by_other_settings() -> None:
        state = tmp_path / "index" / "keyword" / "pam_state.json"
        stored = json.loads(state.read_text())
        state.write_text(json.dumps({**stored, "analyzer": "some-older-analyzer"}))

    try:
        yield Env(sessions, projects, open_index, embedder, forget_progress, mark_built_by_other_settings)
    finally:
        for index in opened:
            await index.close()
        await engine.dispose()


async def _postgres(url: str) -> AsyncIterator[Env]:
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    embedder = EMBEDDERS["postgres"]
    projects = await make_projects(sessions, embedder)
    opened: list[PostgresIndex] = []

    async def open_index() -> PostgresIndex:
        index = PostgresIndex(sessions, embedder.dim)
        await index.start()
        opened.append(index)
        return index

    async def forget_progress(index: SearchIndex) -> None:
        # The PostgreSQL index records progress in the same transaction as the rows, so this state
        # cannot arise from a crash; rewinding it still proves replay adds nothing twice.
        async with sessions.begin() as s:
            await s.execute(text("UPDATE search_state SET applied_seq = 0"))

    async def mark_built_by_other_settings() -> None:
        async with sessions.begin() as s:
            await s.execute(text("UPDATE search_state SET analyzer = 'some-older-analyzer'"))

    try:
        yield Env(sessions, projects, open_index, embedder, forget_progress, mark_built_by_other_settings)
    finally:
        for index in opened:
            await index.close()
        await engine.dispose()


@pytest.fixture(params=["embedded", "embedded-graph", "embedded-on-postgres", "postgres"])
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    if request.param == "embedded":
        async for e in _embedded(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}"):
            yield e
    elif request.param == "embedded-graph":
        async for e in _embedded(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}", GRAPH_ALWAYS):
            yield e
    elif request.param == "embedded-on-postgres":
        # PAM_SEARCH_INDEX=embedded with a PostgreSQL store (one server with a managed database).
        async for e in _embedded(tmp_path, request.getfixturevalue("pg_database")):
            yield e
    else:
        async for e in _postgres(request.getfixturevalue("pg_database")):
            yield e


async def test_synced_segments_are_found_by_keyword_and_vector(env: Env) -> None:
    index = await env.open_index()
    await env.add("alpha", "a.md", ["The quokka census counts marsupials on Rottnest island."])
    await env.add("alpha", "b.md", ["Pipeline freshness SLA is six hours."])
    await index.sync()
    keyword = await index.keyword("quokka census", env.scope("alpha"), 5)
    vector = await index.vector(env.embedder.embed_query("quokka census marsupials"), env.scope("alpha"), 5)
    assert len(keyword) == 1
    assert vector[0][0] == keyword[0][0]


async def test_generation_is_the_last_outbox_sequence_applied(env: Env) -> None:
    index = await env.open_index()
    before = index.generation
    await env.add("alpha", "a.md", ["first"])
    await env.add("alpha", "b.md", ["second"])
    generation = await index.sync()
    async with env.sessions() as s:
        latest = await s.scalar(select(func.max(IndexOutbox.seq)))
    assert generation == latest and generation > before


async def test_deleted_document_leaves_the_index(env: Env) -> None:
    index = await env.open_index()
    doc_id = await env.add("alpha", "a.md", ["The zeppelin maintenance schedule."])
    await index.sync()
    assert await index.keyword("zeppelin", env.scope("alpha"), 5)
    async with env.sessions.begin() as s:
        doc = await s.get(Document, doc_id)
        assert doc is not None
        await mark_deleted(s, doc, task_id=None, triggered_by="test", when=utcnow())
    await index.sync()
    assert await index.keyword("zeppelin", env.scope("alpha"), 5) == []
    assert await index.vector(env.embedder.embed_query("zeppelin maintenance"), env.scope("alpha"), 5) == []


async def test_project_scope_is_applied_inside_both_searches(env: Env) -> None:
    index = await env.open_index()
    for i in range(30):
        await env.add("beta", f"b{i}.md", [f"Onboarding checklist for laptops, item {i}."])
    await env.add("alpha", "a.md", ["Onboarding checklist for the analytics team."])
    await index.sync()
    keyword = await index.keyword("onboarding checklist", env.scope("alpha"), 3)
    vector = await index.vector(env.embedder.embed_query("onboarding checklist"), env.scope("alpha"), 3)
    assert len(keyword) == 1 and len(vector) == 1
    assert await index.keyword("onboarding", SearchFilters(project_ids=frozenset()), 3) == []


async def test_commit_without_index_update_is_caught_up_after_restart(env: Env) -> None:
    first = await env.open_index()
    await env.add("alpha", "a.md", ["Before the crash: heliotrope budget."])
    await first.sync()
    # Committed to the database, then the process "dies" before the index hears of it.
    await env.add("alpha", "b.md", ["After the crash: tangerine budget."])
    await first.close()
    second = await env.open_index()
    assert await second.keyword("tangerine", env.scope("alpha"), 5)
    assert await second.keyword("heliotrope", env.scope("alpha"), 5)
    async with env.sessions() as s:
        assert second.generation == await s.scalar(select(func.max(IndexOutbox.seq)))


async def test_replaying_the_outbox_twice_adds_nothing_twice(env: Env) -> None:
    index = await env.open_index()
    await env.add("alpha", "a.md", ["Replay me: obsidian ledger.", "A second obsidian line."])
    await index.sync()
    first = await index.keyword("obsidian", env.scope("alpha"), 10)
    # As if the index had crashed after applying but before recording the applied sequence.
    await env.forget_progress(index)
    await index.sync()
    again = await index.keyword("obsidian", env.scope("alpha"), 10)
    vectors = await index.vector(env.embedder.embed_query("obsidian ledger"), env.scope("alpha"), 10)
    assert sorted(i for i, _ in again) == sorted(i for i, _ in first)
    assert len(vectors) == 2
    assert np.isfinite([score for _, score in vectors]).all()


async def test_index_built_by_other_settings_is_rebuilt_from_the_database(env: Env) -> None:
    first = await env.open_index()
    await env.add("alpha", "a.md", ["Rebuild me: vermilion roadmap."])
    await first.sync()
    await first.close()
    await env.mark_built_by_other_settings()
    second = await env.open_index()
    assert await second.keyword("vermilion", env.scope("alpha"), 5)


async def test_changes_while_the_index_was_down_are_applied_at_restart(env: Env) -> None:
    # The embedded index saves its vectors at close and loads them at start: what changed in between
    # comes from the outbox, deletions included.
    first = await env.open_index()
    await env.add("alpha", "keep.md", ["Persimmon orchard yields."])
    gone = await env.add("alpha", "gone.md", ["Persimmon blight report."])
    await first.sync()
    await first.close()
    async with env.sessions.begin() as s:
        doc = await s.get(Document, gone)
        assert doc is not None
        await mark_deleted(s, doc, task_id=None, triggered_by="test", when=utcnow())
    await env.add("alpha", "new.md", ["Persimmon harvest festival."])
    second = await env.open_index()
    keyword = await second.keyword("persimmon", env.scope("alpha"), 10)
    vector = await second.vector(env.embedder.embed_query("persimmon"), env.scope("alpha"), 10)
    assert len(keyword) == 2 and len(vector) == 2
    assert {i for i, _ in keyword} == {i for i, _ in vector}

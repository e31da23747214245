"""The `SearchIndex` contract: every implementation follows the database through the outbox.

Parametrised over implementations (the embedded tantivy + vector matrix index today). Each test
writes documents the way ingestion does (one transaction: rows, segments, outbox entry) and checks
what the index returns after `sync()`, including after a crash between commit and index update.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.ingest.chunker import Chunk
from pam.ingest.embedder.fake import DeterministicEmbedder
from pam.ingest.prepare import PreparedDocument
from pam.ingest.sources.base import SourceItem
from pam.ingest.writer import mark_deleted, write_document
from pam.search.embedded_index import EmbeddedIndex
from pam.search.filters import SearchFilters
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Document, IndexOutbox, Project, Source
from pam.store.types import utcnow

EMBEDDER = DeterministicEmbedder(dim=64)


@dataclass
class Env:
    sessions: async_sessionmaker[AsyncSession]
    projects: dict[str, Source]
    open_index: Callable[[], Awaitable[EmbeddedIndex]]

    async def add(self, project: str, name: str, texts: list[str]) -> uuid.UUID:
        chunks = [
            Chunk(
                content=t,
                section_path=name,
                segment_type="text",
                page=None,
                char_start=0,
                char_end=len(t),
                token_count=EMBEDDER.count_tokens(t),
                content_hash=uuid.uuid4().hex,
            )
            for t in texts
        ]
        vectors = EMBEDDER.embed(texts)
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
                model_id=EMBEDDER.model_id,
                task_id=None,
                triggered_by="test",
            )
        return result.document_id

    def scope(self, *projects: str) -> SearchFilters:
        return SearchFilters(project_ids=frozenset(str(self.projects[p].project_id) for p in projects))


async def _embedded(tmp_path: Path) -> AsyncIterator[Env]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    projects: dict[str, Source] = {}
    async with sessions.begin() as s:
        for name in ("alpha", "beta"):
            project = Project(name=name)
            s.add(project)
            await s.flush()
            source = Source(project_id=project.id, type="folder", name=name, key=f"/{name}")
            s.add(source)
            await s.flush()
            projects[name] = source
    opened: list[EmbeddedIndex] = []

    async def open_index() -> EmbeddedIndex:
        index = EmbeddedIndex(sessions, tmp_path / "index", EMBEDDER.dim)
        await index.start()
        opened.append(index)
        return index

    try:
        yield Env(sessions, projects, open_index)
    finally:
        for index in opened:
            await index.close()
        await engine.dispose()


@pytest.fixture(params=["embedded"])
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    async for e in _embedded(tmp_path):
        yield e


async def test_synced_segments_are_found_by_keyword_and_vector(env: Env) -> None:
    index = await env.open_index()
    await env.add("alpha", "a.md", ["The quokka census counts marsupials on Rottnest island."])
    await env.add("alpha", "b.md", ["Pipeline freshness SLA is six hours."])
    await index.sync()
    keyword = await index.keyword("quokka census", env.scope("alpha"), 5)
    vector = await index.vector(EMBEDDER.embed_query("quokka census marsupials"), env.scope("alpha"), 5)
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
    assert await index.vector(EMBEDDER.embed_query("zeppelin maintenance"), env.scope("alpha"), 5) == []


async def test_project_scope_is_applied_inside_both_searches(env: Env) -> None:
    index = await env.open_index()
    for i in range(30):
        await env.add("beta", f"b{i}.md", [f"Onboarding checklist for laptops, item {i}."])
    await env.add("alpha", "a.md", ["Onboarding checklist for the analytics team."])
    await index.sync()
    keyword = await index.keyword("onboarding checklist", env.scope("alpha"), 3)
    vector = await index.vector(EMBEDDER.embed_query("onboarding checklist"), env.scope("alpha"), 3)
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
    index.keyword_index.commit(0)
    index._vector_seq = 0
    await index.sync()
    again = await index.keyword("obsidian", env.scope("alpha"), 10)
    vectors = await index.vector(EMBEDDER.embed_query("obsidian ledger"), env.scope("alpha"), 10)
    assert sorted(i for i, _ in again) == sorted(i for i, _ in first)
    assert len(vectors) == 2
    assert np.isfinite([score for _, score in vectors]).all()


async def test_index_built_by_other_settings_is_rebuilt_from_the_database(env: Env, tmp_path: Path) -> None:
    import json

    first = await env.open_index()
    await env.add("alpha", "a.md", ["Rebuild me: vermilion roadmap."])
    await first.sync()
    await first.close()
    state = tmp_path / "index" / "keyword" / "pam_state.json"
    stored = json.loads(state.read_text())
    state.write_text(json.dumps({**stored, "analyzer": "some-older-analyzer"}))
    second = await env.open_index()
    assert await second.keyword("vermilion", env.scope("alpha"), 5)

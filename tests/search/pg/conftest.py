"""A migrated PostgreSQL with two projects, and a way to write documents the way ingestion does."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.search.two_projects import make_projects

from pam.embed.fake import DeterministicEmbedder
from pam.ingest.chunker import Chunk
from pam.ingest.prepare import PreparedDocument
from pam.ingest.sources.base import SourceItem
from pam.ingest.writer import write_document
from pam.search.filters import SearchFilters
from pam.search.postgres_index import PostgresIndex
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Document, Source
from pam.store.types import utcnow

EMBEDDER = DeterministicEmbedder(dim=384)


@dataclass
class PgEnv:
    url: str
    sessions: async_sessionmaker[AsyncSession]
    sources: dict[str, Source]

    def prepared(
        self, name: str, texts: Sequence[str], title: str | None = None, section_path: str = ""
    ) -> PreparedDocument:
        chunks = [
            Chunk(
                content=t,
                section_path=section_path,
                segment_type="text",
                page=None,
                char_start=0,
                char_end=len(t),
                token_count=EMBEDDER.count_tokens(t),
                content_hash=uuid.uuid4().hex,
            )
            for t in texts
        ]
        vectors = EMBEDDER.embed(list(texts))
        return PreparedDocument(
            item=SourceItem(name, name, 10, utcnow()),
            content_hash=uuid.uuid4().hex,
            size=10,
            title=name if title is None else title,
            mime_type="text/plain",
            chunks=chunks,
            vectors={c.content_hash: v.astype("<f4").tobytes() for c, v in zip(chunks, vectors, strict=True)},
        )

    async def write(
        self,
        session: AsyncSession,
        project: str,
        name: str,
        texts: Sequence[str],
        *,
        title: str | None = None,
        section_path: str = "",
        tags: Sequence[str] = (),
        updated_at: datetime | None = None,
    ) -> uuid.UUID:
        result = await write_document(
            session,
            source=self.sources[project],
            prepared=self.prepared(name, texts, title, section_path),
            uri=name,
            model_id=EMBEDDER.model_id,
            task_id=None,
            triggered_by="test",
        )
        doc = await session.get(Document, result.document_id)
        assert doc is not None
        doc.tags = list(tags)
        if updated_at is not None:
            doc.updated_at = updated_at
        await session.flush()
        return result.document_id

    async def add(
        self,
        project: str,
        name: str,
        texts: Sequence[str],
        *,
        title: str | None = None,
        section_path: str = "",
        tags: Sequence[str] = (),
        updated_at: datetime | None = None,
    ) -> uuid.UUID:
        async with self.sessions.begin() as s:
            return await self.write(
                s,
                project,
                name,
                texts,
                title=title,
                section_path=section_path,
                tags=tags,
                updated_at=updated_at,
            )

    async def open_index(self) -> PostgresIndex:
        index = PostgresIndex(self.sessions, EMBEDDER.dim)
        await index.start()
        return index

    def scope(self, *projects: str) -> SearchFilters:
        return SearchFilters(project_ids=frozenset(str(self.sources[p].project_id) for p in projects))


@pytest.fixture
async def pg_env(pg_database: str) -> AsyncIterator[PgEnv]:
    await asyncio.to_thread(migrate.upgrade, pg_database)
    engine = create_engine(pg_database)
    sessions = create_session_factory(engine)
    sources = await make_projects(sessions, EMBEDDER)
    try:
        yield PgEnv(pg_database, sessions, sources)
    finally:
        await engine.dispose()

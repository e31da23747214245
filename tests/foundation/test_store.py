"""The store on both SQLite and a real PostgreSQL: migrations, models, cascades, aware timestamps."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, inspect, select

from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Base, Document, IndexOutbox, Project, Segment, Source


async def _upgrade(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(migrate.upgrade, url, revision)


async def test_migrations_create_every_table_of_the_model(database_url: str) -> None:
    await _upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()
    assert set(Base.metadata.tables) <= tables


async def test_migrations_downgrade_and_upgrade_again(database_url: str) -> None:
    await _upgrade(database_url)
    await asyncio.to_thread(migrate.downgrade, database_url, "base")
    await _upgrade(database_url)
    engine = create_engine(database_url)
    try:
        assert await migrate.current_revision(engine) == migrate.head_revision()
    finally:
        await engine.dispose()


async def test_documents_and_segments_round_trip_and_cascade(database_url: str) -> None:
    await _upgrade(database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    modified = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    try:
        async with sessions.begin() as s:
            project = Project(name="analytics")
            s.add(project)
            await s.flush()
            source = Source(project_id=project.id, type="folder", name="handbook", key="/srv/handbook")
            s.add(source)
            await s.flush()
            doc = Document(
                project_id=project.id,
                registered_source_id=source.id,
                source_type="folder",
                source_id="metrics/dau.md",
                title="DAU",
                uri="metrics/dau.md",
                mime_type="text/markdown",
                content_hash="a" * 64,
                modified_at=modified,
                tags=["metrics", "core"],
            )
            s.add(doc)
            await s.flush()
            s.add_all(
                Segment(
                    document_id=doc.id,
                    project_id=project.id,
                    position=i,
                    content=f"part {i}",
                    content_hash=f"{i:064d}",
                    embedding=b"\x00" * 16,
                )
                for i in range(3)
            )
            s.add(IndexOutbox(document_id=doc.id, op="upsert"))
            doc_id = doc.id
        async with sessions() as s:
            loaded = await s.get(Document, doc_id)
            assert loaded is not None
            assert loaded.modified_at == modified and loaded.modified_at.tzinfo is not None
            assert loaded.tags == ["metrics", "core"]
            assert await s.scalar(select(func.count()).select_from(Segment)) == 3
        async with sessions.begin() as s:
            await s.delete(await s.get(Document, doc_id))
        async with sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Segment)) == 0
            assert await s.scalar(select(func.max(IndexOutbox.seq))) == 1
    finally:
        await engine.dispose()


async def test_naive_datetimes_are_refused(database_url: str) -> None:
    await _upgrade(database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        with pytest.raises(Exception, match="naive"):
            async with sessions.begin() as s:
                s.add(Project(name="p", created_at=datetime(2026, 1, 1)))
    finally:
        await engine.dispose()


async def test_upgrading_a_database_with_documents_keeps_every_segment(database_url: str) -> None:
    """Later migrations run on databases full of documents: none may rebuild a table a foreign key
    cascades from (on SQLite, dropping `documents` to rebuild it would delete every segment)."""
    await _upgrade(database_url, "0003")
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine).begin() as s:
            project = Project(name="p")
            s.add(project)
            await s.flush()
            source = Source(project_id=project.id, type="folder", key="/k", name="k", config={})
            s.add(source)
            await s.flush()
            doc = Document(
                project_id=project.id,
                registered_source_id=source.id,
                source_type="folder",
                source_id="a.md",
                title="A",
                uri="a.md",
                mime_type="text/markdown",
                size_bytes=1,
                content_hash="h",
                status="active",
                segment_count=3,
            )
            s.add(doc)
            await s.flush()
            # Core inserts of the columns revision 0003 had: the ORM model has later columns too.
            await s.execute(
                insert(Segment.__table__),
                [
                    {
                        "id": uuid.uuid4(),
                        "document_id": doc.id,
                        "project_id": project.id,
                        "position": i,
                        "content": f"part {i}",
                        "content_hash": f"h{i}",
                        "section_path": "",
                        "segment_type": "text",
                        "char_start": 0,
                        "char_end": 6,
                        "token_count": 2,
                        "embedding": b"\x00\x00\x80\x3f" * 4,
                        "embedding_model": "m",
                        "metadata": {},
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    }
                    for i in range(3)
                ],
            )
    finally:
        await engine.dispose()
    await _upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as s:
            assert await s.scalar(select(func.count()).select_from(Segment)) == 3
            assert await s.scalar(select(func.count()).select_from(Document)) == 1
            # Every stored vector gets its dimension recorded beside it.
            assert set(await s.scalars(select(Segment.embedding_dim))) == {4}
        async with engine.connect() as conn:
            columns = {c["name"] for c in await conn.run_sync(lambda c: inspect(c).get_columns("documents"))}
        assert "owner" not in columns
    finally:
        await engine.dispose()

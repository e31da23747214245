"""The store on both SQLite and a real PostgreSQL: migrations, models, cascades, aware timestamps."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import MetaData, func, inspect, select

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
        # Rows written through the old schema as reflected (today's models have columns it lacks).
        async with engine.begin() as conn:
            old = MetaData()
            await conn.run_sync(
                lambda c: old.reflect(c, only=["projects", "sources", "documents", "segments"])
            )
            now = datetime.now(UTC)
            stamp = {"created_at": now, "updated_at": now}
            # Reflected, a SQLite UUID column is the CHAR(32) SQLAlchemy stores it as.
            sqlite = conn.dialect.name == "sqlite"

            def new_id() -> uuid.UUID | str:
                fresh = uuid.uuid4()
                return fresh.hex if sqlite else fresh

            project_id, source_id, doc_id = new_id(), new_id(), new_id()
            await conn.execute(
                old.tables["projects"].insert(), [{"id": project_id, "name": "p", "description": "", **stamp}]
            )
            await conn.execute(
                old.tables["sources"].insert(),
                [
                    {
                        "id": source_id,
                        "project_id": project_id,
                        "type": "folder",
                        "key": "/k",
                        "name": "k",
                        "config": {},
                        **stamp,
                    }
                ],
            )
            await conn.execute(
                old.tables["documents"].insert(),
                [
                    {
                        "id": doc_id,
                        "project_id": project_id,
                        "registered_source_id": source_id,
                        "source_type": "folder",
                        "source_id": "a.md",
                        "title": "A",
                        "uri": "a.md",
                        "mime_type": "text/markdown",
                        "size_bytes": 1,
                        "content_hash": "h",
                        "status": "active",
                        "tags": [],
                        "segment_count": 3,
                        **stamp,
                    }
                ],
            )
            await conn.execute(
                old.tables["segments"].insert(),
                [
                    {
                        "id": new_id(),
                        "document_id": doc_id,
                        "project_id": project_id,
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
                        **stamp,
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


async def test_upgrading_a_database_with_users_keeps_their_keys_memberships_and_conversations(
    database_url: str,
) -> None:
    """0008 adds columns to `users` and `api_keys` in place: nothing that cascades from them is lost,
    and existing rows get the neutral defaults (token version 0, keys unlimited and not read-only)."""
    import uuid

    import sqlalchemy as sa

    from pam.store.models import ApiKey, Conversation, Membership, User

    await _upgrade(database_url, "0007")
    now = datetime.now(UTC)
    ids = {name: uuid.uuid4() for name in ("user", "project", "membership", "key", "conversation")}

    def row(name: str, *columns: str) -> sa.TableClause:
        types = {"id": sa.Uuid(), "user_id": sa.Uuid(), "project_id": sa.Uuid()}
        return sa.table(
            name,
            *[
                sa.column(c, types.get(c, sa.DateTime(timezone=True) if c.endswith("_at") else None))
                for c in columns
            ],
        )

    stamps = {"created_at": now, "updated_at": now}
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(row("projects", "id", "name", "description", "created_at", "updated_at")).values(
                    id=ids["project"], name="p", description="", **stamps
                )
            )
            await conn.execute(
                sa.insert(
                    row(
                        "users",
                        "id",
                        "email",
                        "name",
                        "password_hash",
                        "active",
                        "is_admin",
                        "created_at",
                        "updated_at",
                    )
                ).values(
                    id=ids["user"],
                    email="u@example.com",
                    name="U",
                    password_hash="h",
                    active=True,
                    is_admin=False,
                    **stamps,
                )
            )
            await conn.execute(
                sa.insert(
                    row("memberships", "id", "user_id", "project_id", "role", "created_at", "updated_at")
                ).values(
                    id=ids["membership"],
                    user_id=ids["user"],
                    project_id=ids["project"],
                    role="editor",
                    **stamps,
                )
            )
            await conn.execute(
                sa.insert(
                    row("api_keys", "id", "user_id", "name", "prefix", "key_hash", "created_at", "updated_at")
                ).values(
                    id=ids["key"], user_id=ids["user"], name="ci", prefix="pam_x", key_hash="kh", **stamps
                )
            )
            await conn.execute(
                sa.insert(
                    row("conversations", "id", "user_id", "title", "filters", "created_at", "updated_at")
                ).values(id=ids["conversation"], user_id=ids["user"], title="t", filters="{}", **stamps)
            )
    finally:
        await engine.dispose()
    await _upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as s:
            user = await s.get(User, ids["user"])
            key = await s.get(ApiKey, ids["key"])
            assert user is not None and user.token_version == 0 and user.password_hash == "h"
            assert key is not None and key.read_only is False and key.project_ids is None
            assert await s.get(Membership, ids["membership"]) is not None
            assert await s.get(Conversation, ids["conversation"]) is not None
    finally:
        await engine.dispose()

"""The data model of SPEC section 3 as SQLAlchemy 2 declarative models.

Every table has a UUID id and aware `created_at`/`updated_at`. Indexes are declared here and
created by migrations (`pam.store.migrations`), never by `create_all` in production code.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pam.store.types import JSONType, UTCDateTime, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
AutoIncrementBigInt = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class TimestampedBase(Base):
    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Project(TimestampedBase):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Source(TimestampedBase):
    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("project_id", "type", "key", name="uq_sources_project_type_key"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))  # folder | upload
    name: Mapped[str] = mapped_column(String(500))
    # `key` identifies the place (a resolved folder path, "uploads"); it is never shown to other projects.
    key: Mapped[str] = mapped_column(String(2000))
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    schedule: Mapped[str | None] = mapped_column(String(100))
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sync_status: Mapped[str | None] = mapped_column(String(32))
    last_sync_summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class Document(TimestampedBase):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("registered_source_id", "source_id", name="uq_documents_source_item"),
        Index("ix_documents_project_status_updated", "project_id", "status", "updated_at"),
        Index("ix_documents_content_hash", "content_hash"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # The registered source (`sources.id`); `source_id` is the stable id *within* that source (SPEC 3).
    registered_source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(1000))
    uri: Mapped[str] = mapped_column(String(2000))
    mime_type: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | error | deleted
    error: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    segment_count: Mapped[int] = mapped_column(Integer, default=0)


class Segment(TimestampedBase):
    __tablename__ = "segments"
    __table_args__ = (
        Index("ix_segments_document_position", "document_id", "position"),
        Index("ix_segments_content_hash", "content_hash"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    # Denormalised so access filters and index feeds never need a join.
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    section_path: Mapped[str] = mapped_column(Text, default="")
    segment_type: Mapped[str] = mapped_column(String(16), default="text")  # text | table | code | row
    page: Mapped[int | None] = mapped_column(Integer)
    char_start: Mapped[int] = mapped_column(Integer, default=0)
    char_end: Mapped[int] = mapped_column(Integer, default=0)
    token_count: Mapped[int] = mapped_column(Integer, default=0)
    # float32 little-endian, L2-normalised; the model that made it is recorded beside it.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(100))
    embedding_dim: Mapped[int | None] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)


class EmbeddingSpace(Base):
    """An embedding model the knowledge base has vectors for: the active one, or the next one being built.

    `model` is the stored model id (model, input recipe, requested dimensions). Exactly one row is
    `active`: `segments.embedding` holds its vectors. A `building` row collects its vectors in
    `segment_vectors` until every segment has one; then one transaction makes it active.
    """

    __tablename__ = "embedding_spaces"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # active | building | retired
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # provider, model, base url: no key
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SegmentVector(Base):
    """A segment's vector in a model that is being built (not yet active)."""

    __tablename__ = "segment_vectors"

    segment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(
        ForeignKey("embedding_spaces.model", ondelete="CASCADE"), primary_key=True
    )
    dim: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)


class SyncLog(TimestampedBase):
    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_project_created", "project_id", "created_at"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    document_title: Mapped[str] = mapped_column(String(1000), default="")
    action: Mapped[str] = mapped_column(String(16))  # created | updated | deleted
    segments_added: Mapped[int] = mapped_column(Integer, default=0)
    segments_removed: Mapped[int] = mapped_column(Integer, default=0)
    segments_kept: Mapped[int] = mapped_column(Integer, default=0)
    triggered_by: Mapped[str] = mapped_column(String(320), default="")
    task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingestion_tasks.id", ondelete="SET NULL"))


class IngestionTask(TimestampedBase):
    __tablename__ = "ingestion_tasks"
    __table_args__ = (
        Index("ix_ingestion_tasks_status", "status"),
        Index("ix_ingestion_tasks_project_created", "project_id", "created_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    source_ref_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # folder | upload | reindex
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    segments_created: Mapped[int] = mapped_column(Integer, default=0)
    segments_embedded: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskItem(TimestampedBase):
    __tablename__ = "task_items"
    __table_args__ = (Index("ix_task_items_task_path", "task_id", "path"),)

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ingestion_tasks.id", ondelete="CASCADE"))
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(2000))  # relative to the source: never a server path
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=0)


class User(TimestampedBase):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)


class Membership(TimestampedBase):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "project_id", name="uq_memberships_user_project"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer | editor | admin


class ApiKey(TimestampedBase):
    __tablename__ = "api_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Conversation(TimestampedBase):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_updated", "user_id", "updated_at"),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Message(TimestampedBase):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    content: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="complete")  # complete | incomplete
    provider: Mapped[str | None] = mapped_column(String(32))
    usage: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error_code: Mapped[str | None] = mapped_column(String(64))


class IndexOutbox(Base):
    """What the index beside the database must apply, written in the same transaction as the change.

    `seq` is also the index generation: search caches key on the highest seq, so any write
    makes every cached result unreachable.
    """

    __tablename__ = "index_outbox"

    seq: Mapped[int] = mapped_column(AutoIncrementBigInt, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column()
    op: Mapped[str] = mapped_column(String(16))  # upsert | delete
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

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
    false,
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
    type: Mapped[str] = mapped_column(String(32))  # folder | upload | git | github | google_drive | website
    name: Mapped[str] = mapped_column(String(500))
    # `key` identifies the place (a resolved folder path, "uploads", a repository URL without credentials);
    # it is never shown to other projects.
    key: Mapped[str] = mapped_column(String(2000))
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # never a secret
    schedule: Mapped[str | None] = mapped_column(String(100))  # "every 2h" or a cron expression
    # The next scheduled sync; claimed by exactly one process (compare-and-set on this value).
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Credentials as one Fernet token (`pam.connectors.credentials`): never returned, logged or copied.
    credentials: Mapped[str | None] = mapped_column(Text)
    # The connector's cursor after the last complete sync (a commit, a `since`, a Drive page token).
    sync_state: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320), default="")
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
    # The source's version of the item when it was written (see `SourceItem.version`).
    source_version: Mapped[str | None] = mapped_column(String(200))


class DocumentRevision(TimestampedBase):
    """One change of a document at its source (a Git commit that touched the file): its change history."""

    __tablename__ = "document_revisions"
    __table_args__ = (
        UniqueConstraint("document_id", "revision", name="uq_document_revisions_document_revision"),
        Index("ix_document_revisions_document_at", "document_id", "at"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    revision: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(320), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(16), default="updated")  # created | updated | deleted
    at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    # Unused: sign-ins through OpenID providers live in `identities` (several per user). Kept because
    # SQLite cannot drop a UNIQUE column without rebuilding `users`, which would cascade.
    external_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Every access token carries the version it was issued under; raising it ends them all at once
    # (disable, enable, new password, role change, "sign out everywhere").
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Identity(TimestampedBase):
    """A user's account at an OpenID provider: (issuer, subject) is who the provider says signed in."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_identities_issuer_subject"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))  # the configured name, for display
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), default="")
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFlow(TimestampedBase):
    """One browser sign-in through an OpenID provider, from the redirect out to the SPA's hand-off.

    Only hashes of the bearer values (state, browser cookie, hand-off code) are stored. Each stage
    moves forward once, by a conditional UPDATE, so a replayed callback or hand-off finds nothing.
    """

    __tablename__ = "login_flows"
    __table_args__ = (Index("ix_login_flows_expires_at", "expires_at"),)

    provider: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(16), default="pending")  # pending | handoff | done
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))  # PKCE; useless without our client secret
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    next_path: Mapped[str] = mapped_column(String(2000), default="/")
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
    # Limits: only these projects (None: every project of the user), and at most the viewer role.
    project_ids: Mapped[list[str] | None] = mapped_column(JSONType)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Conversation(TimestampedBase):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_user_updated", "user_id", "updated_at"),
        Index("ix_conversations_user_thread", "user_id", "thread_key"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Conversations whose history the client sends (`/v1`): a fingerprint of the turns so far, so the
    # client's next request continues this conversation (see `pam.answer.source_list.thread_key`).
    thread_key: Mapped[str | None] = mapped_column(String(64))


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
    # The grounding check's verdict on a finished answer (None: a question, or an unfinished answer);
    # `grounding` holds its detail: reason, action, and the extractive alternative when one was offered.
    grounded: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    grounding: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


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


class GlossaryTerm(TimestampedBase):
    """A term of a project's glossary: its definition and aliases ("DAU" = "daily active users").

    Loaded from glossary documents at ingestion (``document_id`` set: re-ingesting the document
    replaces them) or written through the API/CLI (``document_id`` None: ingestion never touches
    them, and a term written by hand wins over the same term in a document).
    """

    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("project_id", "term_key", name="uq_glossary_terms_project_key"),)

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(200))
    term_key: Mapped[str] = mapped_column(String(200))  # normalised: lower case, single spaces
    definition: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )


class GlossaryKey(Base):
    """Every normalised name of a term (the term and each alias), for finding terms in a query."""

    __tablename__ = "glossary_keys"
    __table_args__ = (Index("ix_glossary_keys_project_key", "project_id", "key"),)

    term_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("glossary_terms.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))

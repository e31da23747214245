"""The atomic write of one document: its row, segments, embeddings, outbox entry and sync log.

Everything here runs in the caller's transaction, so a document is committed whole or not at
all. Segments are diffed by content hash: a chunk that is still there keeps its id (citations
stay valid) and its embedding; only new chunks are inserted; vanished ones are deleted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pam.ingest.prepare import PreparedDocument
from pam.ingest.sources.base import SourceItem
from pam.store.glossary import delete_document_terms, replace_document_terms
from pam.store.models import Document, DocumentRevision, IndexOutbox, Segment, Source, SyncLog
from pam.store.types import utcnow


@dataclass(frozen=True, slots=True)
class WriteResult:
    document_id: uuid.UUID
    action: str  # created | updated
    added: int
    removed: int
    kept: int


async def existing_vectors(
    session: AsyncSession, hashes: list[str], model_id: str, document_id: uuid.UUID | None
) -> dict[str, bytes]:
    """Embeddings already stored for these chunk hashes (this document's first, then any other)."""
    found: dict[str, bytes] = {}
    for start in range(0, len(hashes), 500):
        part = hashes[start : start + 500]
        rows = await session.execute(
            select(Segment.content_hash, Segment.embedding, Segment.document_id).where(
                Segment.content_hash.in_(part),
                Segment.embedding_model == model_id,
                Segment.embedding.is_not(None),
            )
        )
        for content_hash, embedding, doc_id in rows:
            if embedding is not None and (content_hash not in found or doc_id == document_id):
                found[content_hash] = embedding
    return found


async def write_document(
    session: AsyncSession,
    *,
    source: Source,
    prepared: PreparedDocument,
    uri: str,
    model_id: str,
    task_id: uuid.UUID | None,
    triggered_by: str,
) -> WriteResult:
    item = prepared.item
    doc = await session.scalar(
        select(Document).where(
            Document.registered_source_id == source.id, Document.source_id == item.source_id
        )
    )
    action = "updated"
    if doc is None:
        action = "created"
        doc = Document(
            id=uuid.uuid4(),
            project_id=source.project_id,
            registered_source_id=source.id,
            source_type=source.type,
            source_id=item.source_id,
            tags=[],
        )
        session.add(doc)
    elif doc.status == "deleted":
        action = "created"
    doc.title = prepared.title
    doc.uri = uri
    doc.mime_type = prepared.mime_type
    doc.size_bytes = prepared.size
    doc.content_hash = prepared.content_hash
    doc.modified_at = item.modified_at
    doc.source_version = item.version
    doc.status = "active"
    doc.error = None
    doc.deleted_at = None
    doc.segment_count = len(prepared.chunks)
    doc.updated_at = utcnow()
    await session.flush()

    old_by_hash: dict[str, list[uuid.UUID]] = defaultdict(list)
    for seg_id, content_hash in await session.execute(
        select(Segment.id, Segment.content_hash)
        .where(Segment.document_id == doc.id)
        .order_by(Segment.position)
    ):
        old_by_hash[content_hash].append(seg_id)
    old_count = sum(len(ids) for ids in old_by_hash.values())

    kept = 0
    new_rows: list[dict[str, object]] = []
    for position, chunk in enumerate(prepared.chunks):
        fields = {
            "position": position,
            "section_path": chunk.section_path,
            "segment_type": chunk.segment_type,
            "page": chunk.page,
            "char_start": chunk.char_start,
            "char_end": chunk.char_end,
            "token_count": chunk.token_count,
        }
        ids = old_by_hash.get(chunk.content_hash)
        if ids:
            kept += 1
            await session.execute(update(Segment).where(Segment.id == ids.pop(0)).values(**fields))
            continue
        now = utcnow()
        new_rows.append(
            {
                "id": uuid.uuid4(),
                "document_id": doc.id,
                "project_id": doc.project_id,
                "content": chunk.content,
                "content_hash": chunk.content_hash,
                "embedding": prepared.vectors[chunk.content_hash],
                "embedding_model": model_id,
                "embedding_dim": len(prepared.vectors[chunk.content_hash]) // 4,
                "meta": {},
                "created_at": now,
                "updated_at": now,
                **fields,
            }
        )
    stale = [seg_id for ids in old_by_hash.values() for seg_id in ids]
    for start in range(0, len(stale), 500):
        await session.execute(delete(Segment).where(Segment.id.in_(stale[start : start + 500])))
    if new_rows:
        # A bulk INSERT: no ORM object per segment (ingestion's CPU goes to the embedder).
        await session.execute(insert(Segment), new_rows)
    await replace_document_terms(session, doc.project_id, doc.id, prepared.glossary)
    session.add(IndexOutbox(document_id=doc.id, op="upsert"))
    session.add(
        SyncLog(
            project_id=doc.project_id,
            document_id=doc.id,
            document_title=doc.title,
            action=action,
            segments_added=len(new_rows),
            segments_removed=len(stale),
            segments_kept=kept,
            triggered_by=triggered_by,
            task_id=task_id,
        )
    )
    await session.flush()
    assert old_count == kept + len(stale)
    await add_revisions(session, doc, item)
    return WriteResult(doc.id, action, len(new_rows), len(stale), kept)


async def add_revisions(session: AsyncSession, doc: Document, item: SourceItem) -> None:
    """The item's changes at its source that the document does not have yet (each revision once)."""
    if not item.revisions:
        return
    wanted = {r.revision: r for r in item.revisions}
    have = set(
        await session.scalars(
            select(DocumentRevision.revision).where(
                DocumentRevision.document_id == doc.id, DocumentRevision.revision.in_(list(wanted))
            )
        )
    )
    now = utcnow()
    # Commits within one second share `at`: `created_at` keeps git's order (newest first) as the tiebreak.
    rows = [
        {
            "id": uuid.uuid4(),
            "document_id": doc.id,
            "project_id": doc.project_id,
            "revision": r.revision,
            "author": r.author[:320],
            "message": r.message,
            "action": r.action,
            "at": r.at,
            "created_at": now - timedelta(microseconds=age),
            "updated_at": now,
        }
        for age, (sha, r) in enumerate(wanted.items())
        if sha not in have
    ]
    if rows:
        await session.execute(insert(DocumentRevision), rows)


async def refresh_metadata(session: AsyncSession, source: Source, item: SourceItem, uri: str) -> None:
    """Same content, new version or name (a rename at the source): the row follows, segments stay."""
    doc = await session.scalar(
        select(Document).where(
            Document.registered_source_id == source.id, Document.source_id == item.source_id
        )
    )
    if doc is None:
        return
    doc.source_version = item.version
    doc.uri = uri
    if item.title:
        doc.title = item.title
    doc.modified_at = item.modified_at or doc.modified_at
    doc.updated_at = utcnow()
    # The index re-reads the document (its title and location may be indexed or cached with hits).
    session.add(IndexOutbox(document_id=doc.id, op="upsert"))
    await session.flush()
    await add_revisions(session, doc, item)


async def mark_deleted(
    session: AsyncSession, doc: Document, *, task_id: uuid.UUID | None, triggered_by: str, when: datetime
) -> int:
    """A document gone from its source: status deleted, segments removed, out of the index."""
    removed = await session.scalar(select(Document.segment_count).where(Document.id == doc.id)) or 0
    await session.execute(delete(Segment).where(Segment.document_id == doc.id))
    await delete_document_terms(session, doc.id)
    doc.status = "deleted"
    doc.deleted_at = when
    doc.segment_count = 0
    doc.updated_at = when
    session.add(IndexOutbox(document_id=doc.id, op="delete"))
    session.add(
        SyncLog(
            project_id=doc.project_id,
            document_id=doc.id,
            document_title=doc.title,
            action="deleted",
            segments_removed=removed,
            triggered_by=triggered_by,
            task_id=task_id,
        )
    )
    await session.flush()
    return removed

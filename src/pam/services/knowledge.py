"""`ScopedKnowledge`: the knowledge base as one caller may see it (implements answer.KnowledgeTools).

Bound to a caller's access scope at construction, already narrowed to the projects the user chose
for the conversation: every call applies it. What the model asks for can only narrow further.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.answer.sources import (
    ChangeEntry,
    DocumentRef,
    DocumentText,
    Passage,
    TermDefinition,
    ToolFilters,
)
from pam.errors import NotFound
from pam.services.glossary_expansion import query_keys
from pam.services.search_scope import KnowledgeSearch, RequestedFilters
from pam.store.glossary import term_key, terms_named
from pam.store.models import Document, DocumentRevision, Segment, SyncLog


class ScopedKnowledge:
    def __init__(
        self,
        search: KnowledgeSearch,
        sessions: async_sessionmaker[AsyncSession],
        scope: AccessScope,
        *,
        source_types: list[str] | None = None,
    ) -> None:
        self._search = search
        self._sessions = sessions
        self._scope = scope
        self._source_types = source_types or None

    async def search(self, query: str, filters: ToolFilters, k: int) -> list[Passage]:
        projects = None
        if filters.project is not None:
            projects = [filters.project]
        source_types = self._source_types
        if filters.source_type is not None:
            source_types = [t for t in (source_types or [filters.source_type]) if t == filters.source_type]
            if not source_types:
                return []
        requested = RequestedFilters(
            projects=projects,
            source_types=source_types,
            sources=[filters.source_id] if filters.source_id else None,
            path_prefix=filters.path_prefix,
            tags=list(filters.tags) or None,
            updated_after=filters.updated_after,
            updated_before=filters.updated_before,
        )
        result = await self._search.search(self._scope, query, requested, mode="hybrid", k=k)
        return [
            Passage(
                segment_id=str(h.segment_id),
                document_id=str(h.document_id),
                title=h.title,
                uri=h.uri,
                section_path=h.section_path,
                page=h.page,
                content=h.content,
                # The cosine (absolute) rather than the fused score (which only orders): answerers gate on it.
                score=h.similarity if h.similarity is not None else h.score,
                project_id=str(h.project_id),
                position=h.position,
            )
            for h in result.hits
        ]

    async def _document(self, session: AsyncSession, ref: DocumentRef) -> Document:
        query = select(Document).where(
            Document.status == "active", Document.project_id.in_(self._scope.ids())
        )
        if ref.document_id:
            try:
                query = query.where(Document.id == uuid.UUID(ref.document_id))
            except ValueError as exc:
                raise NotFound("document not found") from exc
        elif ref.title:
            query = query.where(Document.title == ref.title)
        elif ref.uri:
            query = query.where(Document.uri == ref.uri)
        else:
            raise NotFound("document not found")
        doc = await session.scalar(query.order_by(Document.updated_at.desc(), Document.id).limit(1))
        if doc is None:
            raise NotFound("document not found")
        return doc

    async def get_document(
        self, ref: DocumentRef, max_chars: int, start: int = 0, limit: int | None = None
    ) -> DocumentText:
        async with self._sessions() as s:
            doc = await self._document(s, ref)
            segments = await s.stream_scalars(
                select(Segment)
                .where(Segment.document_id == doc.id, Segment.position >= start)
                .order_by(Segment.position)
            )
            passages: list[Passage] = []
            used, next_start = 0, None
            async for seg in segments:
                full = limit is not None and len(passages) >= limit
                if full or (used + len(seg.content) > max_chars and passages):
                    next_start = seg.position
                    break
                used += len(seg.content)
                passages.append(
                    Passage(
                        segment_id=str(seg.id),
                        document_id=str(doc.id),
                        title=doc.title,
                        uri=doc.uri,
                        section_path=seg.section_path,
                        page=seg.page,
                        content=seg.content,
                        score=0.0,
                        project_id=str(doc.project_id),
                        position=seg.position,
                    )
                )
            await segments.close()
        return DocumentText(
            str(doc.id),
            doc.title,
            doc.uri,
            str(doc.project_id),
            tuple(passages),
            truncated=next_start is not None,
            next_start=next_start,
        )

    async def lookup_term(self, name: str) -> list[TermDefinition]:
        key = term_key(name)
        readable = list(self._scope.ids())
        async with self._sessions() as s:
            terms = await terms_named(s, readable, [key] if key else [])
            if not terms:
                terms = await terms_named(s, readable, query_keys(name))
        return [TermDefinition(t.term, t.definition, tuple(t.aliases), str(t.project_id)) for t in terms]

    async def change_history(
        self, document: str | None, since: datetime | None, limit: int
    ) -> list[ChangeEntry]:
        async with self._sessions() as s:
            readable = self._scope.ids()
            if document:
                commits = await self._revisions(s, document, since, limit)
                if commits:
                    return commits
            query = select(SyncLog).where(SyncLog.project_id.in_(readable))
            if document:
                try:
                    query = query.where(SyncLog.document_id == uuid.UUID(document))
                except ValueError:
                    query = query.where(SyncLog.document_title == document)
            if since is not None:
                query = query.where(SyncLog.created_at >= since)
            rows = await s.scalars(query.order_by(SyncLog.created_at.desc()).limit(max(1, min(limit, 200))))
            return [
                ChangeEntry(
                    document_id=str(r.document_id),
                    title=r.document_title,
                    action=r.action,  # type: ignore[arg-type]
                    at=r.created_at,
                    segments_added=r.segments_added,
                    segments_removed=r.segments_removed,
                    segments_kept=r.segments_kept,
                    triggered_by=r.triggered_by,
                )
                for r in rows
            ]

    async def _revisions(
        self, session: AsyncSession, document: str, since: datetime | None, limit: int
    ) -> list[ChangeEntry]:
        """The document's changes at its source (Git commits), when its source keeps them."""
        docs = select(Document.id).where(Document.project_id.in_(self._scope.ids()))
        try:
            docs = docs.where(Document.id == uuid.UUID(document))
        except ValueError:
            docs = docs.where(Document.title == document)
        query = (
            select(DocumentRevision, Document.title)
            .join(Document, Document.id == DocumentRevision.document_id)
            .where(DocumentRevision.document_id.in_(docs))
        )
        if since is not None:
            query = query.where(DocumentRevision.at >= since)
        rows = await session.execute(
            query.order_by(DocumentRevision.at.desc(), DocumentRevision.created_at.desc()).limit(
                max(1, min(limit, 200))
            )
        )
        return [
            ChangeEntry(
                document_id=str(r.document_id),
                title=title,
                action=r.action,  # type: ignore[arg-type]
                at=r.at,
                revision=r.revision,
                author=r.author,
                message=r.message,
            )
            for r, title in rows
        ]

"""Read what the index must hold from the database: the outbox, and documents' current segments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.search.filters import IndexedSegment
from pam.store import embedding_spaces
from pam.store.models import Document, IndexOutbox, Segment


@dataclass(frozen=True, slots=True)
class VectorSpace:
    """The embedding model an index serves vectors of, and their dimension."""

    model: str
    dim: int


@dataclass(slots=True)
class SegmentBatch:
    segments: list[IndexedSegment]
    vectors: npt.NDArray[np.float32]  # zero rows where `has_vector` is False
    has_vector: npt.NDArray[np.bool_]  # the segment has a vector of the served model

    def with_vectors(self) -> tuple[list[IndexedSegment], npt.NDArray[np.float32]]:
        """The segments that have a vector of the served model, and those vectors."""
        keep = np.flatnonzero(self.has_vector)
        return [self.segments[i] for i in keep], self.vectors[keep]


async def active_space(session: AsyncSession) -> VectorSpace | None:
    """The model whose vectors the indexes must serve (None before any is registered)."""
    found = await embedding_spaces.active_space(session)
    return None if found is None else VectorSpace(found.model, found.dim)


async def max_seq(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(IndexOutbox.seq))) or 0)


async def oldest_pending(session: AsyncSession, after: int) -> datetime | None:
    """When the oldest change the index has not applied yet was committed (None: nothing pending)."""
    return await session.scalar(select(func.min(IndexOutbox.created_at)).where(IndexOutbox.seq > after))


async def changed_documents(session: AsyncSession, after: int, limit: int) -> tuple[list[uuid.UUID], int]:
    """Distinct documents touched after `after` (in seq order) and the highest seq read."""
    rows = (
        await session.execute(
            select(IndexOutbox.seq, IndexOutbox.document_id)
            .where(IndexOutbox.seq > after)
            .order_by(IndexOutbox.seq)
            .limit(limit)
        )
    ).all()
    if not rows:
        return [], after
    return list(dict.fromkeys(doc_id for _, doc_id in rows)), int(rows[-1][0])


def _segment_query() -> Any:  # Select of a 14-column row, unpacked in _batch
    return (
        select(
            Segment.id,
            Segment.document_id,
            Segment.project_id,
            Segment.section_path,
            Segment.content,
            Segment.embedding,
            Segment.embedding_model,
            Segment.embedding_dim,
            Document.source_type,
            Document.registered_source_id,
            Document.uri,
            Document.tags,
            Document.updated_at,
            Document.title,
        )
        .join(Document, Document.id == Segment.document_id)
        .where(Document.status == "active")
    )


def _batch(rows: Sequence[Any], space: VectorSpace | None) -> SegmentBatch:
    segments: list[IndexedSegment] = []
    dim = space.dim if space is not None else 0
    vectors = np.zeros((len(rows), dim), dtype=np.float32)
    has_vector = np.zeros(len(rows), dtype=np.bool_)
    for i, row in enumerate(rows):
        (
            seg_id,
            doc_id,
            project_id,
            section,
            content,
            embedding,
            model,
            embedding_dim,
            source_type,
            source_ref,
            uri,
            tags,
            updated_at,
            title,
        ) = row
        segments.append(
            IndexedSegment(
                segment_id=str(seg_id),
                document_id=str(doc_id),
                project_id=str(project_id),
                source_type=source_type,
                source_id=str(source_ref),
                path=uri,
                tags=tuple(tags or ()),
                updated_at=updated_at,
                title=title,
                section_path=section,
                content=content,
            )
        )
        # Only vectors recorded as the served model's (and of its length): never one of another model.
        if (
            space is not None
            and embedding is not None
            and model == space.model
            and embedding_dim == dim
            and len(embedding) == dim * 4
        ):
            vector = np.frombuffer(embedding, dtype="<f4")
            if np.isfinite(vector).all():
                vectors[i], has_vector[i] = vector, True
    return SegmentBatch(segments, vectors, has_vector)


async def segments_of(
    session: AsyncSession, document_ids: Sequence[uuid.UUID], space: VectorSpace | None
) -> SegmentBatch:
    query = _segment_query().where(Segment.document_id.in_(document_ids))
    return _batch((await session.execute(query)).all(), space)


async def all_segments(
    session: AsyncSession, space: VectorSpace | None, page: int = 20_000
) -> list[SegmentBatch]:
    """Every active segment, in pages keyed by id (no OFFSET scans)."""
    batches: list[SegmentBatch] = []
    last: uuid.UUID | None = None
    while True:
        query = _segment_query().order_by(Segment.id).limit(page)
        if last is not None:
            query = query.where(Segment.id > last)
        rows = (await session.execute(query)).all()
        if not rows:
            return batches
        batches.append(_batch(rows, space))
        last = rows[-1][0]

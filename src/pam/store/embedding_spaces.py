"""Which embedding model the stored vectors belong to: reading and changing `embedding_spaces`.

The indexes read `active_space` to know which vectors to serve; the services register the configured
model (`register`) and, when it differs from the active one, build its vectors and `activate` it.
Activation is one transaction: every segment's vector is replaced by the new model's (or cleared where
none exists), so no reader ever sees vectors of two models labelled as one. Model and dimension stay
recorded beside each vector (`segments.embedding_model`, `embedding_dim`), and the indexes only take
vectors whose model is the active one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import Document, EmbeddingSpace, Segment, SegmentVector
from pam.store.types import utcnow


@dataclass(frozen=True, slots=True)
class SpaceInfo:
    model: str
    dim: int
    status: str
    spec: dict[str, Any]
    total: int
    done: int
    error: str | None


def _info(row: EmbeddingSpace) -> SpaceInfo:
    return SpaceInfo(row.model, row.dim, row.status, dict(row.spec or {}), row.total, row.done, row.error)


async def active_space(session: AsyncSession) -> SpaceInfo | None:
    row = await session.scalar(select(EmbeddingSpace).where(EmbeddingSpace.status == "active"))
    return None if row is None else _info(row)


async def spaces(session: AsyncSession) -> list[SpaceInfo]:
    rows = await session.scalars(select(EmbeddingSpace).order_by(EmbeddingSpace.created_at))
    return [_info(r) for r in rows]


async def _lock_spaces(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Processes starting together must agree on one active row: serialise registration.
        await session.execute(select(func.pg_advisory_xact_lock(0x70616D2D656D62)))


async def _vectors_in_use(session: AsyncSession) -> tuple[str, int] | None:
    """The model (and dimension) most stored vectors belong to: what a database from before spaces holds."""
    row = (
        await session.execute(
            select(Segment.embedding_model, Segment.embedding_dim, func.count())
            .where(Segment.embedding.is_not(None), Segment.embedding_model.is_not(None))
            .group_by(Segment.embedding_model, Segment.embedding_dim)
            .order_by(func.count().desc())
            .limit(1)
        )
    ).first()
    return None if row is None or row[1] is None else (str(row[0]), int(row[1]))


async def register(
    session: AsyncSession,
    model: str,
    dim: int,
    spec: dict[str, Any],
    *,
    known_specs: dict[str, dict[str, Any]],
) -> SpaceInfo:
    """Make sure `model` is the active space or the one being built; return the active space.

    With no active space yet, the model the stored vectors already have becomes active (its spec taken
    from `known_specs` when it is one we know how to build); with no vectors at all, `model` does.
    """
    await _lock_spaces(session)
    rows = {r.model: r for r in await session.scalars(select(EmbeddingSpace))}
    active = next((r for r in rows.values() if r.status == "active"), None)
    if active is None:
        in_use = await _vectors_in_use(session)
        current, current_dim = in_use if in_use is not None else (model, dim)
        active = rows.get(current)
        if active is None:
            active = EmbeddingSpace(
                model=current,
                dim=current_dim,
                status="active",
                spec=spec if current == model else known_specs.get(current, {}),
                total=0,
                done=0,
                activated_at=utcnow(),
            )
            session.add(active)
            rows[current] = active
        active.status = "active"
    if model != active.model:
        target = rows.get(model)
        if target is None:
            session.add(EmbeddingSpace(model=model, dim=dim, status="building", spec=spec, total=0, done=0))
        elif target.dim != dim:
            # The same model name now answers another dimension: what was built for it is useless.
            await session.execute(delete(SegmentVector).where(SegmentVector.model == model))
            target.dim, target.status, target.done, target.spec, target.error = dim, "building", 0, spec, None
        else:
            target.status, target.spec, target.error = "building", spec, None
    await session.flush()
    return _info(active)


def missing_vectors_query(model: str, limit: int) -> Any:  # a Select of (id, section_path, content)
    """Segments of active documents that have no vector in the `model` being built, by id."""
    has_vector = exists().where(and_(SegmentVector.segment_id == Segment.id, SegmentVector.model == model))
    return (
        select(Segment.id, Segment.section_path, Segment.content)
        .join(Document, Document.id == Segment.document_id)
        .where(Document.status == "active", ~has_vector)
        .order_by(Segment.id)
        .limit(limit)
    )


def stale_vectors_query(
    model: str, limit: int
) -> Any:  # a Select of (id, section_path, content, document_id)
    """Segments of active documents whose vector is not of the active `model` (or missing)."""
    return (
        select(Segment.id, Segment.section_path, Segment.content, Segment.document_id)
        .join(Document, Document.id == Segment.document_id)
        .where(
            Document.status == "active",
            (Segment.embedding_model.is_(None)) | (Segment.embedding_model != model),
        )
        .order_by(Segment.id)
        .limit(limit)
    )


async def count_progress(session: AsyncSession, model: str) -> tuple[int, int]:
    """(segments of active documents, how many of them have a vector in `model`)."""
    total = await session.scalar(
        select(func.count()).select_from(Segment).join(Document).where(Document.status == "active")
    )
    done = await session.scalar(
        select(func.count())
        .select_from(SegmentVector)
        .join(Segment, Segment.id == SegmentVector.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .where(SegmentVector.model == model, Document.status == "active")
    )
    return int(total or 0), int(done or 0)


async def set_progress(session: AsyncSession, model: str, total: int, done: int, error: str | None) -> None:
    await session.execute(
        update(EmbeddingSpace)
        .where(EmbeddingSpace.model == model)
        .values(total=total, done=done, error=error, updated_at=utcnow())
    )


async def activate(session: AsyncSession, model: str) -> bool:
    """Switch every segment to `model`'s vectors in this transaction; False if some are still missing."""
    await _lock_spaces(session)
    target = await session.get(EmbeddingSpace, model, with_for_update=True)
    if target is None or target.status != "building":
        return False
    if (await session.execute(missing_vectors_query(model, 1))).first() is not None:
        return False
    vector = select(SegmentVector.embedding).where(
        SegmentVector.segment_id == Segment.id, SegmentVector.model == model
    )
    has_vector = exists().where(SegmentVector.segment_id == Segment.id, SegmentVector.model == model)
    await session.execute(
        update(Segment)
        .where(has_vector)
        .values(embedding=vector.scalar_subquery(), embedding_model=model, embedding_dim=target.dim)
        .execution_options(synchronize_session=False)
    )
    # Segments no new vector was made for (their document is not active): no vector rather than an old one.
    await session.execute(
        update(Segment)
        .where((Segment.embedding_model.is_(None)) | (Segment.embedding_model != model))
        .values(embedding=None, embedding_model=None, embedding_dim=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(SegmentVector).where(SegmentVector.model == model))
    await session.execute(
        update(EmbeddingSpace).where(EmbeddingSpace.status == "active").values(status="retired")
    )
    target.status, target.activated_at, target.done, target.error = "active", utcnow(), target.total, None
    await session.flush()
    return True

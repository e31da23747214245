"""The writes of the PostgreSQL index: apply a group of changed documents inside the caller's transaction.

The caller holds the `search_state` row lock, so one applier runs at a time across all processes.
A document is applied whole: its rows leave the index (their lexemes' document frequencies go down),
then its current active segments come in (frequencies go up), and N/total length follow, all in the
same transaction as the new `applied_seq`. Replaying a document is therefore harmless, and a crash
at any point leaves the index at the last committed `applied_seq`.

Text is analysed server-side (pam.search.pg_text); only embeddings pass through Python, because
`segments.embedding` holds raw float32 bytes that SQL cannot turn into a vector. Each row keeps the
model and dimension its segment's vector was recorded with; searches only read the served model's.
`embedding` is a plain `vector` (any length), indexed by one partial HNSW index per dimension on
`embedding::vector(d)` (`halfvec(d)` past pgvector's 2,000-dimension limit for `vector` indexes).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from pam.search.pg_text import ANALYZER_VERSION, analyzed

# Segments per INSERT: bounds the memory of a batch whose documents have thousands of segments.
SEGMENT_PAGE = 1000


# pgvector indexes `vector` up to 2,000 dimensions and `halfvec` up to 4,000.
MAX_VECTOR_INDEX_DIM = 2000
MAX_HALFVEC_INDEX_DIM = 4000


@dataclass(frozen=True, slots=True)
class IndexState:
    applied_seq: int
    segments: int
    total_length: int
    analyzer: str
    vector_model: str  # '' before any model was served


_STATE_COLUMNS = "applied_seq, segments, total_length, analyzer, vector_model"


async def read_state(session: AsyncSession, *, lock: str = "") -> IndexState | None:
    """The state row; ``lock`` is "", "FOR UPDATE" or "FOR UPDATE SKIP LOCKED" (None: skipped)."""
    row = (
        await session.execute(text(f"SELECT {_STATE_COLUMNS} FROM search_state WHERE id = 1 {lock}"))
    ).one_or_none()
    return (
        None if row is None else IndexState(int(row[0]), int(row[1]), int(row[2]), str(row[3]), str(row[4]))
    )


def vector_cast(dim: int) -> str:
    """The type a `dim`-long vector is indexed and searched as (an int goes into SQL text: checked)."""
    if not 1 <= int(dim) <= MAX_HALFVEC_INDEX_DIM:
        raise ValueError(f"no HNSW index for {dim}-dimensional vectors")
    return f"vector({int(dim)})" if dim <= MAX_VECTOR_INDEX_DIM else f"halfvec({int(dim)})"


async def ensure_vector_index(session: AsyncSession, dim: int) -> None:
    """The partial HNSW index for `dim`-long vectors (built inside the caller's transaction)."""
    cast = vector_cast(dim)
    await session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_search_segments_embedding_{int(dim)} ON search_segments "
            f"USING hnsw ((embedding::{cast}) {cast.split('(')[0]}_cosine_ops) WHERE embedding_dim = {int(dim)}"
        )
    )


async def switch_model(session: AsyncSession, model: str, dim: int) -> None:
    """Serve `model`: rows whose segment has its vector take it, the others lose theirs; one transaction.

    Readers keep seeing the old vectors (MVCC) until the caller commits, so the switch is atomic.
    """
    await ensure_vector_index(session, dim)
    after = uuid.UUID(int=0)
    while True:
        rows = (
            await session.execute(
                text(
                    "SELECT ss.segment_id, s.embedding, s.embedding_model, s.embedding_dim "
                    "FROM search_segments ss JOIN segments s ON s.id = ss.segment_id "
                    "WHERE ss.segment_id > :after ORDER BY ss.segment_id LIMIT :page"
                ),
                {"after": after, "page": SEGMENT_PAGE},
            )
        ).all()
        if not rows:
            break
        raws = [r[1] if r[2] == model and r[3] == dim else None for r in rows]
        has, flat = _vectors(raws, dim)
        await session.execute(
            text(_REVECTOR),
            {"ids": [r[0] for r in rows], "has": has, "flat": flat, "dim": dim, "model": model},
        )
        after = rows[-1][0]
    await session.execute(text("UPDATE search_state SET vector_model = :m WHERE id = 1"), {"m": model})


_REVECTOR = """
UPDATE search_segments ss
SET embedding = CASE WHEN v.has THEN CAST(
        (CAST(:flat AS real[]))[(CAST(v.n AS int) - 1) * CAST(:dim AS int) + 1 : CAST(v.n AS int) * CAST(:dim AS int)]
        AS vector) END,
    embedding_model = CASE WHEN v.has THEN CAST(:model AS text) END,
    embedding_dim = CASE WHEN v.has THEN CAST(:dim AS int) END
FROM unnest(CAST(:ids AS uuid[]), CAST(:has AS boolean[])) WITH ORDINALITY AS v(id, has, n)
WHERE ss.segment_id = v.id
"""


async def reset(session: AsyncSession) -> None:
    """Empty the index and mark it built by this analyzer: the outbox is then replayed from the start."""
    await session.execute(text("TRUNCATE search_segments, search_terms"))
    await session.execute(
        text(
            "UPDATE search_state SET applied_seq = 0, segments = 0, total_length = 0, analyzer = :v "
            "WHERE id = 1"
        ),
        {"v": ANALYZER_VERSION},
    )


async def set_applied(session: AsyncSession, seq: int) -> None:
    await session.execute(text("UPDATE search_state SET applied_seq = :seq WHERE id = 1"), {"seq": seq})


async def apply_documents(
    session: AsyncSession, document_ids: Sequence[uuid.UUID], model: str, dim: int
) -> None:
    """Re-apply these documents whole; only vectors recorded as `model`'s (of length `dim`) are kept."""
    docs = list(document_ids)
    await _remove(session, docs)
    after = uuid.UUID(int=0)
    while True:
        rows = (
            await session.execute(
                text(
                    "SELECT s.id, s.embedding, s.embedding_model, s.embedding_dim "
                    "FROM segments s JOIN documents d ON d.id = s.document_id "
                    "WHERE s.document_id = ANY(CAST(:docs AS uuid[])) AND d.status = 'active' AND s.id > :after "
                    "ORDER BY s.id LIMIT :page"
                ),
                {"docs": docs, "after": after, "page": SEGMENT_PAGE},
            )
        ).all()
        if not rows:
            return
        raws = [r[1] if r[2] == model and r[3] == dim else None for r in rows]
        await _insert(session, [r[0] for r in rows], raws, model, dim)
        after = rows[-1][0]


def _vectors(raws: Sequence[bytes | None], dim: int) -> tuple[list[bool], list[float]]:
    """Which rows have a usable embedding, and all of them concatenated (zeros for the others).

    One flat real[] parameter, sliced per row in SQL: asyncpg encodes it in binary, where formatting
    pgvector's text form ("[0.1,...]") in Python cost about a millisecond per vector.
    """
    matrix = np.zeros((len(raws), dim), dtype=np.float32)
    has = [False] * len(raws)
    for i, raw in enumerate(raws):
        # Missing, of another model, or not finite (pgvector rejects NaN, and one bad row must not
        # stop the index for good): the segment is indexed for keywords only.
        if raw is not None and len(raw) == dim * 4:
            vec = np.frombuffer(raw, dtype="<f4")
            if np.isfinite(vec).all():
                matrix[i], has[i] = vec, True
    return has, matrix.ravel().tolist()


# Lexemes are counted once per segment (tsvector_to_array has each lexeme once): that is what
# document frequency means. Terms that reach zero are returned so the caller can drop them; the
# same statement cannot both update and delete a row.
_REMOVE = """
WITH gone AS (
    DELETE FROM search_segments WHERE document_id = ANY(CAST(:docs AS uuid[])) RETURNING tsv, length
),
gone_terms AS (
    SELECT lexeme, count(*) AS n FROM gone, unnest(tsvector_to_array(gone.tsv)) AS lexeme GROUP BY lexeme
),
lowered AS (
    UPDATE search_terms t SET df = t.df - g.n FROM gone_terms g WHERE t.term = g.lexeme RETURNING t.term, t.df
)
UPDATE search_state
SET segments = segments - (SELECT count(*) FROM gone),
    total_length = total_length - (SELECT coalesce(sum(length), 0) FROM gone)
WHERE id = 1
RETURNING (SELECT array_agg(term) FROM lowered WHERE df <= 0)
"""


async def _remove(session: AsyncSession, docs: list[uuid.UUID]) -> None:
    emptied = (await session.execute(text(_REMOVE), {"docs": docs})).scalar_one()
    if emptied:
        await session.execute(
            text("DELETE FROM search_terms WHERE term = ANY(CAST(:terms AS text[])) AND df <= 0"),
            {"terms": list(emptied)},
        )


# The body is what the tantivy index puts in its one BM25 field: title, section path and content,
# with the title left out when the section path already starts with it (it would count twice).
# `length` is the number of indexed tokens (stop words excluded), BM25's document length.
_BODY = (
    "concat_ws(' ', CASE WHEN starts_with(s.section_path, d.title) THEN NULL ELSE d.title END, "
    "s.section_path, s.content)"
)
_INSERT = f"""
WITH src AS (
    SELECT s.id, s.document_id, s.project_id, d.source_type, d.registered_source_id, d.uri,
           CASE WHEN jsonb_typeof(CAST(d.tags AS jsonb)) = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(CAST(d.tags AS jsonb)))
                ELSE CAST('{{}}' AS text[]) END AS tags,
           d.updated_at, {analyzed(_BODY)} AS tsv,
           CASE WHEN v.has THEN CAST(
               (CAST(:flat AS real[]))[(CAST(v.n AS int) - 1) * CAST(:dim AS int) + 1 : CAST(v.n AS int) * CAST(:dim AS int)]
               AS vector) END AS embedding
    FROM unnest(CAST(:ids AS uuid[]), CAST(:has AS boolean[])) WITH ORDINALITY AS v(id, has, n)
    JOIN segments s ON s.id = v.id
    JOIN documents d ON d.id = s.document_id
    WHERE d.status = 'active'
),
ins AS (
    INSERT INTO search_segments
        (segment_id, document_id, project_id, source_type, source_id, path, tags, updated_at, length, tsv,
         embedding, embedding_model, embedding_dim)
    SELECT id, document_id, project_id, source_type, registered_source_id, uri, tags, updated_at,
           (SELECT coalesce(sum(cardinality(u.positions)), 0) FROM unnest(src.tsv) AS u), tsv, embedding,
           CASE WHEN embedding IS NOT NULL THEN CAST(:model AS text) END,
           CASE WHEN embedding IS NOT NULL THEN CAST(:dim AS int) END
    FROM src
    ON CONFLICT (segment_id) DO NOTHING
    RETURNING tsv, length
),
new_terms AS (
    SELECT lexeme, count(*) AS n FROM ins, unnest(tsvector_to_array(ins.tsv)) AS lexeme GROUP BY lexeme
),
raised AS (
    INSERT INTO search_terms (term, df) SELECT lexeme, n FROM new_terms
    ON CONFLICT (term) DO UPDATE SET df = search_terms.df + EXCLUDED.df
)
UPDATE search_state
SET segments = segments + (SELECT count(*) FROM ins),
    total_length = total_length + (SELECT coalesce(sum(length), 0) FROM ins)
WHERE id = 1
"""


async def _insert(
    session: AsyncSession, ids: list[uuid.UUID], raws: Sequence[bytes | None], model: str, dim: int
) -> None:
    has, flat = _vectors(raws, dim)
    await session.execute(text(_INSERT), {"ids": ids, "has": has, "flat": flat, "dim": dim, "model": model})

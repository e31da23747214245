"""The reads of the PostgreSQL index: BM25 over tsvector and pgvector HNSW, filters inside both.

BM25 (k1 = 1.2, b = 0.75, Lucene/tantivy's IDF ln(1 + (N - df + 0.5) / (df + 0.5))) is computed in SQL,
because PostgreSQL's own `ts_rank` has no IDF and ranks far worse (0.58 nDCG@10 on SciFact against
0.69). N, the average length and each lexeme's df come from `search_state` and `search_terms`, kept by
pg_apply. A segment's term frequencies come from its own tsvector: `setweight(tsv, 'A', lexemes)` marks
just the query's lexemes (stored tsvectors carry only the default weight D), `ts_filter(..., '{a}')`
keeps them, and each one's number of positions is its frequency.

Scoring costs a few microseconds per candidate, and an OR of common words matches most of a large
index (21k of 36k synthetic segments for one SciFact query: 0.86 s). So candidates are pruned the
MaxScore way, which changes no result: a term adds at most idf * (k1 + 1) to a score. The rarest
terms' candidates are scored first; their k-th best score is a floor the final k-th score cannot be
below, and a segment holding only common terms whose maximal contributions add up to less than that
floor cannot enter the top k, so those terms need not generate candidates at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from pam.search.index import Hits
from pam.search.pg_apply import vector_cast
from pam.search.pg_filters import SqlCondition
from pam.search.pg_text import QUERY_CTE

K1 = 1.2
B = 0.75
# First pass: the rarest terms, until their postings add up to this many times the results wanted.
FIRST_PASS_POSTINGS = 4
# pgvector caps hnsw.ef_search at 1000; it must be at least the number of results wanted.
MAX_EF_SEARCH = 1000
MIN_EF_SEARCH = 40  # pgvector's default


@dataclass(frozen=True, slots=True)
class QueryTerm:
    lexeme: str
    df: int
    weight: float  # idf * (k1 + 1): also the most this term can add to any score


_TERMS_SQL = f"""
WITH {QUERY_CTE}
SELECT q.lexeme, t.df, st.segments, st.total_length
FROM query_lexemes q
CROSS JOIN search_state st
JOIN search_terms t ON t.term = q.lexeme
WHERE st.id = 1 AND t.df > 0
"""


def _score_sql(where: str) -> str:
    return f"""
SELECT s.segment_id, (
    SELECT sum((CAST(:weights AS float8[]))[array_position(CAST(:terms AS text[]), m.lexeme)]
               * cardinality(m.positions)
               / (cardinality(m.positions) + {K1} * (1 - {B} + {B} * s.length / CAST(:avgdl AS float8))))
    FROM unnest(ts_filter(setweight(s.tsv, 'A', CAST(:terms AS text[])), '{{a}}')) AS m
) AS score
FROM search_segments s
WHERE s.tsv @@ CAST(:tsq AS tsquery) AND {where}
ORDER BY score DESC, s.segment_id
LIMIT :limit
"""


# MATERIALIZED keeps the HNSW scan (and its LIMIT) inside: an iterative scan in relaxed order may
# return rows slightly out of distance order, which the outer ORDER BY puts right.
# The per-dimension HNSW index is on `embedding::<cast>` WHERE embedding_dim = <dim>: both appear
# literally so the planner can use it (the dimension is an int, checked by pg_apply.vector_cast).
_VECTOR_SQL = """
WITH nearest AS MATERIALIZED (
    SELECT s.segment_id, (s.embedding::{cast}) <=> CAST(CAST(CAST(:qv AS real[]) AS vector) AS {cast}) AS distance
    FROM search_segments s
    WHERE s.embedding_dim = {dim} AND s.embedding_model = :model AND {where}
    ORDER BY distance
    LIMIT :limit
)
SELECT segment_id, 1 - distance AS score FROM nearest ORDER BY distance, segment_id
"""


def _tsquery(lexemes: list[str]) -> str:
    # tsquery input syntax: each lexeme quoted, so nothing in it is read as an operator.
    return " | ".join("'" + lx.replace("\\", "\\\\").replace("'", "''") + "'" for lx in lexemes)


async def _terms(session: AsyncSession, query: str) -> tuple[list[QueryTerm], float]:
    rows = (await session.execute(text(_TERMS_SQL), {"query": query})).all()
    if not rows:
        return [], 1.0
    n = max(int(rows[0][2]), 1)
    avgdl = max(int(rows[0][3]), 1) / n
    terms = [
        QueryTerm(lx, int(df), math.log(1 + (n - df + 0.5) / (df + 0.5)) * (K1 + 1)) for lx, df, _, _ in rows
    ]
    return terms, avgdl


async def keyword(session: AsyncSession, query: str, condition: SqlCondition, limit: int) -> Hits:
    terms, avgdl = await _terms(session, query)
    if not terms:
        return []
    # Transaction-local (the session's implicit transaction ends with it). A plan made for the
    # actual tsquery and filter values, but never a sequential scan: that de-TOASTs and tests every
    # segment's tsvector, while the GIN index already names the candidates (an OR of common words
    # matching ~45% of 100k segments: 460 ms by seq scan, 300 ms by the GIN bitmap). The GIN path
    # always exists (`tsv @@` is in every WHERE), so this only ever removes the seq scan.
    await session.execute(
        text(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
            "set_config('enable_seqscan', 'off', true)"
        )
    )
    sql = text(_score_sql(condition.sql))
    params = {
        "terms": [t.lexeme for t in terms],
        "weights": [t.weight for t in terms],
        "avgdl": avgdl,
        "limit": limit,
        **condition.params,
    }

    async def score(matching: list[QueryTerm]) -> Hits:
        rows = await session.execute(sql, {**params, "tsq": _tsquery([t.lexeme for t in matching])})
        return [(str(segment_id), float(s or 0.0)) for segment_id, s in rows]

    rarest = sorted(terms, key=lambda t: (t.df, t.lexeme))
    first: list[QueryTerm] = []
    postings = 0
    for term in rarest:
        if first and postings >= FIRST_PASS_POSTINGS * limit:
            break
        first.append(term)
        postings += term.df
    hits = await score(first)
    if len(first) == len(terms):
        return hits
    floor = hits[-1][1] if len(hits) >= limit else 0.0
    # The most common terms whose best possible total stays below the floor generate no candidates.
    essential, bound = list(rarest), 0.0
    while essential and bound + essential[-1].weight < floor:
        bound += essential.pop().weight
    if len(essential) <= len(first):
        return hits  # every term that could place a segment in the top k was in the first pass
    return await score(essential)


async def vector(
    session: AsyncSession,
    query_vector: list[float],
    condition: SqlCondition,
    limit: int,
    *,
    model: str,
    iterative: bool,
) -> Hits:
    """Cosine similarity (1 - cosine distance), best first. Run inside a transaction (SET LOCAL).

    The vector travels as a binary real[] (cast to vector in SQL), not as pgvector's text form.
    """
    ef = str(min(MAX_EF_SEARCH, max(MIN_EF_SEARCH, limit)))
    # One round trip for every setting. Custom plans always: a generic plan cannot see how selective
    # the project filter is (its estimate for `= ANY($n)` is a default), and for a small project it
    # would walk the HNSW graph through thousands of rejected rows (and stop at hnsw.max_scan_tuples
    # with too few results) instead of sorting that project's few rows exactly by the btree.
    settings = (
        "set_config('hnsw.ef_search', :ef, true), set_config('plan_cache_mode', 'force_custom_plan', true)"
    )
    if iterative:
        # pgvector >= 0.8: when filters reject what the graph walk found, keep walking instead of
        # returning fewer rows than asked for. relaxed_order rather than strict_order (pgvector's
        # README: better recall): with a filter passing a quarter of 100k segments it took 32 ms
        # instead of 52 and found three times as many of the exact top 100 (random vectors). Its
        # slightly unordered output is sorted again by the outer query of _VECTOR_SQL.
        settings += ", set_config('hnsw.iterative_scan', 'relaxed_order', true)"
    await session.execute(text(f"SELECT {settings}"), {"ef": ef})
    dim = len(query_vector)
    sql = _VECTOR_SQL.format(where=condition.sql, cast=vector_cast(dim), dim=int(dim))
    rows = await session.execute(
        text(sql), {"qv": query_vector, "limit": limit, "model": model, **condition.params}
    )
    return [(str(segment_id), float(score)) for segment_id, score in rows]

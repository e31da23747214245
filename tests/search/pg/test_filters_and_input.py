"""Filters mean what pam.search.filters says, and no query text or vector can break a search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from tests.search.pg.conftest import EMBEDDER, PgEnv

from pam.errors import InvalidInput
from pam.search.filters import SearchFilters
from pam.search.postgres_index import PostgresIndex

MOMENT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def _corpus(pg_env: PgEnv) -> PostgresIndex:
    await pg_env.add("alpha", "docs/a_b.md", ["Lemur budget."], tags=["finance", "q1"], updated_at=MOMENT)
    await pg_env.add(
        "alpha", "docs/axb.md", ["Lemur roadmap."], tags=["product"], updated_at=MOMENT + timedelta(days=1)
    )
    await pg_env.add("alpha", "100%/c.md", ["Lemur audit."], updated_at=MOMENT - timedelta(days=1))
    return await pg_env.open_index()


async def _both(index: PostgresIndex, filters: SearchFilters) -> tuple[int, int]:
    keyword = await index.keyword("lemur", filters, 10)
    vector = await index.vector(EMBEDDER.embed_query("lemur"), filters, 10)
    return len(keyword), len(vector)


FILTER_CASES = [
    (SearchFilters(), 3),
    (SearchFilters(path_prefix="docs/a_"), 1),  # "_" is no wildcard
    (SearchFilters(path_prefix="100%"), 1),  # nor is "%"
    (SearchFilters(path_prefix="docs/"), 2),
    (SearchFilters(path_prefix=""), 3),
    (SearchFilters(tags=frozenset({"q1", "product"})), 2),
    (SearchFilters(tags=frozenset()), 0),
    (SearchFilters(source_types=frozenset({"folder"})), 3),
    (SearchFilters(source_types=frozenset({"upload"})), 0),
    (SearchFilters(updated_after=MOMENT, updated_before=MOMENT), 1),  # inclusive bounds
    (SearchFilters(updated_after=MOMENT.replace(tzinfo=None)), 2),  # naive means UTC
    (SearchFilters(updated_after=MOMENT, updated_before=MOMENT - timedelta(seconds=1)), 0),
    (SearchFilters(project_ids=frozenset({"not-a-uuid"})), 0),
    (SearchFilters(source_ids=frozenset({"00000000-0000-0000-0000-000000000000"})), 0),
]


async def test_filters_restrict_both_searches_alike(pg_env: PgEnv) -> None:
    # One corpus for all cases: a fresh migrated database per case would cost seconds each.
    index = await _corpus(pg_env)
    for filters, expected in FILTER_CASES:
        assert await _both(index, filters) == (expected, expected), filters


async def test_source_filter_takes_the_registered_source(pg_env: PgEnv) -> None:
    index = await _corpus(pg_env)
    source = str(pg_env.sources["alpha"].id)
    assert await _both(index, SearchFilters(source_ids=frozenset({source, "junk"}))) == (3, 3)


HOSTILE_QUERIES = [
    "'&|!:*()",
    "lemur & !budget",
    "lemur:* | (audit <-> x)",
    "\\ ' '' \\' lemur",
    "\x00lemur\x00",
    "lemur \ud800",
    "the of and",
    "",
    "lemur " * 3000,
    " ".join(f"w{i}" for i in range(500)),
]


async def test_hostile_queries_are_read_as_words(pg_env: PgEnv) -> None:
    index = await _corpus(pg_env)
    for query in HOSTILE_QUERIES:
        hits = await index.keyword(query, SearchFilters(), 10)
        assert all(np.isfinite(score) for _, score in hits)
        assert len(hits) == (3 if "lemur" in query else 0), query[:40]


async def test_bad_query_vectors(pg_env: PgEnv) -> None:
    index = await _corpus(pg_env)
    with pytest.raises(InvalidInput):
        await index.vector(np.ones(64, dtype=np.float32), SearchFilters(), 5)
    with pytest.raises(InvalidInput):
        await index.vector(np.full(384, np.nan, dtype=np.float32), SearchFilters(), 5)
    assert await index.vector(np.zeros(384, dtype=np.float32), SearchFilters(), 5) == []
    assert await index.vector(EMBEDDER.embed_query("lemur"), SearchFilters(), 0) == []


async def test_filters_do_not_starve_vector_results(pg_env: PgEnv) -> None:
    # Most nearest neighbours belong to another project; the HNSW walk must go on past them.
    async with pg_env.sessions.begin() as s:
        for i in range(150):
            await pg_env.write(s, "beta", f"b{i}.md", [f"Lemur report number {i}."])
    await pg_env.add("alpha", "a.md", ["A note on something else entirely."])
    await pg_env.add("alpha", "b.md", ["Another unrelated alpha note."])
    index = await pg_env.open_index()
    hits = await index.vector(EMBEDDER.embed_query("lemur report"), pg_env.scope("alpha"), 5)
    assert len(hits) == 2


async def test_a_query_of_another_model_finds_nothing(pg_env: PgEnv) -> None:
    index = await _corpus(pg_env)
    query = EMBEDDER.embed_query("lemur")
    assert await index.vector(query, SearchFilters(), 5, model=EMBEDDER.model_id)
    assert await index.vector(query, SearchFilters(), 5, model="another/model") == []


async def test_health_reports_segments_and_lag(pg_env: PgEnv) -> None:
    index = await _corpus(pg_env)
    status = await index.health()
    assert status.status == "ok" and status.detail is not None and status.detail.startswith("3 segments")
    await pg_env.add("alpha", "late.md", ["Lemur postscript."])
    status = await index.health()
    assert status.detail is not None and status.detail.endswith("1 behind")

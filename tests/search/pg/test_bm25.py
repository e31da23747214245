"""BM25 over tsvector equals BM25 computed by hand, and the statistics behind it stay exact."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text
from tests.search.pg.conftest import PgEnv

from pam.ingest.writer import mark_deleted
from pam.search import pg_search
from pam.store.models import Document
from pam.store.types import utcnow

K1, B = 1.2, 0.75
# Words the English stemmer leaves alone and no stop list holds, so the counts below are the lexemes'.
CORPUS = {
    "d1": "quokka quokka wombat",
    "d2": "wombat dingo",
    "d3": "dingo dingo dingo emu",
    "d4": "emu",
}


def bm25(tf: int, df: int, length: int, n: int, avgdl: float) -> float:
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avgdl))


async def _load(pg_env: PgEnv) -> dict[str, str]:
    """Segment id of each document's one segment; titles empty so only the content is indexed."""
    ids = {}
    for name, content in CORPUS.items():
        doc_id = await pg_env.add("alpha", name, [content], title="")
        async with pg_env.sessions() as s:
            ids[name] = str(
                await s.scalar(text("SELECT id FROM segments WHERE document_id = :d"), {"d": doc_id})
            )
    return ids


async def test_scores_equal_hand_computed_bm25(pg_env: PgEnv) -> None:
    segment = await _load(pg_env)
    index = await pg_env.open_index()
    hits = await index.keyword("quokka dingo", pg_env.scope("alpha"), 10)
    n, avgdl = 4, (3 + 2 + 4 + 1) / 4
    expected = {
        segment["d1"]: bm25(2, 1, 3, n, avgdl),
        segment["d2"]: bm25(1, 2, 2, n, avgdl),
        segment["d3"]: bm25(3, 2, 4, n, avgdl),
    }
    assert [i for i, _ in hits] == sorted(expected, key=lambda i: -expected[i])
    for segment_id, score in hits:
        assert score == pytest.approx(expected[segment_id], rel=1e-9)


async def test_two_query_terms_add_up(pg_env: PgEnv) -> None:
    segment = await _load(pg_env)
    index = await pg_env.open_index()
    hits = dict(await index.keyword("wombat emu", pg_env.scope("alpha"), 10))
    n, avgdl = 4, 2.5
    assert hits == pytest.approx(
        {
            segment["d1"]: bm25(1, 2, 3, n, avgdl),
            segment["d2"]: bm25(1, 2, 2, n, avgdl),
            segment["d3"]: bm25(1, 2, 4, n, avgdl),
            segment["d4"]: bm25(1, 2, 1, n, avgdl),
        },
        rel=1e-9,
    )


async def test_document_frequencies_and_lengths_follow_deletes(pg_env: PgEnv) -> None:
    await _load(pg_env)
    index = await pg_env.open_index()
    async with pg_env.sessions() as s:
        assert dict((await s.execute(text("SELECT term, df FROM search_terms"))).all()) == {
            "quokka": 1,
            "wombat": 2,
            "dingo": 2,
            "emu": 2,
        }
        assert (await s.execute(text("SELECT segments, total_length FROM search_state"))).one() == (4, 10)
        d4 = await s.scalar(text("SELECT id FROM documents WHERE source_id = 'd4'"))
    async with pg_env.sessions.begin() as s:
        doc = await s.get(Document, d4)
        assert doc is not None
        await mark_deleted(s, doc, task_id=None, triggered_by="test", when=utcnow())
    await index.sync()
    async with pg_env.sessions() as s:
        assert (await s.scalar(text("SELECT df FROM search_terms WHERE term = 'emu'"))) == 1
        assert (await s.execute(text("SELECT segments, total_length FROM search_state"))).one() == (3, 9)
    # N and avgdl moved with the delete, so the same query scores differently now.
    hits = dict(await index.keyword("emu", pg_env.scope("alpha"), 10))
    assert list(hits.values()) == pytest.approx([bm25(1, 1, 4, 3, 3.0)], rel=1e-9)


async def test_title_is_indexed_once_beside_section_path_and_content(pg_env: PgEnv) -> None:
    await pg_env.add("alpha", "t.md", ["numbat"], title="Bilby")
    # The section path starts with the title (its top heading): the title must not count twice.
    await pg_env.add("alpha", "u.md", ["numbat"], title="Bilby", section_path="Bilby > Habitat")
    index = await pg_env.open_index()
    async with pg_env.sessions() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT d.source_id, s.length, s.tsv::text FROM search_segments s "
                    "JOIN documents d ON d.id = s.document_id ORDER BY d.source_id"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("t.md", 2, "'bilbi':1 'numbat':2"),
        ("u.md", 3, "'bilbi':1 'habitat':2 'numbat':3"),
    ]
    assert len(await index.keyword("bilby", pg_env.scope("alpha"), 5)) == 2


async def test_pruning_common_terms_changes_no_result(pg_env: PgEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    # "common" is in every segment, "medium" in every third, "rare" in a few: the pruned search must
    # return exactly what scoring every candidate returns, scores and order included.
    async with pg_env.sessions.begin() as s:
        for i in range(60):
            words = ["common"] * (1 + i % 4) + ["medium"] * (i % 3 == 0) + ["rare"] * (i % 17 == 0)
            words += [f"filler{i % 7}"] * (i % 5)
            await pg_env.write(s, "alpha", f"p{i}.md", [" ".join(words)], title="")
    index = await pg_env.open_index()
    candidate_terms: list[list[str]] = []
    real_tsquery = pg_search._tsquery

    def recording_tsquery(lexemes: list[str]) -> str:
        candidate_terms.append(lexemes)
        return real_tsquery(lexemes)

    monkeypatch.setattr(pg_search, "_tsquery", recording_tsquery)
    queries = ["rare common", "medium common", "rare medium common", "common", "rare filler3 common"]
    for limit in (1, 3, 10, 100):
        monkeypatch.setattr(pg_search, "FIRST_PASS_POSTINGS", 10**9)  # one pass: every candidate scored
        exhaustive = [await index.keyword(q, pg_env.scope("alpha"), limit) for q in queries]
        monkeypatch.setattr(pg_search, "FIRST_PASS_POSTINGS", 0)  # first pass: the rarest term alone
        pruned = [await index.keyword(q, pg_env.scope("alpha"), limit) for q in queries]
        assert pruned == exhaustive, limit
    # Some searches were answered without "common" ever generating candidates.
    assert sum("common" not in terms for terms in candidate_terms) >= 4

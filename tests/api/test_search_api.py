"""`POST /api/search` over HTTP: each mode finds the right document, filters apply, hostile queries never 500,
results are cached until the index generation changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
MODES = ("hybrid", "keyword", "vector")


@dataclass
class Corpus:
    api: Harness
    folder_ingested_by: datetime  # every folder document was written before this moment


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Corpus]:
    data_dir = tmp_path_factory.mktemp("search") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as api:
        folder = api.folder("corpus")
        write(
            folder,
            {
                "runbooks/pager.md": "# On-call escalation\n\nWhen production is down, page the on-call "
                "engineer through PagerDuty and open an incident channel within five minutes.\n",
                "metrics/retention.md": "# Customer retention\n\nWeek-4 retention is the share of a signup "
                "cohort that is still active in its fourth week after signing up.\n",
                "finance/budget.txt": "The marketing budget for the spring campaign is forty thousand euros, "
                "approved by the finance committee.\n",
            },
        )
        task = await api.ingest(folder)
        assert task["succeeded"] == 3
        await asyncio.sleep(0.05)
        boundary = datetime.now(UTC)
        await asyncio.sleep(0.05)
        r = await api.client.post(
            "/api/ingest/upload",
            files=[
                (
                    "files",
                    ("glacier.md", b"# Glacier trip\n\nThe team offsite visits a glacier in Iceland.\n"),
                )
            ],
        )
        assert (await api.wait(r.json()["id"]))["succeeded"] == 1
        await api.services.sync_index()
        yield Corpus(api, boundary)


@pytest.mark.parametrize("mode", MODES)
async def test_each_mode_returns_the_right_document_first(corpus: Corpus, mode: str) -> None:
    found = await corpus.api.search("who do I page when production is down", mode=mode)
    assert found["mode"] == mode
    top = found["results"][0]
    assert top["uri"] == "runbooks/pager.md" and top["title"] == "On-call escalation"
    assert top["section_path"].startswith("On-call escalation") and top["source_type"] == "folder"
    assert top["snippet"] and isinstance(top["score"], float)


async def test_keyword_snippet_marks_the_matched_words(corpus: Corpus) -> None:
    found = await corpus.api.search("marketing budget", mode="keyword")
    assert found["results"][0]["uri"] == "finance/budget.txt"
    assert "<mark>" in found["results"][0]["snippet"]


@pytest.mark.parametrize("source_type", ["upload", "folder"])
async def test_source_type_filter_applies(corpus: Corpus, source_type: str) -> None:
    for mode in MODES:
        found = await corpus.api.search(
            "glacier budget pager retention", mode=mode, k=50, filters={"source_types": [source_type]}
        )
        assert found["results"], mode
        assert {hit["source_type"] for hit in found["results"]} == {source_type}, mode
    uris = await corpus.api.uris(
        "glacier budget pager retention", k=50, filters={"source_types": [source_type]}
    )
    assert ("upload://glacier.md" in uris) == (source_type == "upload")
    assert ("finance/budget.txt" in uris) == (source_type == "folder")


async def test_unknown_source_type_is_422(corpus: Corpus) -> None:
    r = await corpus.api.client.post("/api/search", json={"query": "x", "filters": {"source_types": ["ftp"]}})
    assert_error_body(r, 422, "invalid_input")


async def test_path_prefix_filter_applies(corpus: Corpus) -> None:
    for mode in MODES:
        uris = await corpus.api.uris(
            "retention budget escalation", mode=mode, k=50, filters={"path_prefix": "runbooks/"}
        )
        assert uris and set(uris) == {"runbooks/pager.md"}, mode


async def test_tag_filter_matches_nothing_while_documents_have_no_tags(corpus: Corpus) -> None:
    for mode in MODES:
        assert await corpus.api.uris("glacier", mode=mode, filters={"tags": ["travel"]}) == []


async def test_updated_after_and_before_filters_apply(corpus: Corpus) -> None:
    boundary = corpus.folder_ingested_by.isoformat()
    for mode in MODES:
        after = await corpus.api.uris(
            "glacier budget pager", mode=mode, k=50, filters={"updated_after": boundary}
        )
        before = await corpus.api.uris(
            "glacier budget pager", mode=mode, k=50, filters={"updated_before": boundary}
        )
        assert after and set(after) <= {"upload://glacier.md"} | _later_folders(after), mode
        assert "upload://glacier.md" not in before and before, mode
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await corpus.api.uris("glacier", filters={"updated_after": future}) == []


def _later_folders(uris: list[str]) -> set[str]:
    # Tests that ingest more (the cache test) add documents after the boundary; none is from the corpus.
    return {u for u in uris if u not in {"runbooks/pager.md", "metrics/retention.md", "finance/budget.txt"}}


async def test_project_filter_for_the_default_project_finds_results(corpus: Corpus) -> None:
    assert await corpus.api.uris("glacier", filters={"projects": ["default"]})


async def test_project_filter_naming_an_unknown_project_returns_nothing(corpus: Corpus) -> None:
    for mode in MODES:
        found = await corpus.api.search("glacier", mode=mode, filters={"projects": ["no-such-project"]})
        assert found["results"] == [], mode
    assert await corpus.api.uris("glacier", filters={"projects": ["no-such-project", "default"]})


HOSTILE = [
    '"unbalanced quote',
    'title:"pager" AND content:*',
    "pager NEAR/3 production",
    "NEAR(pager production, 2)",
    "*",
    "* ? ~ ^ + - ! ( ) { } [ ] : \\ /",
    "AND OR NOT",
    "NOT pager",
    "pager AND NOT OR budget",
    "retention^10 budget~2",
    "'; DROP TABLE segments; --",
    "\x00\x01\x02 pager \x1b[31m \u200b\ufeff",
    "東京 倉庫 の 在庫",
    "ميزانية التسويق",
    "🚀🔥 production down 🧯",
    "a" * 200,
    ("pager " * 2000)[:10_000],
    "x" * 10_000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_query_never_fails(corpus: Corpus, query: str) -> None:
    for mode in MODES:
        r = await corpus.api.client.post("/api/search", json={"query": query, "mode": mode})
        assert r.status_code == 200, (mode, r.text)
        assert isinstance(r.json()["results"], list)


async def test_a_query_with_a_lone_surrogate_escape_never_fails(corpus: Corpus) -> None:
    # Valid JSON (an escaped lone surrogate) that no UTF-8 encoder downstream can take as is.
    for mode in MODES:
        r = await corpus.api.client.post(
            "/api/search",
            content=b'{"query": "\\ud800 pager \\udfff", "mode": "%s"}' % mode.encode(),
            headers={"content-type": "application/json"},
        )
        assert r.status_code in (200, 422), (mode, r.text)


async def test_query_operators_are_plain_words(corpus: Corpus) -> None:
    uris = await corpus.api.uris('NOT "production" AND (down*)', mode="keyword")
    assert uris and uris[0] == "runbooks/pager.md"


async def test_a_10001_character_query_is_422(corpus: Corpus) -> None:
    r = await corpus.api.client.post("/api/search", json={"query": "y" * 10_001})
    assert_error_body(r, 422, "invalid_input")


@pytest.mark.parametrize(
    "query", ["", " ", "\t\n  \r", "\x00\x01"], ids=["empty", "space", "whitespace", "controls"]
)
async def test_empty_or_blank_query_is_200_with_no_results(corpus: Corpus, query: str) -> None:
    for mode in MODES:
        found = await corpus.api.search(query, mode=mode)
        assert found["results"] == [], mode


@pytest.mark.parametrize("k", [0, -1, 101, 10**9])
async def test_k_out_of_bounds_is_422(corpus: Corpus, k: int) -> None:
    r = await corpus.api.client.post("/api/search", json={"query": "pager", "k": k})
    assert_error_body(r, 422, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "fuzzy", "query": "x"},
        {"query": None},
        {"query": "x", "filters": {"updated_after": "yesterday"}},
    ],
    ids=["mode", "null-query", "bad-date"],
)
async def test_malformed_search_body_is_422(corpus: Corpus, body: dict[str, object]) -> None:
    assert_error_body(await corpus.api.client.post("/api/search", json=body), 422, "invalid_input")


async def test_a_repeated_search_is_served_from_the_cache(corpus: Corpus) -> None:
    first = await corpus.api.search("spring campaign budget committee")
    second = await corpus.api.search("  spring   campaign budget committee ")
    assert first["cached"] is False and second["cached"] is True
    assert second["results"] == first["results"]
    other_k = await corpus.api.search("spring campaign budget committee", k=3)
    assert other_k["cached"] is False


async def test_a_new_ingestion_makes_the_next_identical_search_uncached(corpus: Corpus) -> None:
    query = "iceland glacier offsite"
    await corpus.api.search(query)
    assert (await corpus.api.search(query))["cached"] is True
    folder = corpus.api.folder("late")
    write(folder, {"late.md": "# Late note\n\nA note about bicycle parking added later.\n"})
    await corpus.api.ingest(folder)

    after = await corpus.api.search(query)

    assert after["cached"] is False
    assert (await corpus.api.search(query))["cached"] is True

"""The glossary over HTTP, in both deployments (embedded tantivy + vectors, and PostgreSQL's own index):
terms load from a glossary document, a query using only an alias finds documents that only use the
term, terms are edited through /api/glossary, and bad input gets a clear error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")

GLOSSARY = (
    "# Finance glossary\n\n"
    "**ARR** (annual recurring revenue) – The yearly value of all active subscriptions.\n\n"
    "**Quokka rate** (QR) – Share of invoices paid within ten days.\n"
)
# Neither document uses the alias: only the glossary connects "ARR" to them.
REVENUE = (
    "# Board update\n\nOur annual recurring revenue grew by a fifth this year, led by enterprise deals.\n"
)
INVOICES = "# Collections\n\nThe quokka rate fell in March because two large customers paid late.\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp(f"glossary-{request.param}") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as harness:
        folder = harness.folder("finance")
        write(folder, {"glossary.md": GLOSSARY, "board.md": REVENUE, "collections.md": INVOICES})
        task = await harness.ingest(folder)
        assert task["succeeded"] == 3
        yield harness


async def test_terms_are_loaded_from_the_glossary_document(api: Harness) -> None:
    r = await api.client.get("/api/glossary", params={"q": "arr"})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    term = page["items"][0]
    assert term["term"] == "ARR" and term["aliases"] == ["annual recurring revenue"]
    assert term["origin"] == "document" and term["document_id"] and term["project"] == "default"


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
async def test_a_query_using_only_an_alias_finds_documents_that_only_use_the_term(
    api: Harness, mode: str
) -> None:
    uris = await api.uris("ARR", mode=mode, k=5)
    assert any(u.endswith("board.md") for u in uris), uris
    uris = await api.uris("what is our QR?", mode=mode, k=5)
    assert any(u.endswith("collections.md") for u in uris), uris


async def test_a_term_added_through_the_api_expands_searches_at_once(api: Harness) -> None:
    assert not any(u.endswith("collections.md") for u in await api.uris("DSO", mode="keyword", k=5))
    r = await api.client.post(
        "/api/glossary",
        json={
            "term": "Days sales outstanding",
            "definition": "How long invoices wait.",
            "aliases": ["DSO", "quokka rate"],
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["origin"] == "manual" and created["aliases"] == ["DSO", "quokka rate"]
    assert any(u.endswith("collections.md") for u in await api.uris("DSO", mode="keyword", k=5))

    r = await api.client.put(
        f"/api/glossary/{created['id']}",
        json={
            "term": "Days sales outstanding",
            "definition": "Average days to get paid.",
            "aliases": ["DSO"],
        },
    )
    assert r.status_code == 200 and r.json()["definition"] == "Average days to get paid."
    assert (await api.client.get(f"/api/glossary/{created['id']}")).json()["aliases"] == ["DSO"]
    looked = (await api.client.get("/api/glossary/lookup", params={"name": "dso"})).json()
    assert [t["term"] for t in looked] == ["Days sales outstanding"]

    assert (await api.client.delete(f"/api/glossary/{created['id']}")).status_code == 204
    assert_error_body(await api.client.get(f"/api/glossary/{created['id']}"), 404, "not_found")
    assert not any(u.endswith("collections.md") for u in await api.uris("DSO", mode="keyword", k=5))


async def test_a_duplicate_term_conflicts_and_bad_input_is_refused(api: Harness) -> None:
    body = {"term": "Burn", "definition": "Cash spent per month."}
    assert (await api.client.post("/api/glossary", json=body)).status_code == 201
    assert_error_body(
        await api.client.post("/api/glossary", json={**body, "term": " burn "}), 409, "conflict"
    )
    for bad in (
        {"term": "", "definition": "x"},
        {"term": "x" * 201, "definition": "x"},
        {"term": "x", "definition": "x", "aliases": ["a"] * 21},
        {"term": "x", "definition": "x", "extra": 1},
        {"term": "   ", "definition": "x"},
    ):
        r = await api.client.post("/api/glossary", json=bad)
        assert r.status_code in (400, 422), (bad, r.text)
        assert "error" in r.json()
    assert_error_body(await api.client.post("/api/glossary", json={**body, "project": "nope"}), 404)
    assert_error_body(await api.client.get("/api/glossary/not-a-uuid"), 404)
    assert (await api.client.get("/api/glossary", params={"limit": 0})).status_code == 422


async def test_re_ingesting_the_glossary_replaces_its_terms_and_keeps_hand_written_ones(api: Harness) -> None:
    folder = api.folder("rules")
    write(folder, {"glossary.md": "# Glossary\n\n**Gizmo** – A small device.\n\n**Widget** – A part.\n"})
    await api.ingest(folder)
    r = await api.client.post("/api/glossary", json={"term": "Sprocket", "definition": "A wheel."})
    assert r.status_code == 201
    write(folder, {"glossary.md": "# Glossary\n\n**Gizmo** – A very small device.\n"})
    await api.ingest(folder)
    names = {
        t["term"]: t for t in (await api.client.get("/api/glossary", params={"limit": 200})).json()["items"]
    }
    assert names["Gizmo"]["definition"] == "A very small device."
    assert "Widget" not in names and names["Sprocket"]["origin"] == "manual"
    (folder / "glossary.md").unlink()
    await api.ingest(folder)
    names = {
        t["term"] for t in (await api.client.get("/api/glossary", params={"limit": 200})).json()["items"]
    }
    assert "Gizmo" not in names and "Sprocket" in names

"""Documents and segments over HTTP: cursor pages with totals, title search, status filter, segments with
neighbours, delete, re-index, 404s, and the stats counts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
SMALL_DOCS = 30
SECTIONS = 6


@dataclass
class Library:
    api: Harness
    ids: dict[str, str]  # path -> document id

    async def detail(self, doc_id: str, **params: Any) -> dict[str, Any]:
        r = await self.api.client.get(f"/api/documents/{doc_id}", params=params)
        assert r.status_code == 200, r.text
        detail: dict[str, Any] = r.json()
        return detail

    async def upload(self, name: str, text: str) -> str:
        r = await self.api.client.post("/api/ingest/upload", files=[("files", (name, text.encode()))])
        task = await self.api.wait(r.json()["id"])
        await self.api.services.sync_index()
        assert task["succeeded"] == 1, task
        doc_id: str = task["items"][0]["document_id"]
        return doc_id


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def library(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Library]:
    data_dir = tmp_path_factory.mktemp("documents") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as api:
        folder = api.folder("library")
        files: dict[str, str | bytes] = {
            f"doc-{i:02d}.md": f"# Ledger {i:02d} walrus\n\nEntry {i} of the walrus ledger: {i * 3} tusks.\n"
            for i in range(SMALL_DOCS)
        }
        files["long.md"] = "# Long manual\n\n" + "\n\n".join(
            f"## Chapter {i}\n\nChapter {i} explains step {i} of the kiln firing procedure."
            for i in range(SECTIONS)
        )
        write(folder, files)
        task = await api.ingest(folder)
        assert task["succeeded"] == SMALL_DOCS + 1
        yield Library(api, {i["path"]: i["document_id"] for i in task["items"]})


async def all_pages(api: Harness, **params: Any) -> tuple[list[dict[str, Any]], set[int]]:
    items: list[dict[str, Any]] = []
    totals: set[int] = set()
    cursor: str | None = None
    for _ in range(100):
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        r = await api.client.get("/api/documents", params=query)
        assert r.status_code == 200, r.text
        page = r.json()
        items.extend(page["items"])
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("sort", ["-created_at", "-updated_at", "title"])
async def test_cursor_pages_cover_every_document_exactly_once(library: Library, sort: str) -> None:
    items, totals = await all_pages(library.api, limit=7, sort=sort)
    ids = [d["id"] for d in items]
    assert len(ids) == len(set(ids))
    assert totals == {len(ids)}
    assert set(library.ids.values()) <= set(ids)
    assert all(d["status"] == "active" for d in items)
    if sort == "title":
        titles = [d["title"] for d in items]
        assert titles == sorted(titles)


async def test_first_page_has_the_page_size_and_a_cursor(library: Library) -> None:
    page = (await library.api.client.get("/api/documents", params={"limit": 7})).json()
    assert len(page["items"]) == 7 and page["next_cursor"] and page["total"] >= SMALL_DOCS + 1


async def test_title_search_finds_matching_titles_only(library: Library) -> None:
    page = (await library.api.client.get("/api/documents", params={"q": "ledger 07"})).json()
    assert [d["title"] for d in page["items"]] == ["Ledger 07 walrus"] and page["total"] == 1
    walrus = (await library.api.client.get("/api/documents", params={"q": "WALRUS", "limit": 200})).json()
    assert walrus["total"] == SMALL_DOCS


@pytest.mark.parametrize("q", ["%", "_", "\\", "%walrus%", "' OR 1=1 --"])
async def test_title_search_treats_wildcards_literally(library: Library, q: str) -> None:
    page = (await library.api.client.get("/api/documents", params={"q": q})).json()
    assert page["total"] == 0 and page["items"] == []


async def test_status_filter_lists_deleted_documents_only_when_asked(library: Library) -> None:
    doc_id = await library.upload("status-probe.md", "# Status probe\n\nA probe about zeppelin hangars.\n")
    assert (await library.api.client.delete(f"/api/documents/{doc_id}")).status_code == 204

    deleted = (
        await library.api.client.get("/api/documents", params={"status": "deleted", "limit": 200})
    ).json()
    active = (
        await library.api.client.get("/api/documents", params={"status": "active", "limit": 200})
    ).json()
    every = (await library.api.client.get("/api/documents", params={"status": "all", "limit": 200})).json()
    assert doc_id in {d["id"] for d in deleted["items"]}
    assert {d["status"] for d in deleted["items"]} == {"deleted"}
    assert doc_id not in {d["id"] for d in active["items"]}
    assert doc_id in {d["id"] for d in every["items"]}
    assert every["total"] == deleted["total"] + active["total"]
    r = await library.api.client.get("/api/documents", params={"status": "gone"})
    assert_error_body(r, 422, "invalid_input")


async def test_detail_pages_through_its_segments(library: Library) -> None:
    doc_id = library.ids["long.md"]
    first = await library.detail(doc_id, segments_limit=4)
    assert first["title"] == "Long manual" and first["segment_count"] == SECTIONS
    assert [s["position"] for s in first["segments"]] == [0, 1, 2, 3]
    assert first["next_segment_cursor"] == 3

    second = await library.detail(doc_id, segments_limit=4, segments_after=first["next_segment_cursor"])

    assert [s["position"] for s in second["segments"]] == [4, 5]
    assert second["next_segment_cursor"] is None
    sections = [s["section_path"] for s in first["segments"] + second["segments"]]
    assert sections == [f"Long manual > Chapter {i}" for i in range(SECTIONS)]


async def test_segment_comes_with_its_neighbours(library: Library) -> None:
    doc = await library.detail(library.ids["long.md"])
    middle = doc["segments"][2]

    r = await library.api.client.get(f"/api/segments/{middle['id']}")

    assert r.status_code == 200, r.text
    seg = r.json()
    assert seg["id"] == middle["id"] and seg["content"] == middle["content"]
    assert seg["document_id"] == doc["id"] and seg["title"] == "Long manual" and seg["uri"] == "long.md"
    assert [s["position"] for s in seg["previous"]] == [0, 1]
    assert [s["position"] for s in seg["next"]] == [3, 4]
    first = (await library.api.client.get(f"/api/segments/{doc['segments'][0]['id']}")).json()
    assert first["previous"] == [] and [s["position"] for s in first["next"]] == [1, 2]


async def test_delete_removes_the_document_from_search_and_from_the_default_list(library: Library) -> None:
    doc_id = await library.upload(
        "narwhal.md", "# Narwhal census\n\nThe narwhal census counts 212 narwhals.\n"
    )
    assert doc_id in {r["document_id"] for r in (await library.api.search("narwhal census"))["results"]}
    seg_id = (await library.detail(doc_id))["segments"][0]["id"]

    r = await library.api.client.delete(f"/api/documents/{doc_id}")

    assert r.status_code == 204 and r.content == b""
    for mode in ("hybrid", "keyword", "vector"):
        hits = (await library.api.search("narwhal census", mode=mode, k=50))["results"]
        assert doc_id not in {h["document_id"] for h in hits}, mode
    listed = (await library.api.client.get("/api/documents", params={"q": "narwhal"})).json()
    assert listed["total"] == 0
    assert (await library.detail(doc_id))["status"] == "deleted"
    assert_error_body(await library.api.client.get(f"/api/segments/{seg_id}"), 404, "not_found")
    assert (await library.api.client.delete(f"/api/documents/{doc_id}")).status_code == 204


async def test_reindex_starts_a_task_that_completes_and_keeps_segment_ids(library: Library) -> None:
    doc_id = library.ids["doc-05.md"]
    before = [s["id"] for s in (await library.detail(doc_id))["segments"]]

    r = await library.api.client.post(f"/api/documents/{doc_id}/reindex")

    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("pending", "running")
    task = await library.api.wait(r.json()["id"])
    assert task["status"] == "completed" and task["total"] == 1 and task["succeeded"] == 1
    assert task["segments_embedded"] == 0  # unchanged chunks reuse their stored embeddings
    assert task["items"][0]["document_id"] == doc_id
    after = await library.detail(doc_id)
    assert after["status"] == "active" and [s["id"] for s in after["segments"]] == before
    # Re-indexing one document removes nothing else from its folder.
    assert task["deleted"] == 0
    assert (await library.detail(library.ids["doc-06.md"]))["status"] == "active"


async def test_reindex_of_an_uploaded_document_completes(library: Library) -> None:
    doc_id = await library.upload("reindex-upload.md", "# Upload reindex\n\nA note about tram depots.\n")
    r = await library.api.client.post(f"/api/documents/{doc_id}/reindex")
    assert r.status_code == 202, r.text
    task = await library.api.wait(r.json()["id"])
    assert task["status"] == "completed" and task["succeeded"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/documents/{id}"),
        ("DELETE", "/api/documents/{id}"),
        ("POST", "/api/documents/{id}/reindex"),
        ("GET", "/api/segments/{id}"),
    ],
)
async def test_unknown_ids_are_404(library: Library, method: str, path: str) -> None:
    r = await library.api.client.request(method, path.format(id=uuid.uuid4()))
    assert_error_body(r, 404, "not_found")


async def test_malformed_ids_and_cursors_are_client_errors(library: Library) -> None:
    assert_error_body(await library.api.client.get("/api/documents/not-a-uuid"), 422, "invalid_input")
    assert_error_body(await library.api.client.get("/api/segments/123"), 422, "invalid_input")
    r = await library.api.client.get("/api/documents", params={"cursor": "garbage!!"})
    assert_error_body(r, 400, "invalid_input")
    r = await library.api.client.get("/api/documents", params={"limit": 0})
    assert_error_body(r, 422, "invalid_input")


async def test_stats_returns_counts(library: Library) -> None:
    r = await library.api.client.get("/api/stats")

    assert r.status_code == 200, r.text
    stats = r.json()
    listed = (await library.api.client.get("/api/documents", params={"limit": 1})).json()
    assert stats["documents"]["active"] == listed["total"] >= SMALL_DOCS + 1
    assert stats["projects"] >= 1
    assert stats["segments"] == stats["index"]["segments"] >= SMALL_DOCS + SECTIONS
    assert stats["index"]["health"]["status"] == "ok"
    assert stats["recent_tasks"] and stats["last_ingestion"] is not None


async def test_the_original_file_downloads_as_an_attachment(library: Library) -> None:
    api = library.api
    doc_id = library.ids["doc-07.md"]
    r = await api.client.get(f"/api/documents/{doc_id}/original")
    assert r.status_code == 200
    assert r.content.decode() == "# Ledger 07 walrus\n\nEntry 7 of the walrus ledger: 21 tusks.\n"
    assert r.headers["content-disposition"] == "attachment; filename*=UTF-8''doc-07.md"
    assert r.headers["x-content-type-options"] == "nosniff"
    uploaded = await library.upload("notes <b>&.md", "# Upload\n\nUploaded bytes.")
    r = await api.client.get(f"/api/documents/{uploaded}/original")
    assert r.status_code == 200 and r.content == b"# Upload\n\nUploaded bytes."


async def test_an_original_that_left_its_source_is_404(library: Library) -> None:
    api = library.api
    folder = api.folder("vanishing")
    write(folder, {"gone.md": "# Gone\n\nSoon gone."})
    task = await api.ingest(folder)
    doc_id = task["items"][0]["document_id"]
    (folder / "gone.md").unlink()
    assert_error_body(await api.client.get(f"/api/documents/{doc_id}/original"), 404, "not_found")
    assert_error_body(await api.client.get(f"/api/documents/{uuid.uuid4()}/original"), 404, "not_found")

"""A wiki-shaped folder over the API: files PAM does not read are skipped with a reason, not failed,
in the task detail, its `skips` list and the SSE `done` event; path errors name the folder and the
roots without any absolute server path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from tests.api.harness import Harness, assert_error_body, parse_sse, start_harness
from tests.deployments import DEPLOYMENTS, deployment
from tests.wiki_folder import NOT_READ, PAGES, write_wiki

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Ingested:
    api: Harness
    folder: Path
    task: dict[str, Any]


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def ingested(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Ingested]:
    data_dir = tmp_path_factory.mktemp("wiki-api") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as api:
        folder = api.folder("wiki")
        write_wiki(folder)
        yield Ingested(api, folder, await api.ingest(folder))


async def test_the_task_completes_with_pages_ingested_and_nothing_failed(ingested: Ingested) -> None:
    task = ingested.task
    assert task["status"] == "completed"
    assert (task["succeeded"], task["skipped"], task["failed"]) == (len(PAGES), len(NOT_READ), 0)
    assert task["errors"] == []


async def test_skips_list_every_file_not_read_with_its_reason(ingested: Ingested) -> None:
    skips = {s["path"]: s for s in ingested.task["skips"]}
    assert {path: s["error_code"] for path, s in skips.items()} == {p: c for p, (_, c) in NOT_READ.items()}
    for skip in skips.values():
        assert skip["stage"] == "skipped" and skip["error"] and skip["document_id"] is None
        assert str(ingested.folder) not in skip["error"]


async def test_items_mark_pages_done_and_files_not_read_skipped(ingested: Ingested) -> None:
    stages = {i["path"]: i["stage"] for i in ingested.task["items"]}
    assert stages == {**dict.fromkeys(PAGES, "done"), **dict.fromkeys(NOT_READ, "skipped")}


async def test_the_done_event_carries_the_skips(ingested: Ingested) -> None:
    r = await ingested.api.client.get(f"/api/ingest/tasks/{ingested.task['id']}/events")
    name, done = parse_sse(r.text)[-1]
    assert name == "done"
    assert {s["path"] for s in done["skips"]} == set(NOT_READ) and done["failed"] == 0


async def test_a_second_sync_lists_the_same_skips_and_not_the_unchanged_pages(ingested: Ingested) -> None:
    again = await ingested.api.ingest(ingested.folder)
    assert again["skipped"] == len(PAGES) + len(NOT_READ) and again["failed"] == 0
    assert {s["path"] for s in again["skips"]} == set(NOT_READ)
    unchanged = [i for i in again["items"] if i["path"] in PAGES]
    assert all(i["stage"] == "skipped" and i["error_code"] is None for i in unchanged)


async def test_an_indexed_page_emptied_keeps_its_text_flagged_and_is_skipped(ingested: Ingested) -> None:
    api = ingested.api
    folder = api.folder("emptied")
    (folder / "page.md").write_text("# Page\n\nThe osprey nest is on the north mast.\n")
    await api.ingest(folder)
    (folder / "page.md").write_bytes(b"")
    task = await api.ingest(folder)
    assert (task["skipped"], task["failed"]) == (1, 0)
    assert task["skips"][0]["error_code"] == "empty"
    found = await api.search("osprey nest north mast", mode="keyword")
    assert found["results"] and found["results"][0]["uri"] == "page.md"


async def test_a_missing_folder_names_it_under_its_root_and_the_roots(ingested: Ingested) -> None:
    api = ingested.api
    r = await api.client.post("/api/ingest/folder", json={"path": str(ingested.folder / "no-such")})
    error = assert_error_body(r, 404, "not_found")
    assert f"{api.root.name}/{ingested.folder.name}/no-such" in error["message"]
    assert api.root.name in error["message"] and str(api.root) not in error["message"]


async def test_a_folder_outside_the_roots_names_the_roots_not_the_path(ingested: Ingested) -> None:
    api = ingested.api
    r = await api.client.post("/api/ingest/folder", json={"path": str(api.root.parent)})
    error = assert_error_body(r, 403, "forbidden")
    assert "outside" in error["message"] and api.root.name in error["message"]
    assert str(api.root.parent) not in error["message"]

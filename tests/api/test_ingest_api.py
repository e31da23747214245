"""The ingestion API over HTTP: folder and upload tasks, task pages and detail, SSE progress, cancel, errors."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from pam.store.models import Document, Segment
from tests.api.harness import TASK_TIMEOUT_S, Harness, assert_error_body, parse_sse, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("ingest-api") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as harness:
        yield harness


def small_docs(folder: Path, count: int, word: str) -> None:
    write(
        folder,
        {
            f"note-{i:03d}.md": f"# Note {i} {word}\n\nThe {word} ledger entry number {i} records "
            f"a shipment of {i * 7} crates.\n"
            for i in range(count)
        },
    )


async def test_folder_ingestion_is_accepted_and_completes_with_counters(api: Harness) -> None:
    folder = api.folder()
    small_docs(folder, 3, "albatross")
    write(folder, {"broken.pdf": b"not a pdf at all"})

    r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})

    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["status"] in ("pending", "running") and accepted["kind"] == "folder"
    task = await api.wait(accepted["id"])
    assert task["status"] == "completed"
    assert (task["total"], task["processed"], task["succeeded"], task["failed"]) == (4, 4, 3, 1)
    assert task["skipped"] == 0 and task["deleted"] == 0
    assert task["segments_created"] >= 3
    assert task["segments_embedded"] == task["segments_created"]
    assert task["finished_at"] is not None and task["elapsed_s"] is not None


async def test_task_list_pages_with_a_cursor_cover_every_task_once(api: Harness) -> None:
    for _ in range(3):
        folder = api.folder("empty")
        await api.ingest(folder)
    everything = (await api.client.get("/api/ingest/tasks", params={"limit": 200})).json()
    assert everything["next_cursor"] is None and len(everything["items"]) >= 3

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.client.get("/api/ingest/tasks", params=params)).json()
        assert len(page["items"]) <= 2
        seen.extend(t["id"] for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [t["id"] for t in everything["items"]]
    assert len(set(seen)) == len(seen)
    created = [t["created_at"] for t in everything["items"]]
    assert created == sorted(created, reverse=True)


async def test_task_detail_lists_each_document_its_errors_and_its_skips(api: Harness) -> None:
    folder = api.folder()
    small_docs(folder, 2, "bittern")
    write(folder, {"empty.md": b"", "broken.pdf": b"%PDF-1.7 not really a PDF"})

    task = await api.ingest(folder)

    assert task["items_total"] == 4
    by_path = {item["path"]: item for item in task["items"]}
    assert set(by_path) == {"note-000.md", "note-001.md", "empty.md", "broken.pdf"}
    for name in ("note-000.md", "note-001.md"):
        assert by_path[name]["stage"] == "done"
        assert by_path[name]["document_id"] is not None and by_path[name]["segments"] >= 1
    assert (by_path["empty.md"]["stage"], by_path["empty.md"]["error_code"]) == ("skipped", "empty")
    assert (by_path["broken.pdf"]["stage"], by_path["broken.pdf"]["error_code"]) == ("failed", "corrupt")
    assert [(e["path"], e["error_code"]) for e in task["errors"]] == [("broken.pdf", "corrupt")]
    assert [(s["path"], s["error_code"]) for s in task["skips"]] == [("empty.md", "empty")]
    assert (task["succeeded"], task["skipped"], task["failed"]) == (2, 1, 1)


async def test_progress_events_stream_progress_then_exactly_one_done_with_errors(api: Harness) -> None:
    folder = api.folder()
    small_docs(folder, 12, "cormorant")
    write(folder, {"garbage.docx": b"PK\x03\x04 definitely not a docx"})
    r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    task_id = r.json()["id"]

    stream = await api.client.get(f"/api/ingest/tasks/{task_id}/events")

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(stream.text)
    names = [name for name, _ in events]
    assert names[0] == "progress"
    assert names.count("done") == 1 and names[-1] == "done"
    assert set(names) == {"progress", "done"}
    done = events[-1][1]
    assert done["id"] == task_id and done["status"] == "completed"
    assert done["total"] == 13 and done["succeeded"] == 12 and done["failed"] == 1
    assert [(e["path"], e["stage"]) for e in done["errors"]] == [("garbage.docx", "failed")]
    progress = [data for name, data in events if name == "progress"]
    processed = [p["processed"] for p in progress]
    assert processed == sorted(processed)


async def test_cancelling_a_running_task_leaves_no_half_written_document(api: Harness) -> None:
    folder = api.folder("big")
    write(
        folder,
        {
            f"part-{i:03d}.md": "\n\n".join(
                f"## Section {j}\n\nItem {uuid.uuid4().hex} of batch {i}, paragraph {j}, describes "
                f"the warehouse audit for region {i * 10 + j}."
                for j in range(4)
            )
            for i in range(120)
        },
    )
    r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    task_id = r.json()["id"]
    # Cancel once it is really running: some documents written, most not.
    deadline = time.monotonic() + TASK_TIMEOUT_S
    while (await api.client.get(f"/api/ingest/tasks/{task_id}")).json()["succeeded"] < 1:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)

    cancel = await api.client.post(f"/api/ingest/tasks/{task_id}/cancel")

    assert cancel.status_code == 200, cancel.text
    task = await api.wait(task_id)
    assert task["status"] == "cancelled"
    assert task["succeeded"] >= 1 and task["processed"] < 120
    async with api.services.sessions() as s:
        counted = dict(
            (
                await s.execute(
                    select(Segment.document_id, func.count(Segment.id)).group_by(Segment.document_id)
                )
            ).all()
        )
        docs = (await s.execute(select(Document.id, Document.segment_count))).all()
    for doc_id, segment_count in docs:
        assert counted.get(doc_id, 0) == segment_count, doc_id
    # And through the API, for this task's documents.
    for item in task["items"]:
        if item["document_id"] is not None:
            doc = (
                await api.client.get(f"/api/documents/{item['document_id']}", params={"segments_limit": 500})
            ).json()
            assert len(doc["segments"]) == doc["segment_count"] > 0
    again = await api.client.post(f"/api/ingest/tasks/{task_id}/cancel")
    assert_error_body(again, 409, "conflict")


async def test_multipart_upload_is_ingested_and_searchable(api: Harness) -> None:
    files = [
        ("files", ("flamingo-notes.md", b"# Flamingo roster\n\nThe flamingo roster lists 41 birds.\n")),
        ("files", ("heron.txt", b"Heron feeding happens at dawn near the quarry pond.\n")),
    ]

    r = await api.client.post("/api/ingest/upload", files=files)

    assert r.status_code == 202, r.text
    task = await api.wait(r.json()["id"])
    await api.services.sync_index()
    assert task["status"] == "completed" and task["succeeded"] == 2 and task["kind"] == "upload"
    found = await api.search("flamingo roster", mode="keyword")
    assert found["results"][0]["uri"] == "upload://flamingo-notes.md"
    assert found["results"][0]["source_type"] == "upload"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"path": ""},
        {"path": 42},
        {"path": None},
        {"path": "x", "include": "*.md"},
        {"path": "x", "project": ["a"]},
        [1, 2, 3],
    ],
    ids=[
        "missing-path",
        "empty-path",
        "number-path",
        "null-path",
        "include-not-list",
        "project-list",
        "array",
    ],
)
async def test_malformed_folder_body_is_422_with_error_body(api: Harness, body: object) -> None:
    r = await api.client.post("/api/ingest/folder", json=body)
    assert_error_body(r, 422, "invalid_input")


async def test_invalid_json_is_422_with_error_body(api: Harness) -> None:
    r = await api.client.post(
        "/api/ingest/folder", content=b'{"path": ', headers={"content-type": "application/json"}
    )
    assert_error_body(r, 422, "invalid_input")


async def test_upload_without_files_is_422_with_error_body(api: Harness) -> None:
    r = await api.client.post("/api/ingest/upload", data={"project": "default"})
    assert_error_body(r, 422, "invalid_input")


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"status": "sleeping"}])
async def test_bad_task_list_parameters_are_422(api: Harness, params: dict[str, int | str]) -> None:
    r = await api.client.get("/api/ingest/tasks", params=params)
    assert_error_body(r, 422, "invalid_input")


async def test_garbage_task_cursor_is_a_client_error(api: Harness) -> None:
    r = await api.client.get("/api/ingest/tasks", params={"cursor": "not-a-cursor"})
    assert_error_body(r, 400, "invalid_input")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("GET", "/events"), ("POST", "/cancel")],
    ids=["detail", "events", "cancel"],
)
async def test_unknown_task_id_is_404(api: Harness, method: str, suffix: str) -> None:
    r = await api.client.request(method, f"/api/ingest/tasks/{uuid.uuid4()}{suffix}")
    assert_error_body(r, 404, "not_found")


async def test_task_id_that_is_not_a_uuid_is_422(api: Harness) -> None:
    r = await api.client.get("/api/ingest/tasks/../../etc")
    assert r.status_code in (404, 422)
    r = await api.client.get("/api/ingest/tasks/not-a-uuid")
    assert_error_body(r, 422, "invalid_input")


async def test_folder_in_unknown_project_is_404(api: Harness) -> None:
    r = await api.client.post("/api/ingest/folder", json={"path": str(api.folder()), "project": "nope"})
    assert_error_body(r, 404, "not_found")


async def test_two_tasks_on_one_folder_run_one_after_the_other(api: Harness) -> None:
    folder = api.folder()
    small_docs(folder, 15, "dotterel")

    first = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    second = await api.client.post("/api/ingest/folder", json={"path": str(folder)})

    one = await api.wait(first.json()["id"])
    two = await api.wait(second.json()["id"])
    assert (one["status"], one["succeeded"], one["failed"]) == ("completed", 15, 0)
    assert (two["status"], two["skipped"], two["failed"]) == ("completed", 15, 0)
    docs = (await api.client.get("/api/documents", params={"q": "dotterel", "limit": 200})).json()
    assert docs["total"] == 15


async def test_what_a_completed_task_wrote_is_searchable_at_once(api: Harness) -> None:
    """No index lag to wait out: a task says "completed" only after this server's index applied it.
    (Scaled out, a worker runs the task and each server's replica follows on its own, within seconds.)"""
    if not api.services.settings.is_sqlite:
        pytest.skip("scaled out, the servers' replicas follow the outbox on their own: no such promise")
    folder = api.folder()
    small_docs(folder, 30, "ptarmigan")
    r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    assert (await api.wait(r.json()["id"]))["status"] == "completed"
    # The first poll after completion, no waiting for the index follower.
    found = await api.client.post(
        "/api/search", json={"query": "ptarmigan note 29", "mode": "keyword", "k": 50}
    )
    uris = {hit["uri"] for hit in found.json()["results"]}
    assert {f"note-{i:03d}.md" for i in range(30)} <= uris, sorted(uris)

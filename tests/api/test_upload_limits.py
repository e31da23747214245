"""Uploads over PAM_MAX_UPLOAD_BYTES (or a file over PAM_MAX_FILE_BYTES) are refused whole: 413, nothing stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, start_harness
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
UPLOAD_LIMIT = 4000
FILE_LIMIT = 3000


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    async with (
        deployment(
            request.param,
            tmp_path_factory.mktemp("upload-limits") / "data",
            request,
            max_upload_bytes=UPLOAD_LIMIT,
            max_file_bytes=FILE_LIMIT,
        ) as settings,
        start_harness(settings) as harness,
    ):
        yield harness


async def assert_nothing_stored(api: Harness) -> None:
    tasks = (await api.client.get("/api/ingest/tasks")).json()["items"]
    assert [t for t in tasks if t["kind"] == "upload" and t["status"] != "completed"] == []
    docs = (await api.client.get("/api/documents", params={"status": "all", "q": "oversize"})).json()
    assert docs["total"] == 0
    uploads = api.root / "uploads"
    stored = [p.name for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert [name for name in stored if "oversize" in name or name.endswith(".part")] == []


async def test_upload_over_the_upload_limit_is_413_and_nothing_is_stored(api: Harness) -> None:
    before = len((await api.client.get("/api/ingest/tasks")).json()["items"])
    body = b"oversize " * (UPLOAD_LIMIT // 9 + 10)

    r = await api.client.post("/api/ingest/upload", files=[("files", ("oversize.txt", body))])

    assert_error_body(r, 413, "payload_too_large")
    assert len((await api.client.get("/api/ingest/tasks")).json()["items"]) == before
    await assert_nothing_stored(api)


async def test_files_that_together_exceed_the_upload_limit_are_413(api: Harness) -> None:
    part = b"oversize " * 250  # 2250 bytes each: under the file limit, over the upload limit together
    files = [("files", (f"oversize-{i}.txt", part)) for i in range(2)]

    r = await api.client.post("/api/ingest/upload", files=files)

    assert_error_body(r, 413, "payload_too_large")
    await assert_nothing_stored(api)


async def test_one_file_over_the_file_limit_is_413(api: Harness) -> None:
    r = await api.client.post(
        "/api/ingest/upload", files=[("files", ("oversize-single.txt", b"oversize " * 360))]
    )
    assert_error_body(r, 413, "payload_too_large")
    await assert_nothing_stored(api)


async def test_upload_under_the_limits_is_accepted(api: Harness) -> None:
    r = await api.client.post(
        "/api/ingest/upload", files=[("files", ("small.txt", b"A small note about pelicans.\n"))]
    )
    assert r.status_code == 202, r.text
    task = await api.wait(r.json()["id"])
    assert task["status"] == "completed" and task["succeeded"] == 1

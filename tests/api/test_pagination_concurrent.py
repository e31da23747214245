"""Cursor pagination of GET /api/documents while documents are being added.

1,000 active documents go straight into the database (no parsing, no embedding), with many equal
timestamps and equal titles so the id tie-break is exercised. While the pages are walked, a writer
keeps adding documents, some newer than everything and some back-dated into the middle of the
range. Every original document must come back exactly once, and each page's `total` must lie
between the counts taken just before and just after that request (the writer only adds).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from pam.api.app import create_app
from pam.services.container import Services
from pam.store.models import Document, Project, Source
from tests.conftest import running_app
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
ORIGINALS = 1_000
PAGE = 50
BASE = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")


@dataclass
class Paging:
    client: httpx.AsyncClient
    services: Services
    project: str
    project_id: uuid.UUID
    source_id: uuid.UUID


def document(p: Paging, n: int, title: str, moment: datetime) -> Document:
    return Document(
        project_id=p.project_id,
        registered_source_id=p.source_id,
        source_type="folder",
        source_id=f"doc-{n}-{uuid.uuid4().hex}",
        title=title,
        uri=f"folder/doc-{n}.md",
        mime_type="text/markdown",
        content_hash=f"{n:064d}",
        status="active",
        created_at=moment,
        updated_at=moment,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def paging(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Paging]:
    data_dir = tmp_path_factory.mktemp("paging") / "data"
    async with deployment(request.param, data_dir, request, workers=0) as settings:
        app = create_app(settings)
        async with running_app(app) as client:
            services: Services = app.state.services
            async with services.sessions.begin() as s:
                project = Project(name="paging")
                s.add(project)
                await s.flush()
                source = Source(project_id=project.id, type="folder", name="bulk", key="/bulk")
                s.add(source)
                await s.flush()
            yield Paging(client, services, "paging", project.id, source.id)


@pytest_asyncio.fixture(loop_scope="module")
async def originals(paging: Paging) -> AsyncIterator[set[str]]:
    """1,000 documents: 143 distinct timestamps and 7 distinct titles (many exact ties on both)."""
    async with paging.services.sessions.begin() as s:
        docs = [
            document(paging, n, f"{WORDS[n % len(WORDS)]} report", BASE + timedelta(seconds=n // 7))
            for n in range(ORIGINALS)
        ]
        s.add_all(docs)
    yield {str(d.id) for d in docs}
    async with paging.services.sessions.begin() as s:
        for doc in await s.scalars(select(Document).where(Document.project_id == paging.project_id)):
            await s.delete(doc)


async def active_count(p: Paging) -> int:
    async with p.services.sessions() as s:
        query = select(func.count(Document.id)).where(
            Document.project_id == p.project_id, Document.status == "active"
        )
        return int(await s.scalar(query) or 0)


async def keep_adding(p: Paging, stop: asyncio.Event, added: list[str]) -> None:
    """Small commits until told to stop: half newer than everything, half inside the walked range."""
    n = ORIGINALS
    while not stop.is_set():
        async with p.services.sessions.begin() as s:
            batch = [
                document(p, n, "aardvark report", datetime.now(UTC)),
                document(
                    p, n + 1, f"{WORDS[n % len(WORDS)]} report", BASE + timedelta(seconds=(n * 7) % 100)
                ),
                document(p, n + 2, "zulu report", BASE + timedelta(seconds=50, microseconds=n)),
            ]
            s.add_all(batch)
        added.extend(str(d.id) for d in batch)
        n += 3
        await asyncio.sleep(0.002)


@pytest.mark.parametrize("sort", [None, "title", "-updated_at"])
async def test_walking_all_pages_while_documents_are_added(
    paging: Paging, originals: set[str], sort: str | None
) -> None:
    stop, added = asyncio.Event(), list[str]()
    writer = asyncio.create_task(keep_adding(paging, stop, added))
    seen: list[str] = []
    totals: list[int] = []
    cursor: str | None = None
    try:
        for _ in range(10 * ORIGINALS // PAGE):
            params = {"project": paging.project, "limit": str(PAGE)}
            if sort:
                params["sort"] = sort
            if cursor:
                params["cursor"] = cursor
            before = await active_count(paging)
            r = await paging.client.get("/api/documents", params=params)
            after = await active_count(paging)
            assert r.status_code == 200, r.text
            page = r.json()
            assert before <= page["total"] <= after, (before, page["total"], after)
            assert len(page["items"]) <= PAGE
            totals.append(page["total"])
            seen.extend(item["id"] for item in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            await asyncio.sleep(0.003)  # let the writer commit between pages
        else:
            pytest.fail("the walk did not end")
    finally:
        stop.set()
        await writer
    walked = [d for d in seen if d in originals]
    assert len(walked) == len(set(walked)), "an original document came back twice"
    assert set(walked) == originals, f"{len(originals - set(walked))} originals were skipped"
    assert len(seen) == len(set(seen)), "a document came back twice"
    assert set(seen) <= originals | set(added)
    assert len(added) > 3 and len(set(totals)) > 1, "the writer did not run during the walk"


async def test_pages_follow_the_sort_order_with_id_tie_breaks(paging: Paging, originals: set[str]) -> None:
    """Without writes: pages of `title` concatenate to the fully sorted list (title, then id)."""
    seen: list[dict[str, str]] = []
    cursor: str | None = None
    while True:
        params = {"project": paging.project, "limit": "37", "sort": "title"}
        if cursor:
            params["cursor"] = cursor
        page = (await paging.client.get("/api/documents", params=params)).json()
        assert page["total"] == ORIGINALS
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    keys = [(d["title"], d["id"]) for d in seen]
    assert len(keys) == ORIGINALS and keys == sorted(keys)


async def test_a_bad_cursor_is_400_not_500(paging: Paging, originals: set[str]) -> None:
    for cursor in ("not-base64!", "bm90IGpzb24", "WzEsMiwzXQ", "x" * 500):
        r = await paging.client.get("/api/documents", params={"cursor": cursor})
        assert r.status_code in (400, 422), (cursor, r.text)
        assert "error" in r.json()

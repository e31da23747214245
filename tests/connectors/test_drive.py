"""Google Drive through the API: each kind of file keeps its structure, Sheets become tables, the tree is
followed (recursively, shared drives too) and files leaving it leave search."""

from __future__ import annotations

import io
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import docx
import pytest
import pytest_asyncio
from fpdf import FPDF
from sqlalchemy import select

from pam.access import LOCAL_ADMIN
from pam.store.models import Document, Segment
from tests.api.harness import Harness, start_harness
from tests.conftest import make_settings
from tests.fakes.drive_api import FakeDrive

pytestmark = pytest.mark.asyncio(loop_scope="module")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_names = itertools.count()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    settings = make_settings(tmp_path_factory.mktemp("drive") / "data", connector_backoff_s=0.01)
    async with start_harness(settings) as harness:
        yield harness


@pytest.fixture
def drive() -> Iterator[FakeDrive]:
    fake = FakeDrive()
    try:
        yield fake
    finally:
        fake.close()


async def add_and_sync(api: Harness, drive: FakeDrive, **config: Any) -> tuple[str, dict[str, Any]]:
    body = {
        "type": "google_drive",
        "name": f"drive-{next(_names)}",
        "config": {"api_url": drive.api_url, **(config or {"folder_id": drive.root})},
        "credentials": {"service_account_json": drive.service_account()},
        "sync": True,
    }
    r = await api.client.post("/api/sources", json=body)
    assert r.status_code == 201, r.text
    source = r.json()
    task = await api.wait(source["active_task"]["id"])
    await api.services.sync_index()
    return source["id"], task


async def sync(api: Harness, source_id: str) -> dict[str, Any]:
    r = await api.client.post(f"/api/sources/{source_id}/sync")
    task = await api.wait(r.json()["id"])
    await api.services.sync_index()
    return task


async def segments_of(api: Harness, source_id: str) -> dict[str, list[Segment]]:
    async with api.services.sessions() as s:
        docs = list(
            await s.scalars(
                select(Document).where(
                    Document.registered_source_id == uuid.UUID(source_id), Document.status == "active"
                )
            )
        )
        out = {}
        for doc in docs:
            out[doc.title] = list(
                await s.scalars(
                    select(Segment).where(Segment.document_id == doc.id).order_by(Segment.position)
                )
            )
        return out


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())


def docx_bytes(heading: str, text: str) -> bytes:
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_each_kind_of_file_keeps_its_structure_and_links_back(api: Harness, drive: FakeDrive) -> None:
    team = drive.folder("Team")
    deep = drive.folder("Deep", parent=team)
    drive.doc("Incident runbook", "When the lighthouse alarm fires, page the on-call.", parent=deep)
    drive.sheet(
        "KPIs",
        {
            "Revenue": [["month", "revenue"], ["jan", 100], ["feb", 120]],
            "Churn": [["month", "churn"], ["jan", 0.02]],
        },
    )
    drive.slides("All hands", "Slide 1: the marmot roadmap for next quarter.")
    drive.upload(
        "Policy.pdf", "application/pdf", pdf_bytes("The parental leave policy grants sixteen weeks.")
    )
    drive.upload("Guide.docx", DOCX, docx_bytes("Onboarding", "New starters meet the buddy on day one."))
    drive.upload("photo.png", "image/png", b"\x89PNG not a document")
    source_id, task = await add_and_sync(api, drive)
    assert (task["status"], task["succeeded"], task["failed"]) == ("completed", 5, 0), task

    segments = await segments_of(api, source_id)
    assert set(segments) == {"Incident runbook", "KPIs", "All hands", "Policy.pdf", "Guide.docx"}
    runbook = segments["Incident runbook"]
    assert any(s.segment_type == "table" and "Billing" in s.content for s in runbook), (
        "the Doc's table stays a table"
    )
    assert any("Checklist" in s.section_path and "Page the owner" in s.content for s in runbook), (
        "lists and headings"
    )
    assert any("lighthouse" in s.content for s in runbook)
    assert any("marmot roadmap" in s.content for s in segments["All hands"])
    assert any("sixteen weeks" in s.content for s in segments["Policy.pdf"])
    assert any("buddy" in s.content for s in segments["Guide.docx"])

    scope = await api.services.auth.scope_of(LOCAL_ADMIN)
    tables = {
        t.origin for t in await api.services.tables.list_tables(scope) if t.source_name.startswith("KPIs")
    }
    # One table per tab, through the sheet-regions path ("sheet <tab> <range>").
    assert {o.split(" ")[1] for o in tables} == {"Revenue", "Churn"}, tables

    hits = (await api.search("lighthouse alarm on-call", mode="keyword"))["results"]
    assert hits and hits[0]["uri"].startswith("https://docs.google.com/document/d/")


async def test_a_file_moved_out_of_the_tree_or_in_a_trashed_folder_leaves_search(
    api: Harness, drive: FakeDrive
) -> None:
    keep = drive.doc("Keeper", "The keeper note about narwhal budgets.")
    leaving = drive.doc("Leaver", "The leaver note about ocelot budgets.")
    box = drive.folder("Box")
    boxed = drive.doc("Boxed", "The boxed note about pelican budgets.", parent=box)
    outside = drive.folder("Elsewhere", parent=None)
    source_id, first = await add_and_sync(api, drive)
    assert first["succeeded"] == 3
    drive.update(leaving, parents=[outside])
    drive.trash(box)
    second = await sync(api, source_id)
    assert (second["status"], second["deleted"], second["failed"]) == ("completed", 2, 0), second
    assert set(await segments_of(api, source_id)) == {"Keeper"}
    for word in ("ocelot", "pelican"):
        assert not (await api.search(word, mode="keyword"))["results"]
    assert keep and boxed


async def test_a_shared_drive_is_listed_whole_and_followed_through_its_changes(
    api: Harness, drive: FakeDrive
) -> None:
    drive_id = drive.folder("Shared drive", parent=None)
    drive.doc("Shared one", "The shared drive keeps the gannet procedure.", parent=drive_id)
    source_id, first = await add_and_sync(api, drive, drive_id=drive_id)
    assert first["succeeded"] == 1
    drive.doc("Shared two", "A second shared note on the heron procedure.", parent=drive_id)
    second = await sync(api, source_id)
    assert (second["succeeded"], second["total"]) == (1, 1), "only the new file was listed"
    changes = [r for r in drive.http.requests("/drive/v3/changes") if r.path.endswith("/changes")]
    assert changes and all(r.query.get("driveId") == drive_id for r in changes)


async def test_a_deleted_sheet_drops_its_tables(api: Harness, drive: FakeDrive) -> None:
    sheet = drive.sheet("Budget", [["team", "budget"], ["ops", 10], ["eng", 20]])
    source_id, _ = await add_and_sync(api, drive)
    scope = await api.services.auth.scope_of(LOCAL_ADMIN)

    def budget_tables(tables: list[Any]) -> list[Any]:
        return [t for t in tables if t.source_name.startswith("Budget")]

    assert budget_tables(await api.services.tables.list_tables(scope))
    drive.delete(sheet)
    await sync(api, source_id)
    assert budget_tables(await api.services.tables.list_tables(scope)) == []

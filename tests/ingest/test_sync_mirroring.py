"""Sync mirrors the folder, over HTTP: unchanged files skipped, changed ones diffed by chunk, vanished ones deleted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from tests.api.harness import Harness, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment

from pam.access import LOCAL_ADMIN
from pam.services.knowledge import ScopedKnowledge
from pam.store.models import SyncLog

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("sync") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as harness:
        yield harness


def sectioned(word: str, bodies: list[str]) -> str:
    """A Markdown file whose every section is one chunk (headings always start a new chunk)."""
    return f"# {word} handbook\n\n" + "\n\n".join(f"## Part {i}\n\n{body}" for i, body in enumerate(bodies))


BODIES = [
    "The {w} desk opens at nine and closes at five on weekdays.",
    "Refunds for {w} orders are approved by the finance lead within two days.",
    "Escalations about {w} go to the on-call engineer through the pager.",
    "The {w} archive keeps invoices for seven years before deletion.",
]


def make_folder(api: Harness, word: str) -> Path:
    folder = api.folder("sync")
    write(
        folder,
        {
            "guide.md": sectioned(word, [b.format(w=word) for b in BODIES]),
            "other.md": f"# Other {word}\n\nA separate note about {word} parking permits.\n",
            "third.txt": f"Plain text about the {word} cafeteria menu on Fridays.\n",
        },
    )
    return folder


async def document_of(api: Harness, task: dict[str, Any], path: str) -> dict[str, Any]:
    item = next(i for i in task["items"] if i["path"] == path)
    r = await api.client.get(f"/api/documents/{item['document_id']}", params={"segments_limit": 500})
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


async def test_reingesting_an_unchanged_folder_skips_every_file_and_embeds_nothing(api: Harness) -> None:
    folder = make_folder(api, "quokka")
    first = await api.ingest(folder)
    assert first["succeeded"] == 3 and first["segments_embedded"] > 0

    second = await api.ingest(folder)

    assert second["status"] == "completed"
    assert (second["total"], second["skipped"], second["succeeded"], second["failed"]) == (3, 3, 0, 0)
    assert second["segments_embedded"] == 0 and second["segments_created"] == 0
    assert {i["stage"] for i in second["items"]} == {"skipped"}


async def test_changing_one_file_reprocesses_only_it_and_embeds_only_its_changed_chunk(api: Harness) -> None:
    folder = make_folder(api, "wombat")
    first = await api.ingest(folder)
    before = await document_of(api, first, "guide.md")
    assert before["segment_count"] == len(before["segments"]) == len(BODIES)
    ids_before = {s["content"]: s["id"] for s in before["segments"]}

    bodies = [b.format(w="wombat") for b in BODIES]
    bodies[1] = "Refunds for wombat orders now need two approvals and take five days."
    (folder / "guide.md").write_text(sectioned("wombat", bodies), encoding="utf-8")
    second = await api.ingest(folder)

    assert (second["succeeded"], second["skipped"], second["failed"]) == (1, 2, 0)
    assert second["segments_embedded"] == 1 and second["segments_created"] == 1
    stages = {i["path"]: i["stage"] for i in second["items"]}
    assert stages == {"guide.md": "done", "other.md": "skipped", "third.txt": "skipped"}
    after = await document_of(api, second, "guide.md")
    assert after["id"] == before["id"]
    assert after["segment_count"] == len(after["segments"]) == len(BODIES)
    for segment in after["segments"]:
        if segment["content"] in ids_before:
            assert segment["id"] == ids_before[segment["content"]]
    changed = [s for s in after["segments"] if s["content"] not in ids_before]
    assert [s["content"] for s in changed] == [bodies[1]]
    assert changed[0]["id"] not in ids_before.values()
    hits = await api.uris(
        "wombat refunds two approvals five days", mode="keyword", filters={"path_prefix": "guide"}
    )
    assert hits and hits[0] == "guide.md"


async def test_a_deleted_file_marks_its_document_deleted_and_leaves_search(api: Harness) -> None:
    folder = make_folder(api, "pangolin")
    first = await api.ingest(folder)
    assert "other.md" in await api.uris("pangolin parking permits", mode="keyword")
    doc_id = next(i["document_id"] for i in first["items"] if i["path"] == "other.md")

    (folder / "other.md").unlink()
    second = await api.ingest(folder)

    assert second["deleted"] == 1 and second["skipped"] == 2 and second["total"] == 2
    doc = (await api.client.get(f"/api/documents/{doc_id}")).json()
    assert doc["status"] == "deleted" and doc["segment_count"] == 0 and doc["segments"] == []
    for mode in ("keyword", "vector", "hybrid"):
        results = (await api.search("pangolin parking permits", mode=mode, k=50))["results"]
        assert doc_id not in {r["document_id"] for r in results}, mode
    listed = (await api.client.get("/api/documents", params={"q": "Other pangolin"})).json()
    assert listed["total"] == 0


async def test_every_change_writes_a_sync_log_row(api: Harness) -> None:
    folder = make_folder(api, "axolotl")
    first = await api.ingest(folder)
    guide_id = uuid.UUID(next(i["document_id"] for i in first["items"] if i["path"] == "guide.md"))
    bodies = [b.format(w="axolotl") for b in BODIES]
    bodies[3] = "The axolotl archive now keeps invoices for ten years."
    (folder / "guide.md").write_text(sectioned("axolotl", bodies), encoding="utf-8")
    await api.ingest(folder)
    (folder / "guide.md").unlink()
    await api.ingest(folder)
    await api.ingest(folder)  # nothing changed: no new row

    async with api.services.sessions() as s:
        rows = list(
            await s.scalars(
                select(SyncLog).where(SyncLog.document_id == guide_id).order_by(SyncLog.created_at)
            )
        )
    assert [r.action for r in rows] == ["created", "updated", "deleted"]
    assert (rows[0].segments_added, rows[0].segments_removed, rows[0].segments_kept) == (4, 0, 0)
    assert (rows[1].segments_added, rows[1].segments_removed, rows[1].segments_kept) == (1, 1, 3)
    assert (rows[2].segments_added, rows[2].segments_removed) == (0, 4)
    assert all(r.task_id is not None and r.triggered_by == "local" for r in rows)

    tools = ScopedKnowledge(
        api.services.search, api.services.sessions, await api.services.auth.scope_of(LOCAL_ADMIN)
    )
    history = await tools.change_history(str(guide_id), None, 10)
    assert [e.action for e in history] == ["deleted", "updated", "created"]
    assert history[1].segments_kept == 3 and history[1].title == "axolotl handbook"

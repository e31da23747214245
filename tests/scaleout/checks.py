"""What must hold after any fault: every file a document exactly once, whole; every task finished."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.ingest.tasks import TERMINAL
from pam.store.models import Document, IngestionTask, Segment


async def wait_task(
    client: httpx.AsyncClient, task_id: str, *, timeout_s: float
) -> tuple[dict[str, Any], set[int]]:
    """Poll a task until it is final; the task and every status code seen (a 503 during an outage is fine)."""
    deadline = time.monotonic() + timeout_s
    seen: set[int] = set()
    while True:
        r = await client.get(f"/api/ingest/tasks/{task_id}", params={"items_limit": 0})
        seen.add(r.status_code)
        if r.status_code == 200 and r.json()["status"] in TERMINAL:
            return r.json(), seen
        assert r.status_code in (200, 503), r.text
        assert time.monotonic() < deadline, f"task not finished after {timeout_s} s: {r.text}"
        await asyncio.sleep(0.25)


async def assert_each_file_once(
    sessions: async_sessionmaker[AsyncSession], names: set[str], segments_per_file: int
) -> None:
    async with sessions() as s:
        rows = (
            await s.execute(
                select(
                    Document.source_id, func.count(Segment.id), func.count(func.distinct(Segment.position))
                )
                .join(Segment, Segment.document_id == Document.id)
                .where(Document.source_id.in_(names), Document.status == "active")
                .group_by(Document.id, Document.source_id)
            )
        ).all()
    by_name: dict[str, list[tuple[int, int]]] = {}
    for name, segments, positions in rows:
        by_name.setdefault(name, []).append((segments, positions))
    assert set(by_name) == names, f"missing: {sorted(names - set(by_name))[:5]}"
    duplicated = [n for n, docs in by_name.items() if len(docs) != 1]
    assert not duplicated, f"documents stored more than once: {duplicated[:5]}"
    partial = [n for n, [(segs, positions)] in by_name.items() if not segs == positions == segments_per_file]
    assert not partial, f"documents with missing or duplicate segments: {partial[:5]}"


async def assert_every_task_final(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        statuses = list(await s.scalars(select(IngestionTask.status)))
    assert statuses and all(status in TERMINAL for status in statuses), statuses

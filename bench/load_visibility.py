"""How soon a document written through one server is searchable through every server.

Each probe uploads one small Markdown file holding a word found nowhere else through one server (in turn),
waits for its task to complete there, then searches for the word on every server until each finds it.
Reported per probe: from the task's completion (the write committed) to the last server finding it, and
from the upload request to the same moment (queueing and embedding included). Probes run one at a time
after the load phases, so what is timed is the replicas following the outbox, not a busy worker queue.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import numpy as np

FINAL = {"completed", "failed", "cancelled"}
POLL_S = 0.05
GIVE_UP_S = 60.0


async def _until_done(http: httpx.AsyncClient, base: str, task_id: str) -> str:
    started = time.perf_counter()
    while time.perf_counter() - started < GIVE_UP_S:
        status = (await http.get(f"{base}/api/ingest/tasks/{task_id}", params={"items_limit": 0})).json()[
            "status"
        ]
        if status in FINAL:
            return str(status)
        await asyncio.sleep(POLL_S)
    return "timeout"


async def _until_found(http: httpx.AsyncClient, base: str, word: str) -> float | None:
    started = time.perf_counter()
    attempt = 0
    while time.perf_counter() - started < GIVE_UP_S:
        # A new k on each try: a cached "nothing yet" must not answer the next one.
        attempt += 1
        body = (await http.post(f"{base}/api/search", json={"query": word, "k": 1 + attempt % 100})).json()
        if any(word in (hit.get("content") or hit.get("snippet") or "") for hit in body.get("results", [])):
            return time.perf_counter()
        await asyncio.sleep(POLL_S)
    return None


async def _probe(http: httpx.AsyncClient, servers: list[str], n: int) -> dict[str, Any]:
    word = f"zqvis{uuid.uuid4().hex[:12]}"
    writer = servers[n % len(servers)]
    text = f"# Visibility probe {n}\n\nThe probe word of this document is {word}.\n"
    asked = time.perf_counter()
    response = await http.post(
        f"{writer}/api/ingest/upload", files={"files": (f"probe-{n}.md", text.encode(), "text/markdown")}
    )
    response.raise_for_status()
    status = await _until_done(http, writer, response.json()["id"])
    committed = time.perf_counter()
    found = await asyncio.gather(*(_until_found(http, base, word) for base in servers))
    last = None if any(f is None for f in found) else max(f for f in found if f is not None)
    return {
        "status": status,
        "after_commit_s": None if last is None else last - committed,
        "end_to_end_s": None if last is None else last - asked,
    }


async def measure(servers: list[str], probes: int = 20) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        rows = [await _probe(http, servers, n) for n in range(probes)]
    seen = [r for r in rows if r["after_commit_s"] is not None]

    def pct(key: str, q: float) -> float | None:
        return round(float(np.percentile([r[key] for r in seen], q)), 3) if seen else None

    return {
        "probes": probes,
        "servers": len(servers),
        "not_found": probes - len(seen),
        "failed_tasks": sum(r["status"] != "completed" for r in rows),
        "after_commit_p50_s": pct("after_commit_s", 50),
        "after_commit_p95_s": pct("after_commit_s", 95),
        "end_to_end_p50_s": pct("end_to_end_s", 50),
        "end_to_end_p95_s": pct("end_to_end_s", 95),
    }

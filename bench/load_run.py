"""One measured run against running servers: start a folder ingestion, load the servers meanwhile and after.

Timeline: POST /api/ingest/folder at t0; paced clients start at once and the ingestion task is
polled (on the *last* server, so in the scale-out mode it is read from another process than the one
that created it). "During" is t0 until the task is finished (or the hard cap, when it is cancelled);
"after" is from then until max(t0 + duration, end + after_s). Then "capacity": the same clients
with no think time for capacity_s, nothing ingesting.

Why paced during ingestion: on two shared cores, ten closed-loop clients take nearly all the CPU
and ingestion crawls (under 1 document/s), so neither its throughput nor the comparison with the
embedded mode would mean much. The same offered load in both modes makes the comparison fair.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.load_clients import EndpointStats, QueryFeed, Recorder, Sample, client_loop, summarise

TERMINAL = ("completed", "failed", "cancelled")
POLL_S = 1.0
CANCEL_WAIT_S = 60.0


@dataclass(frozen=True, slots=True)
class LoadConfig:
    search_clients: int = 8
    chat_clients: int = 2
    duration_s: float = 75.0
    cap_s: float = 120.0
    after_s: float = 20.0
    capacity_s: float = 15.0  # a closed-loop phase at the end: what the servers answer flat out
    request_timeout_s: float = 60.0
    pace_s: float = 1.0  # during/after: at most one request start per client per pace_s (0: closed loop)


@dataclass(frozen=True, slots=True)
class Progress:
    """One change of the task's counters, as the poller saw it."""

    wall_s: float  # since the POST
    task_elapsed_s: float
    processed: int
    succeeded: int
    segments_created: int


@dataclass(frozen=True, slots=True)
class Ingestion:
    completed: bool
    status: str
    total: int
    processed: int
    succeeded: int
    skipped: int
    failed: int
    segments_created: int
    segments_embedded: int
    task_elapsed_s: float  # the task's own clock (started_at ..) at the point the rate is taken
    wall_s: float  # POST .. the end of the ingestion phase (finished, or the cap)
    queue_wait_s: float | None  # created_at .. started_at: until a worker (or the server) took the task
    cancel_settle_s: float | None  # capped runs: cancel request .. task finished (None: not within the wait)
    docs_per_s: float
    segments_per_s: float
    # Completed: totals ÷ task time. Capped: counters at their last change ÷ task time then, because
    # counters move a whole embedding batch at a time and the unfinished batch is invisible.
    rate_basis: str
    timeline: list[Progress]
    poll_errors: int


@dataclass(frozen=True, slots=True)
class RunResult:
    ingestion: Ingestion
    during_s: float
    after_s: float
    capacity_s: float
    during: dict[str, EndpointStats]
    after: dict[str, EndpointStats]
    capacity: dict[str, EndpointStats]
    # Each server's /api/health components at the end ("status: detail"), e.g. the index generation.
    final_health: list[dict[str, str]]


async def _warm_up(http: httpx.AsyncClient, servers: list[str], query: str) -> None:
    # The first request of a process loads lazily built parts; it is not what a load test measures.
    for base in servers:
        for path, body in (("/api/search", {"query": query}), ("/api/chat", {"message": query})):
            r = await http.post(f"{base}{path}", json=body)
            r.raise_for_status()


async def _task(http: httpx.AsyncClient, base: str, task_id: str) -> dict[str, Any]:
    r = await http.get(f"{base}/api/ingest/tasks/{task_id}", params={"items_limit": 0})
    r.raise_for_status()
    task: dict[str, Any] = r.json()
    return task


async def _watch(
    http: httpx.AsyncClient, base: str, task_id: str, t0: float, deadline: float, timeline: list[Progress]
) -> tuple[dict[str, Any] | None, int]:
    """Poll until the task is finished (returned) or the deadline passes (None); record counter changes."""
    errors = 0
    while time.monotonic() < deadline:
        try:
            task = await _task(http, base, task_id)
            if not timeline or timeline[-1].processed != task["processed"]:
                timeline.append(
                    Progress(
                        round(time.monotonic() - t0, 2),
                        float(task.get("elapsed_s") or 0.0),
                        task["processed"],
                        task["succeeded"],
                        task["segments_created"],
                    )
                )
            if task["status"] in TERMINAL:
                return task, errors
        except httpx.HTTPError:
            errors += 1
        await asyncio.sleep(POLL_S)
    return None, errors


async def _cancel(http: httpx.AsyncClient, base: str, task_id: str) -> tuple[dict[str, Any], float | None]:
    """The cap passed: cancel, and wait a while for the runner to stop (it stops between embedding batches)."""
    started = time.monotonic()
    (await http.post(f"{base}/api/ingest/tasks/{task_id}/cancel")).raise_for_status()
    deadline = started + CANCEL_WAIT_S
    task = await _task(http, base, task_id)
    while task["status"] not in TERMINAL and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S / 2)
        task = await _task(http, base, task_id)
    settled = round(time.monotonic() - started, 1) if task["status"] in TERMINAL else None
    return task, settled


async def _health(http: httpx.AsyncClient, servers: list[str]) -> list[dict[str, str]]:
    out = []
    for base in servers:
        try:
            components = (await http.get(f"{base}/api/health")).json().get("components", {})
            out.append(
                {name: f"{c.get('status')}: {c.get('detail') or ''}" for name, c in components.items()}
            )
        except (httpx.HTTPError, ValueError) as exc:
            out.append({"error": type(exc).__name__})
    return out


def _queue_wait(task: dict[str, Any]) -> float | None:
    if not task.get("started_at"):
        return None
    created, started = (datetime.fromisoformat(task[k]) for k in ("created_at", "started_at"))
    return round((started - created).total_seconds(), 2)


def _ingestion(
    task: dict[str, Any],
    completed: bool,
    wall_s: float,
    timeline: list[Progress],
    poll_errors: int,
    cancel_settle_s: float | None,
) -> Ingestion:
    if completed:
        elapsed = float(task.get("elapsed_s") or wall_s)
        docs, segments, basis = task["succeeded"], task["segments_created"], "completed: totals / task time"
    elif timeline and timeline[-1].processed and timeline[-1].task_elapsed_s:
        last = timeline[-1]
        elapsed, docs, segments = last.task_elapsed_s, last.succeeded, last.segments_created
        basis = f"capped: counters at their last change ({last.wall_s:.0f} s in) / task time then"
    else:
        elapsed, docs, segments, basis = wall_s, 0, 0, "capped before any document was written"
    return Ingestion(
        completed=completed,
        status=task["status"],
        total=task["total"],
        processed=task["processed"],
        succeeded=task["succeeded"],
        skipped=task["skipped"],
        failed=task["failed"],
        segments_created=task["segments_created"],
        segments_embedded=task["segments_embedded"],
        task_elapsed_s=round(elapsed, 2),
        wall_s=round(wall_s, 2),
        queue_wait_s=_queue_wait(task),
        cancel_settle_s=cancel_settle_s,
        docs_per_s=round(docs / elapsed, 2) if elapsed else 0.0,
        segments_per_s=round(segments / elapsed, 2) if elapsed else 0.0,
        rate_basis=basis,
        timeline=timeline,
        poll_errors=poll_errors,
    )


class _Clients:
    """A set of client loops over the servers (round-robin), stopped and awaited on exit."""

    def __init__(
        self, http: httpx.AsyncClient, servers: list[str], feed: QueryFeed, cfg: LoadConfig, pace_s: float
    ) -> None:
        self.recorder, self.stop, self.timeout = Recorder(), asyncio.Event(), cfg.request_timeout_s
        plan = ["search"] * cfg.search_clients + ["chat"] * cfg.chat_clients
        self.tasks = [
            asyncio.create_task(
                client_loop(
                    http,
                    e,
                    i % len(servers),
                    servers[i % len(servers)],
                    feed,
                    self.stop,
                    self.recorder,
                    pace_s,
                )
            )
            for i, e in enumerate(plan)
        ]

    async def close(self) -> list[Sample]:
        self.stop.set()
        # Requests in flight finish (bounded by the request timeout); nothing new starts.
        await asyncio.wait(self.tasks, timeout=self.timeout + 5)
        for t in self.tasks:
            t.cancel()
        return self.recorder.samples


def _stats(samples: list[Sample], start: float, end: float) -> dict[str, EndpointStats]:
    return {e: summarise(samples, e, start, end) for e in ("search", "chat")}


async def run_load(servers: list[str], folder: Path, queries: list[str], cfg: LoadConfig) -> RunResult:
    limits = httpx.Limits(max_connections=cfg.search_clients + cfg.chat_clients + 8)
    feed, timeline = QueryFeed(queries), list[Progress]()
    async with httpx.AsyncClient(timeout=cfg.request_timeout_s, limits=limits) as http:
        await _warm_up(http, servers, queries[-1])
        t0 = time.monotonic()
        r = await http.post(f"{servers[0]}/api/ingest/folder", json={"path": str(folder)})
        r.raise_for_status()
        task_id = str(r.json()["id"])
        paced = _Clients(http, servers, feed, cfg, cfg.pace_s)
        try:
            finished, poll_errors = await _watch(http, servers[-1], task_id, t0, t0 + cfg.cap_s, timeline)
            end = time.monotonic()
            settle: float | None = None
            if finished is not None:
                task = finished
            else:
                task, settle = await _cancel(http, servers[-1], task_id)
            completed = finished is not None and task["status"] == "completed"
            ingestion = _ingestion(task, completed, end - t0, timeline, poll_errors, settle)
            # "After" starts once nothing is ingesting any more (a cancellation takes a moment to settle).
            after_start = time.monotonic()
            stop_at = max(t0 + cfg.duration_s, after_start + cfg.after_s)
            await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
        finally:
            samples = await paced.close()
        flat_out = _Clients(http, servers, feed, cfg, 0.0)
        capacity_start = time.monotonic()
        try:
            await asyncio.sleep(cfg.capacity_s)
        finally:
            capacity_end = time.monotonic()
            capacity_samples = await flat_out.close()
        health = await _health(http, servers)
    return RunResult(
        ingestion=ingestion,
        during_s=round(end - t0, 2),
        after_s=round(stop_at - after_start, 2),
        capacity_s=round(capacity_end - capacity_start, 2),
        during=_stats(samples, t0, end),
        after=_stats(samples, after_start, stop_at),
        capacity=_stats(capacity_samples, capacity_start, capacity_end),
        final_health=health,
    )

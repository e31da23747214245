"""Closed-loop HTTP clients (search and chat) and the latency statistics of what they measured.

Closed loop, no think time: each client sends its next request as soon as the last one answered,
so the figures are the servers' capacity under that many concurrent users, not a set arrival rate.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import numpy as np

ERROR_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Sample:
    endpoint: str  # "search" or "chat"
    server: int
    started: float  # time.monotonic()
    seconds: float
    error: str | None  # "HTTP 503: ..." or an exception's class name; None when 2xx
    cached: bool = False


@dataclass
class QueryFeed:
    """Hands the clients the queries in turn, with a `k` that changes on every lap of the list.

    Why vary k: a result cache keys on (query, k, index generation); once ingestion stops the
    generation stands still, and a repeated (query, k) would be a cache hit that measures the cache,
    not the search. Six laps of SciFact's claims are more requests than a default run sends.
    """

    queries: list[str]
    position: int = 0

    def next(self) -> tuple[str, int]:
        lap, i = divmod(self.position, len(self.queries))
        self.position += 1
        return self.queries[i], 10 - lap % 6


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)


async def _one(
    http: httpx.AsyncClient, endpoint: str, base_url: str, query: str, k: int
) -> tuple[str | None, bool]:
    if endpoint == "search":
        r = await http.post(f"{base_url}/api/search", json={"query": query, "k": k})
    else:
        r = await http.post(f"{base_url}/api/chat", json={"message": query})
    if not r.is_success:
        return f"HTTP {r.status_code}: {r.text[:160]}", False
    cached = bool(r.json().get("cached", False)) if endpoint == "search" else False
    return None, cached


async def client_loop(
    http: httpx.AsyncClient,
    endpoint: str,
    server: int,
    base_url: str,
    feed: QueryFeed,
    stop: asyncio.Event,
    recorder: Recorder,
    pace_s: float = 0.0,
) -> None:
    """Request after request until `stop`; with `pace_s`, at most one request start per `pace_s` seconds."""
    while not stop.is_set():
        query, k = feed.next()
        started = time.monotonic()
        try:
            error, cached = await _one(http, endpoint, base_url, query, k)
        except httpx.HTTPError as exc:
            error, cached = type(exc).__name__, False
        took = time.monotonic() - started
        recorder.samples.append(Sample(endpoint, server, started, took, error, cached))
        if pace_s > took:
            await asyncio.sleep(pace_s - took)


@dataclass(frozen=True, slots=True)
class EndpointStats:
    requests: int
    errors: int
    requests_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    cached_share: float
    error_examples: list[str]


def summarise(samples: list[Sample], endpoint: str, start: float, end: float) -> EndpointStats:
    """Requests that *started* in [start, end): rate over that window, latency of the successful ones."""
    chosen = [s for s in samples if s.endpoint == endpoint and start <= s.started < end]
    ok = np.array([s.seconds * 1000 for s in chosen if s.error is None])
    errors = [s.error for s in chosen if s.error is not None]

    def pct(q: float) -> float | None:
        return round(float(np.percentile(ok, q)), 1) if ok.size else None

    window = max(end - start, 1e-9)
    return EndpointStats(
        requests=len(chosen),
        errors=len(errors),
        requests_per_s=round(len(chosen) / window, 2),
        p50_ms=pct(50),
        p95_ms=pct(95),
        p99_ms=pct(99),
        max_ms=round(float(ok.max()), 1) if ok.size else None,
        cached_share=round(sum(s.cached for s in chosen) / len(chosen), 3) if chosen else 0.0,
        error_examples=sorted(set(errors))[:ERROR_EXAMPLES],
    )

"""MCP `search_knowledge` round trip over streamable HTTP, next to `POST /api/search`, on the same queries
against the same `pam serve` (the sample handbook). Target: the MCP p50 within 1.5x of /api/search's.

Three doors per query, measured side by side and interleaved (the order rotates every query, so none
is always first on a warm or a cold machine moment):

- `/api/search`: the REST route, JSON over a kept-alive httpx connection;
- `mcp (sdk)`: the official `mcp` client's `ClientSession.call_tool` over `streamable_http_client`
  (what an MCP application pays, its client-side output-schema check included);
- `mcp (raw)`: the same JSON-RPC `tools/call` POSTed with httpx: the server's side of MCP alone.

Two phases on the same data: the headline with the server's result cache off (PAM_SEARCH_CACHE_SIZE=0),
so every call runs the whole hybrid search as a first-time query does; then the server restarted with
its cache on and warmed, so every call is a cache hit and what is left is each door's own overhead.
Each query asks for 10 results.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from bench.common import ROOT, markdown_table, write
from bench.load_procs import Processes, free_port, pam_command, wait_healthy
from pam.evaluation.metrics import percentile

HANDBOOK = ROOT / "examples" / "handbook"
QUESTIONS = ROOT / "examples" / "handbook_questions.jsonl"
ROUNDS = 5
K = 10
SEED_TIMEOUT_S = 900.0
TARGET_RATIO = 1.5
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}

Door = Callable[[str], Awaitable[int]]  # one query; returns the response's size in bytes


def start_server(work: Path, procs: Processes, *, cache: bool) -> str:
    """`pam serve` on the handbook (ingested on the first start only: the data dir is kept)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env.update(
        PAM_DATA_DIR=str(work / "data"),
        PAM_PORT=str(port),
        PAM_SEED_DIR=str(HANDBOOK),
        PAM_INGEST_ROOTS=str(HANDBOOK),
        PAM_SEARCH_CACHE_SIZE="1024" if cache else "0",
        PAM_LOG_LEVEL="warning",
    )
    procs.start(f"serve-cache-{'on' if cache else 'off'}", pam_command("serve"), env=env, cwd=work)
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, procs, timeout_s=180)
    deadline = time.monotonic() + SEED_TIMEOUT_S
    while True:
        procs.check_alive()
        tasks = httpx.get(f"{base}/api/ingest/tasks", timeout=10).json()["items"]
        if tasks and all(t["status"] in ("completed", "failed", "cancelled") for t in tasks):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the handbook was not ingested in time")
        time.sleep(1)
    time.sleep(3)  # the index follows the last commits within a couple of seconds
    return base


def summary(name: str, millis: list[float], sizes: list[int]) -> dict[str, Any]:
    return {
        "door": name,
        "calls": len(millis),
        "p50_ms": round(percentile(millis, 0.5), 2),
        "p95_ms": round(percentile(millis, 0.95), 2),
        "mean_ms": round(sum(millis) / len(millis), 2),
        "mean_bytes": round(sum(sizes) / len(sizes)),
    }


async def measure(base: str, queries: list[str], *, warm_all: bool) -> list[dict[str, Any]]:
    rpc_id = 0
    async with (
        httpx.AsyncClient(base_url=base, timeout=60) as http,
        httpx2.AsyncClient(timeout=60) as http2,
        streamable_http_client(f"{base}/mcp", http_client=http2) as (read, write_),
        ClientSession(read, write_) as session,
    ):
        await session.initialize()

        async def api(query: str) -> int:
            r = await http.post("/api/search", json={"query": query, "k": K, "mode": "hybrid"})
            r.raise_for_status()
            assert r.json()["results"] is not None
            return len(r.content)

        async def mcp_sdk(query: str) -> int:
            result = await session.call_tool("search_knowledge", {"query": query, "k": K})
            assert not result.is_error, result.content
            return len(result.content[0].text)  # type: ignore[union-attr]

        async def mcp_raw(query: str) -> int:
            nonlocal rpc_id
            rpc_id += 1
            call = {"name": "search_knowledge", "arguments": {"query": query, "k": K}}
            body = {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call", "params": call}
            r = await http.post("/mcp", json=body, headers=MCP_HEADERS)
            r.raise_for_status()
            assert not r.json()["result"].get("isError"), r.text
            return len(r.content)

        doors: list[tuple[str, Door]] = [("/api/search", api), ("mcp (sdk)", mcp_sdk), ("mcp (raw)", mcp_raw)]
        for _, door in doors:  # warm-up: connections, the embedder's first runs (every query: the cache)
            for query in queries if warm_all else queries[:3]:
                await door(query)
        timings: dict[str, list[float]] = {name: [] for name, _ in doors}
        sizes: dict[str, list[int]] = {name: [] for name, _ in doors}
        turn = 0
        for _ in range(ROUNDS):
            for query in queries:
                turn += 1
                shift = turn % len(doors)
                for name, door in doors[shift:] + doors[:shift]:
                    started = time.perf_counter()
                    size = await door(query)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    sizes[name].append(size)
        return [summary(name, timings[name], sizes[name]) for name, _ in doors]


def main() -> None:
    queries = [
        json.loads(line)["question"] for line in QUESTIONS.read_text("utf-8").splitlines() if line.strip()
    ]
    work = Path(tempfile.mkdtemp(prefix="pam-mcp-bench-"))
    procs = Processes(log_dir=work)
    phases: dict[str, list[dict[str, Any]]] = {}
    try:
        for cache in (False, True):
            base = start_server(work, procs, cache=cache)
            phases["cache_on" if cache else "cache_off"] = asyncio.run(measure(base, queries, warm_all=cache))
            procs.stop_all()
    finally:
        procs.stop_all()
    for rows in phases.values():
        api_p50 = rows[0]["p50_ms"]
        for row in rows:
            row["p50_vs_api"] = round(row["p50_ms"] / api_p50, 2)
    sdk_ratio = phases["cache_off"][1]["p50_vs_api"]
    table = "# MCP search_knowledge next to /api/search (streamable HTTP, same server, same queries)\n\n"
    table += (
        f"{len(queries)} handbook questions x {ROUNDS} rounds, k={K}, hybrid, doors interleaved. "
        f"Target: MCP p50 within {TARGET_RATIO}x of /api/search: {'met' if sdk_ratio <= TARGET_RATIO else 'MISSED'} "
        f"({sdk_ratio}x with the official client, every call a full search).\n"
    )
    titles = {
        "cache_off": "Result cache off: every call runs the whole search (the headline)",
        "cache_on": "Result cache on and warm: every call a cache hit, so only each door's own overhead is left",
    }
    for phase, rows in phases.items():
        table += f"\n## {titles[phase]}\n\n"
        table += markdown_table(
            ["door", "calls", "p50 ms", "p95 ms", "mean ms", "p50 / api", "mean response bytes"],
            [
                [
                    r["door"],
                    r["calls"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["mean_ms"],
                    r["p50_vs_api"],
                    r["mean_bytes"],
                ]
                for r in rows
            ],
        )
    write(
        "mcp",
        {"queries": len(queries), "rounds": ROUNDS, "k": K, "target_ratio": TARGET_RATIO, "phases": phases},
        table,
    )


if __name__ == "__main__":
    main()

"""`pam mcp` over stdio, driven by the official client (`mcp.client.stdio`), beside a running `pam serve`
on the same data dir; and `pam mcp --url`, the same stdio forwarded to the running server's `/mcp`."""

from __future__ import annotations

import asyncio
import time

import httpx
from mcp import ClientSession
from mcp.client.stdio import stdio_client

from tests.doors.conftest import Served
from tests.doors.mcp_checks import call, check_everything

FOLLOW_TIMEOUT_S = 60.0


async def test_the_stdio_server_answers_every_tool_and_resource_beside_a_running_server(
    handbook: Served,
) -> None:
    async with stdio_client(handbook.stdio()) as (read, write), ClientSession(read, write) as session:
        await check_everything(session)


async def test_a_document_the_server_ingests_later_is_found_over_stdio(handbook: Served) -> None:
    """The server holds the index writer; `pam mcp` follows what it commits."""
    async with stdio_client(handbook.stdio()) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        query = {"query": "zirconium pelican rota", "k": 3}
        assert not [
            r
            for r in (await call(session, "search_knowledge", query))["results"]
            if "zirconium" in r["quote"]
        ]
        upload = (
            "files",
            ("pelican.md", b"# Pelican rota\n\nThe zirconium pelican rota starts on Mondays.\n"),
        )
        r = httpx.post(f"{handbook.base}/api/ingest/upload", files=[upload], timeout=30)
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + FOLLOW_TIMEOUT_S
        while True:
            results = (await call(session, "search_knowledge", query))["results"]
            if results and "zirconium pelican" in results[0]["quote"]:
                break
            assert time.monotonic() < deadline, results
            await asyncio.sleep(0.5)


async def test_the_url_mode_forwards_to_the_running_server(handbook: Served) -> None:
    params = handbook.stdio("--url", handbook.base)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await check_everything(session)

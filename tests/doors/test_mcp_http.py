"""`/mcp` of a real `pam serve`, driven by the official client (`mcp.client.streamable_http`) and by the
MCP Inspector's CLI (npm `@modelcontextprotocol/inspector --cli`)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.doors.conftest import ROOT, Served
from tests.doors.mcp_checks import TOOLS, check_everything

INSPECTOR = ROOT / "tests" / "doors" / "node" / "node_modules" / ".bin" / "mcp-inspector"
INSPECTOR_TIMEOUT_S = 120


async def test_the_streamable_http_server_answers_every_tool_and_resource(handbook: Served) -> None:
    async with (
        streamable_http_client(f"{handbook.base}/mcp") as (read, write),
        ClientSession(read, write) as session,
    ):
        await check_everything(session)


async def test_the_transport_is_stateless_and_post_only(handbook: Served) -> None:
    """Any server behind a proxy can answer any request: no session id to route by, no GET stream."""
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(base_url=handbook.base) as client:
        listed = await client.post("/mcp", json=body, headers=headers)
        assert listed.status_code == 200 and "mcp-session-id" not in listed.headers
        assert {t["name"] for t in listed.json()["result"]["tools"]} == TOOLS
        assert (await client.get("/mcp")).status_code == 405


async def inspector(tmp_path: Path, *args: str) -> object:
    assert INSPECTOR.exists(), (
        "run `make test` (it installs tests/doors/node) or `npm ci` in tests/doors/node"
    )
    node = shutil.which("node")
    assert node is not None
    # Its catalog and settings go to a home of its own, not the developer's.
    env = {**os.environ, "HOME": str(tmp_path), "MCP_CATALOG_PATH": str(tmp_path / "mcp.json")}
    process = await asyncio.create_subprocess_exec(
        node,
        str(INSPECTOR),
        "--cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=INSPECTOR_TIMEOUT_S)
    assert process.returncode == 0, err.decode()
    return json.loads(out)


async def test_the_inspector_cli_lists_and_calls_the_tools(handbook: Served, tmp_path: Path) -> None:
    url = f"{handbook.base}/mcp"
    listed = await inspector(tmp_path, url, "--transport", "http", "--method", "tools/list", "--strict")
    assert isinstance(listed, dict) and {t["name"] for t in listed["tools"]} == TOOLS
    called = await inspector(
        tmp_path,
        url,
        "--method",
        "tools/call",
        "--tool-name",
        "search_knowledge",
        "--tool-arg",
        "query=weekly active users",
    )
    assert isinstance(called, dict) and not called["isError"]
    # The metric's own page among the first few (the glossary's WAU entry may rank above it).
    assert "metrics/wau_mau.md" in [r["uri"] for r in called["structuredContent"]["results"][:3]]

"""`/mcp` in the app, through the official `mcp` client: documents read with their structure, rate limits
as tool errors, the browser-origin check, and an `ask` that holds no database connection while it waits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fpdf import FPDF
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from pam.api.app import create_app
from tests.access.conftest import harness_for
from tests.api.harness import llm_overrides, start_harness, write
from tests.conftest import make_settings
from tests.fakes.model_script import Delay, Text, ToolUse
from tests.fakes.model_server import FakeModelServer
from tests.served import serving_in_loop

GUIDE = """# Field guide

Read this first.

## Setup

Install the kit.

### Linux

Use the package.

## Use

Point it at otters.
"""


@asynccontextmanager
async def mcp_session(app: Any, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers or {}) as http,
        streamable_http_client("http://127.0.0.1/mcp", http_client=http) as (read, write_),
        ClientSession(read, write_) as session,
    ):
        await session.initialize()
        yield session


def pdf(pages: list[str]) -> bytes:
    document = FPDF()
    for text in pages:
        document.add_page()
        document.set_font("helvetica", size=12)
        document.multi_cell(0, 8, text)
    return bytes(document.output())


async def test_a_document_resource_reads_with_its_headings_and_pages(tmp_path: Path) -> None:
    async with start_harness(make_settings(tmp_path / "data")) as api:
        folder = api.folder()
        # Pages long enough to be passages of their own (a passage is cited by the page it starts on).
        pages = [f"Otters float on their backs. {'Kelp holds them. ' * 80}", "Otters eat urchins. " * 80]
        write(folder, {"guide.md": GUIDE, "manual.pdf": pdf(pages)})
        await api.ingest(folder)
        docs = {d["title"]: d["id"] for d in (await api.client.get("/api/documents")).json()["items"]}
        async with mcp_session(api.app) as session:
            guide = (await session.read_resource(f"pam://documents/{docs['Field guide']}")).contents[0]
            manual = (await session.read_resource(f"pam://documents/{docs['manual']}")).contents[0]
    text = guide.text  # type: ignore[union-attr]
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# Field guide", "## Setup", "### Linux", "## Use"], text
    assert text.index("Install the kit.") < text.index("### Linux") < text.index("Use the package.")
    marked = manual.text  # type: ignore[union-attr]
    # A passage may run on across a page break: it is marked by the page it starts on.
    assert marked.index("[page 1]") < marked.index("float") < marked.index("[page 2]")
    assert "urchins" in marked[marked.index("[page 2]") :] and "[page 3]" not in marked


async def test_searches_over_the_limit_are_tool_errors_that_say_when_to_retry(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", auth="required", rate_limit_search_per_minute=2)
    async with harness_for(settings) as h:
        await h.add_user("ann@example.com", is_admin=True)
        headers = await h.headers_for("ann@example.com")
        async with mcp_session(h.app, headers) as session:
            for _ in range(2):
                assert not (await session.call_tool("search_knowledge", {"query": "otters"})).is_error
            refused = await session.call_tool("search_knowledge", {"query": "otters"})
            assert not (await session.call_tool("list_projects", {})).is_error  # not a search
    assert refused.is_error
    error = json.loads(refused.content[0].text)["error"]  # type: ignore[union-attr]
    assert error["code"] == "rate_limited" and 0 < error["retry_after"] <= 60


async def test_with_auth_none_a_page_of_another_origin_is_refused(tmp_path: Path) -> None:
    async with start_harness(make_settings(tmp_path / "data")) as api:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        accept = {"Accept": "application/json, text/event-stream"}
        evil = await api.client.post("/mcp", json=body, headers={**accept, "Origin": "http://evil.example"})
        assert evil.status_code == 403 and evil.json()["error"]["code"] == "forbidden"
        local = await api.client.post(
            "/mcp", json=body, headers={**accept, "Origin": "http://localhost:5173"}
        )
        assert local.status_code == 200 and local.json()["result"]["tools"]


async def test_an_ask_waiting_on_the_model_holds_no_connection_with_a_pool_of_one(
    tmp_path: Path, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[ToolUse("search_knowledge", {"query": "otters"})], [Delay(5), Text("Otters hold hands [1].")]]
    )
    settings = make_settings(
        tmp_path / "data", db_pool_size=1, db_max_overflow=0, **llm_overrides("openai", model_server)
    )
    write(settings.data_dir / "docs", {"otters.md": "# Otters\n\nSea otters hold hands while they sleep."})
    async with (
        serving_in_loop(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        task = (
            await client.post("/api/ingest/folder", json={"path": str(settings.data_dir / "docs")})
        ).json()
        while (await client.get(f"/api/ingest/tasks/{task['id']}")).json()["status"] != "completed":
            await asyncio.sleep(0.1)
        async with (
            httpx2.AsyncClient(timeout=60) as http,
            streamable_http_client(f"{base}/mcp", http_client=http) as (
                read,
                write_,
            ),
            ClientSession(read, write_) as session,
        ):
            await session.initialize()
            asking = asyncio.create_task(session.call_tool("ask", {"question": "Do otters hold hands?"}))
            while len(model_server.requests) < 2:  # the model is now writing (slowly) its answer
                await asyncio.sleep(0.05)
            listing = await asyncio.wait_for(client.get("/api/documents"), timeout=4)
            assert listing.status_code == 200 and listing.json()["total"] == 1
            assert not asking.done()
            answer = await asyncio.wait_for(asking, timeout=30)
    assert not answer.is_error and answer.structured_content["citations"][0]["uri"] == "otters.md"  # type: ignore[index]


async def test_a_crash_inside_a_tool_or_a_read_is_an_internal_error_without_its_text(tmp_path: Path) -> None:
    """The SDK would send an unexpected exception's own words; ours never leave the server."""
    secret = "SELECT * FROM users -- /var/lib/pam/secret.db"

    async def crash(*args: object, **kwargs: object) -> object:
        raise RuntimeError(secret)

    async with start_harness(make_settings(tmp_path / "data")) as api:
        services = api.services
        services.documents.segment = crash  # type: ignore[method-assign]
        services.documents.page = crash  # type: ignore[method-assign]
        async with mcp_session(api.app) as session:
            result = await session.call_tool(
                "get_segment", {"segment_id": "00000000-0000-4000-8000-000000000000"}
            )
            with pytest.raises(MCPError) as listing:
                await session.list_resources()
    assert result.is_error and secret not in result.model_dump_json()
    assert json.loads(result.content[0].text)["error"]["code"] == "internal_error"  # type: ignore[union-attr]
    assert secret not in str(listing.value) and listing.value.data["error"]["code"] == "internal_error"

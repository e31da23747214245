"""The doors other software uses, through that software's own clients, as a viewer of project A:
MCP (the official `mcp` client over streamable HTTP, and `pam mcp` on stdio with the viewer's API key)
and the OpenAI-compatible API (the official `openai` SDK). Nothing of project B comes back; A does.
`test_leak_matrix` covers the same routes call by call, with raw HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import openai
import pytest
import pytest_asyncio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.access.leak_cases import NOWHERE, b_tool_calls
from tests.access.two_projects import A_NAME, A_TABLE, B_NAME, B_TABLE, World, leak_world
from tests.deployments import DEPLOYMENTS

pytestmark = pytest.mark.asyncio(loop_scope="module")
A_QUESTION = "What is the heliotrope marmalade budget?"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with leak_world(request, tmp_path_factory) as built:
        yield built


def b_attempts(w: World) -> list[dict[str, Any]]:
    """The agent's B-seeking calls (shared tools) and the MCP-only ones, with B's ids and names."""
    return [
        *b_tool_calls(w),
        {"name": "get_segment", "input": {"segment_id": w.b_segments[0], "around": 5}},
        {"name": "get_document", "input": {"uri": "bravo-secrets.md"}},
        {"name": "list_projects", "input": {}},
        {"name": "query_data", "input": {"sql": f"SELECT * FROM {B_TABLE}", "project": B_NAME}},
        {"name": "ask", "input": {"question": "What is the quartzbadger launch code?"}},
        {"name": "ask", "input": {"question": "What is the launch code?", "projects": [B_NAME]}},
        {"name": "ask", "input": {"question": "and again?", "conversation_id": w.b_conversation}},
    ]


async def nothing_of_b(w: World, session: ClientSession) -> list[str]:
    """Every B-seeking tool call, resource listing and read; what leaked, as failure lines."""
    failures = []
    for attempt in b_attempts(w):
        result = await session.call_tool(attempt["name"], attempt["input"])
        shown = result.model_dump_json()
        if leaked := w.leaks(shown, json.dumps(attempt["input"])):
            failures.append(f"{attempt}: leaked {sorted(leaked)} in {shown[:300]}")
    listed = (await session.list_resources()).resources
    if leaked := w.leaks(json.dumps([r.model_dump(mode="json") for r in listed])):
        failures.append(f"resources/list leaked {sorted(leaked)}")
    for uri in (f"pam://documents/{d}" for d in w.b_docs.values()):
        with pytest.raises(MCPError) as refused:
            await session.read_resource(uri)
        with pytest.raises(MCPError) as missing:
            await session.read_resource(f"pam://documents/{NOWHERE}")
        assert (refused.value.code, refused.value.data) == (missing.value.code, missing.value.data)
    with pytest.raises(MCPError):
        await session.read_resource(f"pam://tables/{B_NAME}/{B_TABLE}")
    return failures


async def sees_a(w: World, session: ClientSession) -> None:
    found = await session.call_tool("search_knowledge", {"query": "heliotrope marmalade"})
    assert found.structured_content and found.structured_content["results"]
    assert found.structured_content["results"][0]["document_id"] == w.a_docs["Alpha handbook"]
    tables = await session.call_tool("list_tables", {})
    assert [t["name"] for t in tables.structured_content["tables"]] == [A_TABLE]  # type: ignore[index]
    listed = {r.uri for r in (await session.list_resources()).resources}
    assert listed == {f"pam://documents/{d}" for d in w.a_docs.values()} | {
        f"pam://tables/{A_NAME}/{A_TABLE}"
    }


@asynccontextmanager
async def over_http(w: World, credential: str | None) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    transport = httpx2.ASGITransport(app=w.h.app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as http,
        streamable_http_client("http://testserver/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@pytest.mark.parametrize("via", ["token", "api_key"])
async def test_the_mcp_client_over_http_gets_nothing_of_b(world: World, via: str) -> None:
    credential = world.viewer_token if via == "token" else world.viewer_key
    async with over_http(world, credential) as session:
        assert not (failures := await nothing_of_b(world, session)), "\n".join(failures)
        await sees_a(world, session)


def stdio_params(world: World, **env: str) -> StdioServerParameters:
    """`pam mcp` on the world's store, as the CLI finds it: its data dir, or its PostgreSQL and Redis."""
    settings = world.h.settings
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    clean.update(PAM_DATA_DIR=str(settings.data_dir), PAM_AUTH="required", PAM_EMBED_WORKERS="1", **env)
    if settings.database_url:
        clean["PAM_DATABASE_URL"] = settings.database_url
    if settings.redis_url is not None:
        clean["PAM_REDIS_URL"] = settings.redis_url.get_secret_value()
    return StdioServerParameters(command=sys.executable, args=["-m", "pam.cli.main", "mcp"], env=clean)


async def test_pam_mcp_on_stdio_acts_as_its_api_keys_user(world: World) -> None:
    """Beside the running app, on its store: the viewer's key sees A and nothing of B."""
    params = stdio_params(world, PAM_MCP_API_KEY=world.viewer_key)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        assert not (failures := await nothing_of_b(world, session)), "\n".join(failures)
        await sees_a(world, session)


@pytest.mark.parametrize("key", [None, "pam_not-a-real-key"])
async def test_pam_mcp_with_auth_required_needs_a_valid_key(world: World, key: str | None) -> None:
    params = stdio_params(world, **({"PAM_MCP_API_KEY": key} if key else {}))
    process = await asyncio.create_subprocess_exec(
        params.command,
        *params.args,
        env=params.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 1 and out == b""
    assert b"API key" in err and b"Traceback" not in err, err


async def test_the_new_doors_need_a_credential(world: World) -> None:
    client = world.h.client
    for method, url, body in (
        ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        ("GET", "/v1/models", None),
        ("GET", "/v1/models/pam", None),
        ("POST", "/v1/chat/completions", {"model": "pam", "messages": [{"role": "user", "content": "hi"}]}),
    ):
        for headers in ({}, {"Authorization": "Bearer pam_forged"}, {"Authorization": "Basic eDp5"}):
            r = await client.request(method, url, json=body, headers=headers)
            assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", (url, headers, r.text)
            assert r.json()["error"]["code"] == "unauthorized"
    # The official client cannot even initialize without one.
    with pytest.raises(ExceptionGroup) as refused:
        async with over_http(world, None):
            pass
    assert refused.group_contains(MCPError, depth=None), refused.value


def openai_sdk(world: World) -> openai.AsyncOpenAI:
    http = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=world.h.app), base_url="http://testserver/v1"
    )
    return openai.AsyncOpenAI(
        base_url="http://testserver/v1", api_key=world.viewer_key, http_client=http, max_retries=0
    )


async def test_the_openai_sdk_gets_nothing_of_b(world: World) -> None:
    sdk = openai_sdk(world)
    assert [m.id async for m in sdk.models.list()] == ["pam", f"pam/{A_NAME}"]
    for model in (f"pam/{B_NAME}", f"pam/{world.b_id}"):
        with pytest.raises(openai.NotFoundError):
            await sdk.models.retrieve(model)
        with pytest.raises(openai.NotFoundError):
            await sdk.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "launch code?"}]
            )
    question = [{"role": "user", "content": "What is the quartzbadger launch code?"}]
    whole = await sdk.chat.completions.create(model="pam", messages=question)  # type: ignore[arg-type]
    streamed = await sdk.chat.completions.create(model="pam", messages=question, stream=True)  # type: ignore[arg-type]
    chunks = [chunk async for chunk in streamed]
    shown = whole.model_dump_json() + "".join(c.model_dump_json() for c in chunks)
    assert not world.leaks(shown, json.dumps(question)), world.leaks(shown, json.dumps(question))
    cited = await sdk.chat.completions.create(
        model=f"pam/{A_NAME}", messages=[{"role": "user", "content": A_QUESTION}]
    )
    assert {c["document_id"] for c in cited.model_extra["pam"]["citations"]} == {
        world.a_docs["Alpha handbook"]
    }  # type: ignore[index]

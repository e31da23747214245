"""`pam mcp --url`: stdio for a desktop client, forwarded to a running server's `/mcp`.

For a client on another machine than the data (or a server on PostgreSQL the client cannot
reach): every request goes to the server over streamable HTTP with the API key as its Bearer
credential, so the server applies its own access rules and rate limits, and answers come back
unchanged. The server's tools, resources and instructions are what the client sees.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx2
import mcp_types as types
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR

from pam.errors import Unauthorized, Unavailable
from pam.mcp.http import PATH

T = TypeVar("T")
# Answers (the `ask` tool) may take as long as the answerer's model does.
TIMEOUT = httpx2.Timeout(30.0, read=600.0)


def endpoint(url: str) -> str:
    """The server's MCP endpoint: its base URL gets `/mcp`; a URL with a path is taken as it is."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    path = parts.path.rstrip("/") or PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


async def serve_proxy(url: str, api_key: str | None) -> None:
    """Serve until the client closes stdin. Raises `PamError` (before serving) when the server cannot
    be reached or refuses the key."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    target = endpoint(url)
    async with httpx2.AsyncClient(headers=headers, timeout=TIMEOUT) as http:
        await _check_reachable(http, target)
        await _serve_forwarding(http, target)


async def _check_reachable(http: httpx2.AsyncClient, target: str) -> None:
    """One plain request first, so a wrong URL or key is a sentence, not a failed MCP handshake."""
    probe = {"jsonrpc": "2.0", "id": 0, "method": "ping"}
    try:
        response = await http.post(
            target, json=probe, headers={"Accept": "application/json, text/event-stream"}
        )
    except httpx2.HTTPError as exc:
        raise Unavailable(f"cannot reach the PAM server at {target} ({type(exc).__name__})") from None
    if response.status_code == 401:
        raise Unauthorized(f"the PAM server at {target} refused the API key (--api-key, PAM_MCP_API_KEY)")
    if response.status_code >= 400:
        raise Unavailable(f"the PAM server at {target} answered {response.status_code}: is it a PAM server?")


async def _serve_forwarding(http: httpx2.AsyncClient, target: str) -> None:
    async with (
        streamable_http_client(target, http_client=http) as (read_remote, write_remote),
        ClientSession(read_remote, write_remote) as remote,
    ):
        info = await remote.initialize()
        server = _forwarding(remote, info)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


def _forwarding(remote: ClientSession, info: types.InitializeResult) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return await _forward(remote.list_tools(params=params))

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return await _forward(remote.call_tool(params.name, params.arguments))

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return await _forward(remote.list_resources(params=params))

    async def list_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return await _forward(remote.list_resource_templates(params=params))

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return await _forward(remote.read_resource(str(params.uri)))

    return Server(
        info.server_info.name,
        version=info.server_info.version,
        title=info.server_info.title,
        instructions=info.instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


async def _forward(request: Awaitable[T]) -> T:
    """The server's answer; its errors pass through, a lost connection becomes an MCP error."""
    try:
        return await request
    except MCPError:
        raise
    except (httpx2.HTTPError, OSError) as exc:
        raise MCPError(INTERNAL_ERROR, f"the PAM server cannot be reached ({type(exc).__name__})") from None

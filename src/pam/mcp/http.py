"""`/mcp`: the MCP server over streamable HTTP, inside the app.

Stateless: every POST is answered on its own (JSON, no session id), so any of several servers behind
a proxy can answer any request and nothing is kept between them. Before the SDK sees a request, the
caller is read from `Authorization: Bearer` (a token or an API key, exactly as on `/api`: 401 with
`WWW-Authenticate` when missing or wrong under PAM_AUTH=required) and its access scope is put on
the request for the tools. With PAM_AUTH=none (the local default) a browser page of another origin
is refused: without it any web site could read the knowledge base through the user's browser.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from pam.errors import Forbidden, Unauthorized
from pam.mcp.server import build_server
from pam.mcp.tools import McpCall
from pam.services.container import Services

PATH = "/mcp"
_CALL = "pam_mcp_call"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class McpHttp:
    """The MCP server of one app: built and started in its lifespan, closed at shutdown.

    The SDK's session manager holds a task group while it runs. It runs in a task of its own, so it
    is entered and left in the same task however the lifespan's start and end are scheduled.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.manager = StreamableHTTPSessionManager(
            app=build_server(services, _identify), json_response=True, stateless=True
        )
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        running = asyncio.Event()

        async def run() -> None:
            async with self.manager.run():
                running.set()
                await self._stop.wait()

        self._task = asyncio.create_task(run(), name="mcp-http")
        started = asyncio.create_task(running.wait())
        await asyncio.wait({self._task, started}, return_when=asyncio.FIRST_COMPLETED)
        if not running.is_set():
            started.cancel()
            await self._task  # raises what stopped it

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None and not self._task.done():
            await self._task


class McpEndpoint:
    """The ASGI app at `/mcp`: checks the caller, then hands the request to the app's `McpHttp`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        door: McpHttp = request.app.state.mcp
        services = door.services
        if services.settings.auth == "none" and not _local_origin(request.headers.get("origin")):
            raise Forbidden("requests from web pages of other origins are refused")
        try:
            access = await services.auth.scope(request.headers.get("authorization"))
        except Unauthorized as exc:
            raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc
        client = request.client.host if request.client else "unknown"
        scope.setdefault("state", {})[_CALL] = McpCall(access, client)
        await door.manager.handle_request(scope, receive, send)


async def _identify(ctx: ServerRequestContext[Any, Any]) -> McpCall:
    request = ctx.request
    call = request.scope.get("state", {}).get(_CALL) if isinstance(request, Request) else None
    if not isinstance(call, McpCall):  # only ever reached through McpEndpoint
        raise Unauthorized("not authenticated")
    return call


def _local_origin(origin: str | None) -> bool:
    """No Origin (not a browser, or a same-origin GET), or a page served from this machine."""
    if not origin:
        return True
    return (urlsplit(origin).hostname or "") in _LOOPBACK

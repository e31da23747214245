"""`pam mcp`: the MCP server over stdin/stdout, for desktop clients that start it as a subprocess.

It opens the data directory (or the configured database) like the other CLI commands do, so it
works beside a running `pam serve` on the same data: SQLite in WAL mode takes several processes,
and the embedded search index has one writer (whoever holds its lock; this process then only reads
what that one commits, catching up every few seconds). It runs no ingestion tasks.

Who it acts as: with PAM_AUTH=none the local admin; with PAM_AUTH=required the user of the API key
it was given (checked at start, and again on every call, so a revoked key stops working at once).
"""

from __future__ import annotations

from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.server.stdio import stdio_server

from pam.access import LOCAL_ADMIN
from pam.errors import InvalidInput, Unauthorized
from pam.mcp.server import Identify, build_server
from pam.mcp.tools import McpCall
from pam.services.container import Services
from pam.settings import Settings

CLIENT = "stdio"


async def serve_stdio(settings: Settings, api_key: str | None) -> None:
    """Serve until the client closes stdin. Raises `PamError` (before serving) for a missing or bad key."""
    services = await Services.start(settings, run_tasks=False)
    try:
        identify = await caller_of(services, api_key)
        server = build_server(services, identify)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await services.close()


async def caller_of(services: Services, api_key: str | None) -> Identify:
    """Who every call of this process is made as, checked once now so a wrong key fails at start."""
    if services.settings.auth == "none":

        async def local(ctx: ServerRequestContext[Any, Any]) -> McpCall:
            return McpCall(await services.auth.scope_of(LOCAL_ADMIN), CLIENT)

        return local
    if not api_key:
        raise InvalidInput(
            "PAM_AUTH=required: give `pam mcp` an API key (--api-key, or PAM_MCP_API_KEY); "
            "make one in the web UI or with POST /api/auth/keys"
        )
    header = f"Bearer {api_key}"
    try:
        await services.auth.scope(header)
    except Unauthorized as exc:
        raise Unauthorized(f"the API key was not accepted: {exc.message}") from exc

    async def keyed(ctx: ServerRequestContext[Any, Any]) -> McpCall:
        return McpCall(await services.auth.scope(header), CLIENT)

    return keyed

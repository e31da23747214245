"""The MCP server: tools and resources over one `Services`, for whoever `identify` says is calling.

Built on the SDK's low-level `Server` so each tool keeps the schema of its `ToolDefinition` (the
agent's) rather than one derived from a Python signature. Both transports use it: streamable HTTP
(`pam.mcp.http`, the caller from the request's credentials) and stdio (`pam.mcp.stdio`, the caller
from the configured API key).

Errors: a tool that fails returns a tool error (`isError`) whose text is our error body,
`{"error": {"code", "message"}}`; a resource that cannot be read is a JSON-RPC error with the same
body as its data. Nothing internal (paths, SQL, tracebacks) is sent; unexpected failures are logged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mcp_types as types
import structlog
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS
from pydantic import ValidationError

from pam import __version__
from pam.answer.tools import describe_errors
from pam.errors import InvalidInput, PamError, Unavailable
from pam.mcp.resources import ResourceCatalog
from pam.mcp.tools import McpCall, McpTool, mcp_tools
from pam.services.container import Services
from pam.services.text_input import require_storable_values
from pam.store.outage import looks_like_outage

T = TypeVar("T")
log = structlog.get_logger("pam.mcp")
Identify = Callable[[ServerRequestContext[Any, Any]], Awaitable[McpCall]]
INSTRUCTIONS = (
    "PAM Context is the team's knowledge base: runbooks, metric definitions, specs, decisions, "
    "incident reports and data tables. Use search_knowledge to find passages, get_document or the "
    "document resources to read on, list_tables and query_data for numbers in data files, and ask for "
    "a cited answer. Cite what you use by title and section; every passage has its uri."
)
_INTERNAL = PamError("An internal error occurred. It has been logged.", code="internal_error")
_OUTAGE = Unavailable("The database is unavailable; retry in a few seconds.", retry_after=5)


def build_server(services: Services, identify: Identify) -> Server[Any]:
    tools = {tool.definition.name: tool for tool in mcp_tools(services)}
    catalog = ResourceCatalog(services)

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.listing() for tool in tools.values()])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = tools.get(params.name)
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"Unknown tool {params.name!r}. Available: {', '.join(tools)}.")
        try:
            call = await identify(ctx)
        except Exception as exc:
            return tool_error(as_pam_error(exc, params.name))
        return await run_tool(services, tool, params.arguments or {}, call)

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        cursor = params.cursor if params is not None else None
        return await _resource_call(lambda call: catalog.page(call.scope, cursor), ctx, identify)

    async def list_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return catalog.templates()

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return await _resource_call(lambda call: catalog.read(call.scope, str(params.uri)), ctx, identify)

    return Server(
        "pam-context",
        version=__version__,
        title="PAM Context",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


async def run_tool(
    services: Services, tool: McpTool[Any], arguments: dict[str, Any], call: McpCall
) -> types.CallToolResult:
    name = tool.definition.name
    try:
        require_storable_values(arguments, f"the input of {name}")
        args = tool.definition.input_model.model_validate(arguments)
    except ValidationError as exc:
        return tool_error(InvalidInput(f"Invalid input for {name}: {describe_errors(exc)}"))
    except InvalidInput as exc:
        return tool_error(exc)
    try:
        if tool.limit is not None:
            await services.auth.limit(tool.limit, call.scope.caller, client=call.client)
        result = await tool.run(args, call)
    except Exception as exc:
        return tool_error(as_pam_error(exc, name))
    data = result.model_dump(mode="json")
    return types.CallToolResult(
        content=[types.TextContent(text=json.dumps(data, ensure_ascii=False))], structured_content=data
    )


def as_pam_error(exc: Exception, where: str) -> PamError:
    """What a client may be told of a failure. The SDK would send an unexpected exception's own text
    (SQL, paths), so nothing leaves a handler but a `PamError` or an `MCPError` of ours."""
    if isinstance(exc, PamError):
        log.info("mcp.error", where=where, code=exc.code)
        return exc
    if looks_like_outage(exc):
        log.warning("mcp.database_unavailable", where=where, error_type=type(exc).__name__)
        return _OUTAGE
    log.error("mcp.crashed", where=where, exc_info=exc)
    return _INTERNAL


def error_body(exc: PamError) -> dict[str, Any]:
    """Our error body, as every door sends it; with how long to wait when waiting helps."""
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.retry_after is not None:
        error["retry_after"] = exc.retry_after
    return {"error": error}


def tool_error(exc: PamError) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=json.dumps(error_body(exc), ensure_ascii=False))], is_error=True
    )


async def _resource_call(
    read: Callable[[McpCall], Awaitable[T]], ctx: ServerRequestContext[Any, Any], identify: Identify
) -> T:
    """A resource request, its failures as JSON-RPC errors carrying our error body."""
    try:
        return await read(await identify(ctx))
    except MCPError:
        raise
    except Exception as exc:
        error = as_pam_error(exc, ctx.method)
        code = INTERNAL_ERROR if error.status >= 500 else INVALID_PARAMS
        raise MCPError(code, error.message, data=error_body(error)) from None

"""`pam mcp`: the MCP server on stdin/stdout, for Claude Desktop, Claude Code, Cursor and other MCP clients."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from pam.cli.output import fail
from pam.errors import PamError
from pam.logs import configure_logging
from pam.mcp.proxy import endpoint, serve_proxy
from pam.mcp.stdio import serve_stdio
from pam.settings import Settings


def mcp(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="A running PAM server (its base URL, e.g. http://localhost:8000) to forward to, instead "
            "of opening the data directory here. Default: PAM_MCP_URL.",
            show_default=False,
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="The API key (pam_...) to act with: needed with PAM_AUTH=required, and with --url when "
            "that server requires it. Default: PAM_MCP_API_KEY.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve MCP over stdio, for an MCP client to start (stdout carries the protocol; logs go to stderr).

    Tools: search_knowledge, get_document, get_segment, get_change_history, list_projects, list_tables, query_data, ask. Resources: pam://documents/{id}, pam://tables/{project}/{name}.

    It opens the same data as `pam serve` (both can run at once) or, with --url, talks to a running server.
    """
    settings = Settings()
    key = api_key or (settings.mcp_api_key.get_secret_value() if settings.mcp_api_key else None)
    remote = url or settings.mcp_url
    if remote:
        try:
            endpoint(remote)
        except ValueError as exc:
            fail(str(exc))
    # stdout is the protocol's: only warnings, and on stderr.
    configure_logging("warning", settings.log_format)
    try:
        asyncio.run(serve_proxy(remote, key) if remote else serve_stdio(settings, key))
    except PamError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        pass

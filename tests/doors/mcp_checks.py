"""What every MCP transport must do, checked through the official `mcp` client's `ClientSession`.

The stdio test (`pam mcp`), the streamable HTTP test (`/mcp` of `pam serve`) and the proxy test
(`pam mcp --url`) run the same checks against the sample handbook, so the transports cannot drift.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import ClientSession
from mcp.shared.exceptions import MCPError

TOOLS = {
    "search_knowledge",
    "get_document",
    "get_segment",
    "lookup_term",
    "get_change_history",
    "list_projects",
    "list_tables",
    "query_data",
    "ask",
}
DAU_QUESTION = "How do we count daily active users? Which actions make someone count as active?"
DAU_URI = "metrics/dau.md"
NOWHERE = "00000000-0000-4000-8000-000000000000"


async def call(session: ClientSession, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tool's structured result; the text content must be the same JSON (for clients that read text)."""
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    text = result.content[0]
    assert text.type == "text" and json.loads(text.text) == result.structured_content
    return result.structured_content


async def tool_error(session: ClientSession, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A tool error's body: our `{"error": {"code", "message"}}`, never a traceback."""
    result = await session.call_tool(tool, arguments)
    assert result.is_error, result
    text = result.content[0]
    assert text.type == "text" and "Traceback" not in text.text and "/site-packages/" not in text.text
    error: dict[str, Any] = json.loads(text.text)["error"]
    assert error["code"] and error["message"]
    return error


async def check_listing(session: ClientSession) -> None:
    init = await session.initialize()
    assert init.server_info.name == "pam-context" and init.instructions
    assert init.capabilities.tools is not None and init.capabilities.resources is not None
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object" and tool.output_schema is not None, tool.name
        assert tool.input_schema.get("additionalProperties") is False, tool.name
    templates = (await session.list_resource_templates()).resource_templates
    assert {t.uri_template for t in templates} == {
        "pam://documents/{document_id}",
        "pam://tables/{project}/{name}",
    }


async def check_every_tool(session: ClientSession) -> None:
    found = await call(session, "search_knowledge", {"query": DAU_QUESTION, "k": 5})
    top = found["results"][0]
    assert top["uri"] == DAU_URI and top["project"] == "default", found
    assert top["segment_id"] and top["document_id"] and top["title"] and top["section_path"] and top["quote"]
    assert len(found["results"]) <= 5

    doc = await call(session, "get_document", {"uri": DAU_URI})
    assert doc["document_id"] == top["document_id"] and doc["title"] == top["title"]
    positions = [p["position"] for p in doc["passages"]]
    assert len(positions) >= 2 and positions == sorted(positions)
    one = {"document_id": doc["document_id"], "start": positions[1], "limit": 1}
    later = await call(session, "get_document", one)
    assert [p["segment_id"] for p in later["passages"]] == [doc["passages"][1]["segment_id"]]
    assert later["next_start"] == (positions[2] if len(positions) > 2 else doc["next_start"])

    segment = await call(session, "get_segment", {"segment_id": top["segment_id"], "around": 1})
    assert segment["quote"] == top["quote"] and segment["document_id"] == top["document_id"]
    assert len(segment["previous"]) + len(segment["next"]) >= 1

    glossary = await call(session, "lookup_term", {"term": "daily actives"})
    dau = next(t for t in glossary["matches"] if t["term"] == "DAU")
    assert "daily active users" in dau["aliases"] and dau["project"] == "default", glossary

    history = await call(session, "get_change_history", {"document": top["document_id"]})
    assert [c["action"] for c in history["changes"]] == ["created"]

    projects = await call(session, "list_projects", {})
    assert [p["name"] for p in projects["projects"]] == ["default"]

    tables = await call(session, "list_tables", {})
    kpi = next(t for t in tables["tables"] if t["name"] == "kpi_targets")
    assert kpi["row_count"] > 0 and kpi["columns"] and kpi["uri"] == "pam://tables/default/kpi_targets"
    rows = await call(session, "query_data", {"sql": "SELECT count(*) AS n FROM kpi_targets"})
    assert (
        rows["columns"] == ["n"]
        and rows["rows"] == [[kpi["row_count"]]]
        and rows["tables"] == ["kpi_targets"]
    )

    answer = await call(session, "ask", {"question": DAU_QUESTION})
    assert "[1]" in answer["answer"] and answer["conversation_id"]
    assert DAU_URI in {c["uri"] for c in answer["citations"]}, answer
    assert all(c["quote"] and c["segment_id"] for c in answer["citations"])


async def check_resources(session: ClientSession) -> None:
    listed = (await session.list_resources()).resources
    documents = {r.uri: r for r in listed if r.uri.startswith("pam://documents/")}
    dau = next(r for r in documents.values() if r.title == "Daily Active Users (DAU)")
    read = (await session.read_resource(dau.uri)).contents
    assert len(read) == 1 and read[0].mime_type == "text/markdown"
    text = read[0].text  # type: ignore[union-attr]
    assert text.startswith("# Daily Active Users (DAU)\n") and "\n## " in text and DAU_URI in text
    table = next(r for r in listed if r.uri == "pam://tables/default/kpi_targets")
    body = json.loads((await session.read_resource(table.uri)).contents[0].text)  # type: ignore[union-attr]
    assert body["name"] == "kpi_targets" and body["columns"] and body["sample"]["rows"]


async def check_errors(session: ClientSession) -> None:
    assert (await tool_error(session, "search_knowledge", {"query": ""}))["code"] == "invalid_input"
    assert (await tool_error(session, "search_knowledge", {"query": "x", "k": 10_000}))[
        "code"
    ] == "invalid_input"
    assert (await tool_error(session, "get_document", {"document_id": NOWHERE}))["code"] == "not_found"
    assert (await tool_error(session, "get_document", {}))["code"] == "invalid_input"
    assert (await tool_error(session, "get_document", {"title": "Daily\x00"}))["code"] == "invalid_input"
    assert (await tool_error(session, "query_data", {"sql": "DROP TABLE kpi_targets"}))[
        "code"
    ] == "query_refused"
    assert (await tool_error(session, "ask", {"question": "x", "conversation_id": NOWHERE}))[
        "code"
    ] == "not_found"
    with pytest.raises(MCPError) as missing:
        await session.read_resource(f"pam://documents/{NOWHERE}")
    assert missing.value.data == {"error": {"code": "not_found", "message": "resource not found"}}
    with pytest.raises(MCPError):
        await session.call_tool("drop_everything", {})


async def check_everything(session: ClientSession) -> None:
    await check_listing(session)
    await check_every_tool(session)
    await check_resources(session)
    await check_errors(session)

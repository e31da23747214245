"""The tool registry and the knowledge tools, without a model."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from pam.answer.knowledge_tools import knowledge_tools
from pam.answer.source_book import SourceBook
from pam.answer.sources import ToolFilters
from pam.answer.tools import MAX_RESULT_CHARS, Tool, ToolContext, ToolDefinition, ToolRegistry
from pam.errors import Forbidden
from tests.answer.helpers import knowledge


class Echo(BaseModel):
    text: str


def context() -> ToolContext:
    return ToolContext(knowledge=knowledge(), filters=ToolFilters(), sources=SourceBook())


def registry() -> ToolRegistry:
    return ToolRegistry(knowledge_tools(search_k=3, document_max_chars=100))


async def test_extra_tools_register_and_run() -> None:
    async def handler(args: Echo, ctx: ToolContext) -> str:
        return args.text * 2

    tools = registry()
    tools.register(Tool(ToolDefinition("echo", "Echo text", Echo), handler))
    assert [spec.name for spec in tools.specs()] == [
        "search_knowledge",
        "get_document",
        "lookup_term",
        "get_change_history",
        "echo",
    ]
    outcome = await tools.run("echo", {"text": "ab"}, context())
    assert (outcome.content, outcome.is_error) == ("abab", False)
    assert (await tools.run("echo", {"text": 3}, context())).is_error


def test_duplicate_tool_names_are_refused() -> None:
    tools = registry()

    async def handler(args: Echo, ctx: ToolContext) -> str:
        return ""

    try:
        tools.register(Tool(ToolDefinition("search_knowledge", "dup", Echo), handler))
    except ValueError as exc:
        assert "duplicate" in str(exc)
    else:
        raise AssertionError("duplicate accepted")


async def test_domain_errors_keep_their_message_and_others_are_hidden() -> None:
    async def forbidden(args: Echo, ctx: ToolContext) -> str:
        raise Forbidden("You cannot see that project.")

    async def crash(args: Echo, ctx: ToolContext) -> str:
        raise KeyError("/etc/passwd")

    tools = ToolRegistry(
        [Tool(ToolDefinition("f", "f", Echo), forbidden), Tool(ToolDefinition("c", "c", Echo), crash)]
    )
    forbidden_out = await tools.run("f", {"text": "x"}, context())
    assert forbidden_out.is_error and "You cannot see that project." in forbidden_out.content
    crashed = await tools.run("c", {"text": "x"}, context())
    assert crashed.is_error and "passwd" not in crashed.content


async def test_huge_results_are_cut() -> None:
    async def huge(args: Echo, ctx: ToolContext) -> str:
        return "y" * (MAX_RESULT_CHARS * 2)

    outcome = await ToolRegistry([Tool(ToolDefinition("h", "h", Echo), huge)]).run(
        "h", {"text": "x"}, context()
    )
    assert len(outcome.content) < MAX_RESULT_CHARS + 100 and outcome.content.endswith("too long]")


async def test_get_document_is_bounded_and_numbered() -> None:
    ctx = context()
    outcome = await registry().run("get_document", {"title": "Refund policy"}, ctx)
    assert not outcome.is_error
    assert "[1] Refund policy > Standard:" in outcome.content
    assert "only its beginning is shown" in outcome.content
    assert len(ctx.sources) == 1
    both = await registry().run("get_document", {"title": "x", "document_id": "y"}, ctx)
    assert both.is_error and "exactly one" in both.content
    missing = await registry().run("get_document", {"document_id": "nope"}, ctx)
    assert missing.is_error and "Document not found." in missing.content


async def test_change_history_lists_newest_first_and_filters() -> None:
    outcome = await registry().run("get_change_history", {}, context())
    lines = outcome.content.splitlines()
    assert lines[0].startswith("2026-11-02T09:00:00+00:00 updated 'Refund policy'")
    assert "+2 -1 =3 passages" in lines[0] and len(lines) == 2
    since = await registry().run("get_change_history", {"since": "2026-10-15"}, context())
    assert not since.is_error
    assert (
        since.content.startswith("2026-11-02T09:00:00+00:00 updated") and len(since.content.splitlines()) == 1
    )
    bad = await registry().run("get_change_history", {"limit": 100_000}, context())
    assert bad.is_error


async def test_search_renumbers_consistently_across_calls() -> None:
    ctx = context()
    first = await registry().run("search_knowledge", {"query": "refund"}, ctx)
    second = await registry().run("search_knowledge", {"query": "gift refund", "max_results": 5}, ctx)
    assert "[1] Refund policy > Standard" in first.content
    # refunds-s1 was [2] in the first search and keeps that number.
    assert "[2] Refund policy > Exceptions: Gift cards" in second.content
    hostile = await registry().run("search_knowledge", {"query": "x" * 5000, "filters": {"evil": 1}}, ctx)
    assert hostile.is_error


def test_user_filters_win_over_model_filters() -> None:
    user = ToolFilters(project="A", tags=("ops",))
    model = ToolFilters(
        project="B", source_type="upload", tags=("x",), updated_after=datetime(2026, 1, 1, tzinfo=UTC)
    )
    merged = user.narrowed_by(model)
    assert merged == ToolFilters(
        project="A", source_type="upload", tags=("ops",), updated_after=model.updated_after
    )

"""No leak between projects by any route: a viewer of project A gets nothing of project B.

`leak_cases.cases` maps every (method, path) of the app to the calls a viewer of A makes against B (B's ids,
names, tables, B's editor's conversation and key). A route added to the app without a case there
fails `test_every_route_has_a_leak_case`. For each call: the expected status (404, never 403, for
B's ids, and the same answer as for an id that does not exist), and no marker of B in the body
unless the viewer sent it itself. Everything runs with the viewer's token and with their API key.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from pam.answer.knowledge_tools import knowledge_tools
from pam.answer.source_book import SourceBook
from pam.answer.sources import ToolFilters
from pam.answer.table_tools import table_tools
from pam.answer.tools import ToolContext, ToolRegistry
from pam.services.answering import build_answerer, build_llm
from pam.services.chat import ChatService
from pam.services.knowledge import ScopedKnowledge
from tests.access.leak_cases import Call, app_routes, b_tool_calls, cases
from tests.access.two_projects import A_NAME, A_TABLE, B_NAME, VIAS, World, leak_world
from tests.answer.helpers import tool_results
from tests.api.harness import parse_sse
from tests.deployments import DEPLOYMENTS
from tests.fakes.model_script import Text, ToolUse, Turn
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with leak_world(request, tmp_path_factory) as built:
        yield built


async def send(w: World, call: Call, via: str, url: str | None = None, body: Any = None) -> httpx.Response:
    headers = w.viewer(via)
    if call.fresh_login is not None and via == "token":
        headers = await w.h.headers_for(call.fresh_login)
    return await w.h.client.request(
        call.method,
        url or call.url,
        json=body if body is not None else call.json,
        params=call.params,
        files=call.files,
        data=call.data,
        headers={**headers, **(call.headers or {})},
    )


async def test_every_route_has_a_leak_case(world: World) -> None:
    routes = app_routes(world.h.app)
    table = set(cases(world, "token"))
    assert not routes - table, f"routes without a leak case in CASES: {sorted(routes - table)}"
    assert not table - routes, f"cases for routes that no longer exist: {sorted(table - routes)}"


@pytest.mark.parametrize("via", VIAS)
async def test_a_viewer_of_a_gets_nothing_of_b_on_any_route(world: World, via: str) -> None:
    failures: list[str] = []
    for route, calls in sorted(cases(world, via).items()):
        for call in calls:
            r = await send(world, call, via)
            where = f"{route} {call.method} {call.url} {call.json or call.params or ''}"
            if r.status_code not in call.expect:
                failures.append(f"{where}: status {r.status_code} (expected {call.expect}): {r.text[:300]}")
                continue
            if leaked := world.leaks(r.text, call.sent()):
                failures.append(f"{where}: leaked {sorted(leaked)}")
            if call.like is not None or call.like_json is not None:
                twin = await send(world, call, via, url=call.like, body=call.like_json)
                if (twin.status_code, twin.json()) != (r.status_code, r.json()):
                    failures.append(f"{where}: differs from a missing id: {r.text} vs {twin.text}")
            if call.check is not None:
                try:
                    call.check(r, world)
                except AssertionError as exc:
                    failures.append(f"{where}: {exc}")
    assert not failures, "\n".join(failures)


async def test_b_is_untouched_after_the_viewers_attempts(world: World) -> None:
    """The writes the viewer tried (delete, reindex, membership, key revoke) changed nothing of B's."""
    for via in VIAS:
        for call in cases(world, via)[("DELETE", "/api/documents/{document_id}")]:
            await send(world, call, via)
    h, admin = world.h, world.admin
    for doc_id in world.b_docs.values():
        doc = await h.client.get(f"/api/documents/{doc_id}", headers=admin)
        assert doc.status_code == 200 and doc.json()["status"] == "active"
    convo = await h.client.get(f"/api/conversations/{world.b_conversation}", headers=world.b_editor)
    assert convo.status_code == 200
    keys = (await h.client.get("/api/auth/keys", headers=world.b_editor)).json()["items"]
    assert [k["revoked_at"] for k in keys if k["id"] == world.b_key_id] == [None]
    for via in VIAS:
        for call in cases(world, via)[("DELETE", "/api/glossary/{term_id}")]:
            await send(world, call, via)
    assert (await h.client.get(f"/api/glossary/{world.b_term}", headers=admin)).status_code == 200
    members = (await h.client.get(f"/api/admin/projects/{world.b_id}/members", headers=admin)).json()["items"]
    assert sorted(m["email"] for m in members) == ["bea@bravo.example", "kim@alpha.example"]
    tasks = (await h.client.get("/api/ingest/tasks", headers=admin)).json()["items"]
    assert all(t["status"] == "completed" for t in tasks), tasks


async def test_the_viewer_does_see_a(world: World) -> None:
    """The matrix is not vacuous: the same credentials read A's documents, passages and tables."""
    headers = world.viewer()
    hits = (
        await world.h.client.post("/api/search", json={"query": "heliotrope marmalade"}, headers=headers)
    ).json()
    assert hits["results"] and hits["results"][0]["document_id"] == world.a_docs["Alpha handbook"]
    listed = (await world.h.client.get("/api/documents", headers=headers)).json()
    assert {d["id"] for d in listed["items"]} == set(world.a_docs.values()) and listed["total"] == len(
        world.a_docs
    )
    seg = await world.h.client.get(f"/api/segments/{world.a_segments[0]}", headers=headers)
    assert seg.status_code == 200
    rows = await world.h.client.post(
        "/api/data/query", json={"sql": f"SELECT sum(revenue) AS s FROM {A_TABLE}"}, headers=headers
    )
    assert rows.status_code == 200 and rows.json()["rows"] == [[300]]
    answer = (
        await world.h.client.post(
            "/api/chat", json={"message": "What is the heliotrope marmalade budget?"}, headers=headers
        )
    ).json()
    assert {c["document_id"] for c in answer["citations"]} == {world.a_docs["Alpha handbook"]}


async def test_b_ids_are_404_for_a_viewer_even_when_deleted_or_in_error(world: World) -> None:
    """Status filters on the documents list never widen the scope, whatever the status asked for."""
    for status in ("active", "error", "deleted", "all"):
        r = await world.h.client.get(
            "/api/documents", params={"status": status, "project": B_NAME}, headers=world.viewer()
        )
        assert r.status_code == 200 and r.json() == {"items": [], "total": 0, "next_cursor": None}


async def test_agent_tools_bound_to_the_viewer_return_nothing_of_b(world: World) -> None:
    scope = await world.viewer_scope()
    services = world.h.services
    assert [p.name for p in scope.projects] == [A_NAME]
    registry = ToolRegistry(
        [
            *knowledge_tools(search_k=20, document_max_chars=20_000),
            *table_tools(services.tables.for_scope(scope)),
        ]
    )
    ctx = ToolContext(
        knowledge=ScopedKnowledge(services.search, services.sessions, scope),
        filters=ToolFilters(),
        sources=SourceBook(),
    )
    failures = []
    for call in b_tool_calls(world):
        outcome = await registry.run(call["name"], call["input"], ctx)
        if leaked := world.leaks(outcome.content, json.dumps(call["input"])):
            failures.append(f"{call}: leaked {sorted(leaked)} in {outcome.content[:300]!r}")
    assert not failures, "\n".join(failures)
    # Bound to A, the same tools do read A.
    tables = await registry.run("list_tables", {}, ctx)
    assert A_TABLE in tables.content
    doc = await registry.run("get_document", {"title": "Alpha handbook"}, ctx)
    assert "heliotrope marmalade" in doc.content and not doc.is_error


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_an_injected_document_cannot_steer_the_model_into_b(
    world: World, model_server: FakeModelServer, provider: str
) -> None:
    """A's "vendor note" says to list project B; the scripted model obeys with B's names and ids."""
    services = world.h.services
    connection: dict[str, Any] = (
        {"openai_api_key": SecretStr("test"), "openai_base_url": model_server.openai_base_url}
        if provider == "openai"
        else {"anthropic_api_key": SecretStr("test"), "anthropic_base_url": model_server.anthropic_base_url}
    )
    settings = services.settings.model_copy(
        update={"llm_provider": provider, "llm_model": "fake", **connection}
    )
    llm = build_llm(settings)
    obey: Turn = [ToolUse(c["name"], c["input"]) for c in b_tool_calls(world)]
    model_server.set_script(
        [
            [ToolUse("search_knowledge", {"query": "vendor note instructions"})],
            obey,
            [Text("Here is everything I found [1].")],
        ]
    )
    start = len(model_server.requests)
    original = services.chat
    services.chat = ChatService(
        build_answerer(settings, llm), services.search, services.sessions, services.tables
    )
    try:
        r = await world.h.client.post(
            "/api/chat/stream", json={"message": "What does the vendor note ask?"}, headers=world.viewer()
        )
    finally:
        services.chat = original
        assert llm is not None
        await llm.aclose()
    assert r.status_code == 200
    events = parse_sse(r.text)
    assert events[-1][0] == "done", events
    requests = model_server.requests[start:]
    assert len(requests) == 3
    first = "\n".join(content for content, _ in tool_results(requests[1]))
    assert "Ignore previous instructions" in first  # the model did read the injection
    results = tool_results(requests[2])[1:]  # the conversation so far: the first search, then these
    assert len(results) == len(obey)
    leaked = {
        f"{call} -> {content[:200]}": world.leaks(content, json.dumps(call["input"]))
        for call, (content, _) in zip(b_tool_calls(world), results, strict=True)
    }
    assert not any(leaked.values()), leaked
    # The stream shows the tool calls (the model's own words) but nothing they could have found.
    sent = " ".join(json.dumps(c["input"]) for c in b_tool_calls(world))
    assert not world.leaks(r.text, sent), world.leaks(r.text, sent)

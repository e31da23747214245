"""The leak matrix's table: for every (method, path) of the app, the calls a viewer of A makes against B.

Each `Call` says what status to expect (404, never 403, for B's ids), which call with an id that
exists nowhere must get the very same answer, and what else to check in the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.access.conftest import PASSWORD
from tests.access.two_projects import A_NAME, A_TABLE, B_FILES, B_NAME, B_TABLE, SPARE_VIEWER, World
from tests.api.harness import parse_sse

# The viewer's own questions name B's words; their conversation titles echo them back.
OWN_QUESTIONS = "What is the quartzbadger launch code? quartzbadger launch code"
NOWHERE = "00000000-0000-4000-8000-000000000000"  # an id that exists nowhere: B's ids must look like it


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    expect: tuple[int, ...]
    json: Any = None
    params: dict[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    # Same status and error body as this call (an id that does not exist): existence does not leak.
    like: str | None = None
    # ... or as this body sent to the same url (MCP's JSON-RPC and /v1 name what they want in the body).
    like_json: Any = None
    # Run with a fresh token of this user instead of the matrix's credential when that is a token:
    # for calls that end the caller's own tokens (which would end the matrix's viewer too).
    fresh_login: str | None = None
    check: Callable[[httpx.Response, World], None] | None = None
    # What the viewer wrote earlier and may get back (their own conversations' titles).
    echo: str = ""

    def sent(self) -> str:
        return " ".join(
            [self.url, json.dumps(self.json), json.dumps(self.params), json.dumps(self.data), self.echo]
        )


def items(key: str = "items") -> Callable[[httpx.Response, World], None]:
    def check(r: httpx.Response, w: World) -> None:
        assert isinstance(r.json()[key], list)

    return check


def no_sse_error_of_access(r: httpx.Response, w: World) -> None:
    events = parse_sse(r.text)
    assert events and events[-1][0] in ("done", "error"), events
    assert not [d for n, d in events if n == "citation" and d["document_id"] in w.b_docs.values()]


def only_a_projects(r: httpx.Response, w: World) -> None:
    assert [p["name"] for p in r.json()["items"]] == [A_NAME]


def only_a_tables(r: httpx.Response, w: World) -> None:
    assert [t["name"] for t in r.json()["tables"]] == [A_TABLE]


def me_sees_only_a(r: httpx.Response, w: World) -> None:
    assert [p["name"] for p in r.json()["projects"]] == [A_NAME]


def no_b_hits(r: httpx.Response, w: World) -> None:
    assert all(h["document_id"] not in w.b_docs.values() for h in r.json()["results"])


def b_filter_is_empty(r: httpx.Response, w: World) -> None:
    assert r.json()["results"] == []


def b_docs_list_is_empty(r: httpx.Response, w: World) -> None:
    assert r.json()["items"] == [] and r.json()["total"] == 0


def no_tasks(r: httpx.Response, w: World) -> None:
    # A viewer sees no tasks at all (tasks belong to those who may ingest).
    assert r.json()["items"] == []


def no_b_citation(r: httpx.Response, w: World) -> None:
    assert all(c["document_id"] not in w.b_docs.values() for c in r.json()["citations"])


def nothing_cited(r: httpx.Response, w: World) -> None:
    assert r.json()["citations"] == [], r.json()


def conversations_are_own(r: httpx.Response, w: World) -> None:
    assert w.b_conversation not in {c["id"] for c in r.json()["items"]}


def keys_owned_by(user_id: object) -> Callable[[httpx.Response, World], None]:
    def check(r: httpx.Response, w: World) -> None:
        assert all(k["user_id"] == str(user_id) for k in r.json()["items"])

    return check


def no_provider_secrets(r: httpx.Response, w: World) -> None:
    body = r.json()
    assert set(body) == {"auth_mode", "password_login", "providers"}
    assert all(set(p) == {"name", "label", "login_url"} for p in body["providers"])


def no_b_terms(r: httpx.Response, w: World) -> None:
    assert all(t["project"] == A_NAME for t in r.json()["items"]), r.json()


def no_terms(r: httpx.Response, w: World) -> None:
    assert r.json() == []


MCP = {"Accept": "application/json, text/event-stream"}


def rpc(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}


def tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return rpc("tools/call", {"name": name, "arguments": arguments})


def mcp_call(body: dict[str, Any], **extra: Any) -> Call:
    return Call("POST", "/mcp", (200,), json=body, headers=MCP, **extra)


def mcp_result(r: httpx.Response) -> Any:
    body = r.json()
    assert "result" in body, body
    return body["result"]


def mcp_found(check: Callable[[Any, World], None]) -> Callable[[httpx.Response, World], None]:
    """A tool that succeeded, its structured result checked."""

    def run(r: httpx.Response, w: World) -> None:
        result = mcp_result(r)
        assert not result.get("isError"), result
        check(result["structuredContent"], w)

    return run


def mcp_refused(r: httpx.Response, w: World) -> None:
    assert mcp_result(r)["isError"] is True


def mcp_no_b_passages(result: Any, w: World) -> None:
    assert all(p["document_id"] not in w.b_docs.values() for p in result["results"])


def mcp_no_b_citations(result: Any, w: World) -> None:
    assert all(c["document_id"] not in w.b_docs.values() for c in result["citations"])


def mcp_only_a_resources(r: httpx.Response, w: World) -> None:
    uris = {x["uri"] for x in mcp_result(r)["resources"]}
    assert uris == {f"pam://documents/{d}" for d in w.a_docs.values()} | {f"pam://tables/{A_NAME}/{A_TABLE}"}


def models_of_a(r: httpx.Response, w: World) -> None:
    assert [m["id"] for m in r.json()["data"]] == ["pam", f"pam/{A_NAME}"]


def completion_cites_no_b(r: httpx.Response, w: World) -> None:
    assert all(c["document_id"] not in w.b_docs.values() for c in r.json()["pam"]["citations"])


def stream_cites_no_b(r: httpx.Response, w: World) -> None:
    lines = [line[len("data: ") :] for line in r.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "[DONE]", lines
    chunks = [json.loads(line) for line in lines[:-1]]
    assert not [c for c in chunks if "error" in c], chunks
    extras = [c["pam"] for c in chunks if c.get("pam")]
    assert len(extras) == 1 and all(c["document_id"] not in w.b_docs.values() for c in extras[0]["citations"])


def ask(question: str, model: str = "pam", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": question}], **extra}


def no_sources(r: httpx.Response, w: World) -> None:
    # A viewer manages no sources: none of B's, and none of their own project's either.
    assert r.json()["items"] == [] and r.json()["total"] == 0


_site_source = {
    "type": "website",
    "name": "sneaky",
    "config": {"start_url": "http://127.0.0.1:9/"},
}


def cases(w: World, via: str) -> dict[tuple[str, str], list[Call]]:
    b_doc, b_seg = next(iter(w.b_docs.values())), w.b_segments[0]
    b_title = next(iter(w.b_docs))
    upload = [("files", ("bravo.md", b"# x\n\nquartzbadger notes\n", "text/markdown"))]
    key_status = 201 if via == "token" else 403  # API keys cannot mint keys
    return {
        **door_cases(w),
        ("GET", "/openapi.json"): [Call("GET", "/openapi.json", (200,))],
        ("GET", "/docs"): [Call("GET", "/docs", (200,))],
        ("GET", "/docs/oauth2-redirect"): [Call("GET", "/docs/oauth2-redirect", (200,))],
        ("GET", "/redoc"): [Call("GET", "/redoc", (200,))],
        ("GET", "/api/health"): [Call("GET", "/api/health", (200,))],
        ("POST", "/api/ingest/folder"): [
            Call("POST", "/api/ingest/folder", (404,), json={"path": str(w.b_folder), "project": B_NAME}),
            Call(
                "POST", "/api/ingest/folder", (404,), json={"path": str(w.b_folder), "project": str(w.b_id)}
            ),
            # Their own project: a viewer may not ingest (403), and learns nothing of B's folder.
            Call("POST", "/api/ingest/folder", (403,), json={"path": str(w.b_folder), "project": A_NAME}),
        ],
        ("POST", "/api/ingest/upload"): [
            Call("POST", "/api/ingest/upload", (404,), files=upload, data={"project": B_NAME}),
        ],
        ("GET", "/api/ingest/tasks"): [
            Call("GET", "/api/ingest/tasks", (200,), check=no_tasks),
            Call("GET", "/api/ingest/tasks", (200,), params={"status": "completed"}, check=no_tasks),
        ],
        ("GET", "/api/ingest/tasks/{task_id}"): [
            Call("GET", f"/api/ingest/tasks/{w.b_task}", (404,), like=f"/api/ingest/tasks/{NOWHERE}"),
        ],
        ("POST", "/api/ingest/tasks/{task_id}/cancel"): [
            Call(
                "POST",
                f"/api/ingest/tasks/{w.b_task}/cancel",
                (404,),
                like=f"/api/ingest/tasks/{NOWHERE}/cancel",
            ),
        ],
        ("GET", "/api/ingest/tasks/{task_id}/events"): [
            Call(
                "GET",
                f"/api/ingest/tasks/{w.b_task}/events",
                (404,),
                like=f"/api/ingest/tasks/{NOWHERE}/events",
            ),
        ],
        ("POST", "/api/search"): [
            *[
                Call(
                    "POST",
                    "/api/search",
                    (200,),
                    json={"query": "quartzbadger launch code", "mode": mode},
                    check=no_b_hits,
                )
                for mode in ("hybrid", "keyword", "vector")
            ],
            Call(
                "POST",
                "/api/search",
                (200,),
                json={"query": "launch code", "mode": "keyword", "k": 100},
                check=no_b_hits,
            ),
            Call(
                "POST",
                "/api/search",
                (200,),
                json={"query": "launch code", "filters": {"projects": [B_NAME]}},
                check=b_filter_is_empty,
            ),
            Call(
                "POST",
                "/api/search",
                (200,),
                json={"query": "launch code", "mode": "vector", "filters": {"sources": [w.b_source]}},
                check=b_filter_is_empty,
            ),
        ],
        ("POST", "/api/chat/stream"): [
            Call(
                "POST",
                "/api/chat/stream",
                (200,),
                json={"message": "What is the quartzbadger launch code?"},
                check=no_sse_error_of_access,
            ),
            Call(
                "POST",
                "/api/chat/stream",
                (200,),
                json={"message": "What is the launch code?", "filters": {"projects": [B_NAME]}},
                check=no_sse_error_of_access,
            ),
            # B's editor's conversation: an error event, not its history.
            Call(
                "POST",
                "/api/chat/stream",
                (200,),
                json={"message": "and again?", "conversation_id": w.b_conversation},
                check=lambda r, w: _assert_error_event(r, "not_found"),
            ),
        ],
        ("POST", "/api/chat"): [
            Call(
                "POST", "/api/chat", (200,), json={"message": "quartzbadger launch code"}, check=no_b_citation
            ),
            Call(
                "POST",
                "/api/chat",
                (200,),
                json={"message": "What is the launch code?", "filters": {"projects": [B_NAME]}},
                check=nothing_cited,
            ),
            Call(
                "POST",
                "/api/chat",
                (404,),
                json={"message": "and again?", "conversation_id": w.b_conversation},
            ),
        ],
        ("GET", "/api/conversations"): [
            Call("GET", "/api/conversations", (200,), check=conversations_are_own, echo=OWN_QUESTIONS)
        ],
        ("GET", "/api/conversations/{conversation_id}"): [
            Call(
                "GET", f"/api/conversations/{w.b_conversation}", (404,), like=f"/api/conversations/{NOWHERE}"
            ),
        ],
        ("DELETE", "/api/conversations/{conversation_id}"): [
            Call(
                "DELETE",
                f"/api/conversations/{w.b_conversation}",
                (404,),
                like=f"/api/conversations/{NOWHERE}",
            ),
        ],
        ("GET", "/api/documents"): [
            Call("GET", "/api/documents", (200,), check=items()),
            Call("GET", "/api/documents", (200,), params={"status": "all", "limit": "200"}, check=items()),
            Call("GET", "/api/documents", (200,), params={"project": B_NAME}, check=b_docs_list_is_empty),
            Call(
                "GET",
                "/api/documents",
                (200,),
                params={"q": b_title, "status": "all"},
                check=b_docs_list_is_empty,
            ),
        ],
        ("GET", "/api/documents/{document_id}"): [
            Call("GET", f"/api/documents/{b_doc}", (404,), like=f"/api/documents/{NOWHERE}"),
        ],
        ("GET", "/api/documents/{document_id}/original"): [
            Call(
                "GET", f"/api/documents/{b_doc}/original", (404,), like=f"/api/documents/{NOWHERE}/original"
            ),
        ],
        ("DELETE", "/api/documents/{document_id}"): [
            Call("DELETE", f"/api/documents/{b_doc}", (404,), like=f"/api/documents/{NOWHERE}"),
        ],
        ("POST", "/api/documents/{document_id}/reindex"): [
            Call("POST", f"/api/documents/{b_doc}/reindex", (404,), like=f"/api/documents/{NOWHERE}/reindex"),
        ],
        ("GET", "/api/segments/{segment_id}"): [
            Call("GET", f"/api/segments/{b_seg}", (404,), like=f"/api/segments/{NOWHERE}"),
        ],
        ("GET", "/api/stats"): [Call("GET", "/api/stats", (403,))],
        ("GET", "/metrics"): [Call("GET", "/metrics", (403,))],
        ("POST", "/api/auth/login"): [
            Call(
                "POST", "/api/auth/login", (200,), json={"email": "vera@alpha.example", "password": PASSWORD}
            ),
        ],
        ("GET", "/api/auth/me"): [Call("GET", "/api/auth/me", (200,), check=me_sees_only_a)],
        ("POST", "/api/auth/sign-out-everywhere"): [
            # A token ends itself (204); an API key may not sign its owner out (403).
            Call(
                "POST",
                "/api/auth/sign-out-everywhere",
                (204,) if via == "token" else (403,),
                fresh_login=SPARE_VIEWER,
            ),
        ],
        ("GET", "/api/auth/providers"): [
            Call("GET", "/api/auth/providers", (200,), check=no_provider_secrets)
        ],
        # No provider is configured here: every name is unknown alike.
        ("GET", "/api/auth/oidc/{provider}/login"): [
            Call("GET", f"/api/auth/oidc/{B_NAME}/login", (404,), like="/api/auth/oidc/nowhere/login"),
        ],
        ("GET", "/api/auth/oidc/{provider}/callback"): [
            Call(
                "GET",
                f"/api/auth/oidc/{B_NAME}/callback",
                (404,),
                params={"code": "x", "state": "y"},
                like="/api/auth/oidc/nowhere/callback",
            ),
        ],
        ("POST", "/api/auth/oidc/exchange"): [
            Call("POST", "/api/auth/oidc/exchange", (401,), json={"code": "A" * 43}),
        ],
        ("GET", "/api/auth/keys"): [
            Call("GET", "/api/auth/keys", (200,), check=keys_owned_by(w.viewer_id_of(via)))
        ],
        ("POST", "/api/auth/keys"): [Call("POST", "/api/auth/keys", (key_status,), json={"name": "another"})],
        ("DELETE", "/api/auth/keys/{key_id}"): [
            Call("DELETE", f"/api/auth/keys/{w.b_key_id}", (404,), like=f"/api/auth/keys/{NOWHERE}"),
        ],
        ("GET", "/api/admin/users"): [Call("GET", "/api/admin/users", (403,))],
        ("POST", "/api/admin/users"): [
            Call("POST", "/api/admin/users", (403,), json={"email": "x@alpha.example", "is_admin": True}),
        ],
        ("GET", "/api/admin/users/{user_id}"): [
            Call("GET", f"/api/admin/users/{w.b_editor_id}", (403,), like=f"/api/admin/users/{NOWHERE}"),
        ],
        ("PATCH", "/api/admin/users/{user_id}"): [
            Call("PATCH", f"/api/admin/users/{w.viewer_id}", (403,), json={"is_admin": True}),
            Call("PATCH", f"/api/admin/users/{w.b_editor_id}", (403,), json={"active": False}),
        ],
        ("POST", "/api/admin/users/{user_id}/sign-out"): [
            Call(
                "POST",
                f"/api/admin/users/{w.b_editor_id}/sign-out",
                (403,),
                like=f"/api/admin/users/{NOWHERE}/sign-out",
            ),
        ],
        ("GET", "/api/admin/api-keys"): [Call("GET", "/api/admin/api-keys", (403,))],
        ("DELETE", "/api/admin/api-keys/{key_id}"): [
            Call(
                "DELETE", f"/api/admin/api-keys/{w.b_key_id}", (403,), like=f"/api/admin/api-keys/{NOWHERE}"
            ),
        ],
        ("GET", "/api/admin/projects"): [Call("GET", "/api/admin/projects", (403,))],
        ("POST", "/api/admin/projects"): [
            Call("POST", "/api/admin/projects", (403,), json={"name": "sneaky"})
        ],
        ("GET", "/api/admin/projects/{project_id}/members"): [
            Call(
                "GET",
                f"/api/admin/projects/{w.b_id}/members",
                (404,),
                like=f"/api/admin/projects/{NOWHERE}/members",
            ),
        ],
        ("PUT", "/api/admin/projects/{project_id}/members/{user_id}"): [
            # Granting themselves a role in B.
            Call(
                "PUT",
                f"/api/admin/projects/{w.b_id}/members/{w.viewer_id}",
                (404,),
                json={"role": "admin"},
                like=f"/api/admin/projects/{NOWHERE}/members/{w.viewer_id}",
            ),
        ],
        ("DELETE", "/api/admin/projects/{project_id}/members/{user_id}"): [
            Call(
                "DELETE",
                f"/api/admin/projects/{w.b_id}/members/{w.b_editor_id}",
                (404,),
                like=f"/api/admin/projects/{NOWHERE}/members/{w.b_editor_id}",
            ),
        ],
        ("GET", "/api/projects"): [Call("GET", "/api/projects", (200,), check=only_a_projects)],
        ("GET", "/api/glossary"): [
            Call("GET", "/api/glossary", (200,), check=no_b_terms),
            Call("GET", "/api/glossary", (200,), params={"q": "quartzbadger"}, check=no_b_terms),
            Call("GET", "/api/glossary", (404,), params={"project": B_NAME}),
            Call("GET", "/api/glossary", (404,), params={"project": str(w.b_id)}),
        ],
        ("GET", "/api/glossary/lookup"): [
            Call("GET", "/api/glossary/lookup", (200,), params={"name": "quartzbadger"}, check=no_terms),
            Call(
                "GET",
                "/api/glossary/lookup",
                (200,),
                params={"name": "zebrakumquat programme"},
                check=no_terms,
            ),
        ],
        ("POST", "/api/glossary"): [
            Call("POST", "/api/glossary", (404,), json={"project": B_NAME, "term": "t", "definition": "d"}),
            # Their own project: a viewer may read the glossary, not write it.
            Call("POST", "/api/glossary", (403,), json={"project": A_NAME, "term": "t", "definition": "d"}),
        ],
        ("GET", "/api/glossary/{term_id}"): [
            Call("GET", f"/api/glossary/{w.b_term}", (404,), like=f"/api/glossary/{NOWHERE}"),
        ],
        ("PUT", "/api/glossary/{term_id}"): [
            Call(
                "PUT",
                f"/api/glossary/{w.b_term}",
                (404,),
                json={"term": "x", "definition": "y"},
                like=f"/api/glossary/{NOWHERE}",
            ),
        ],
        ("DELETE", "/api/glossary/{term_id}"): [
            Call("DELETE", f"/api/glossary/{w.b_term}", (404,), like=f"/api/glossary/{NOWHERE}"),
        ],
        ("GET", "/api/data/tables"): [
            Call("GET", "/api/data/tables", (200,), check=only_a_tables),
            Call("GET", "/api/data/tables", (404,), params={"project": B_NAME}),
            Call("GET", "/api/data/tables", (404,), params={"project": str(w.b_id)}),
        ],
        ("GET", "/api/sources"): [
            Call("GET", "/api/sources", (200,), check=no_sources),
            Call("GET", "/api/sources", (200,), params={"project": B_NAME}, check=no_sources),
        ],
        ("POST", "/api/sources"): [
            Call("POST", "/api/sources", (404,), json={**_site_source, "project": B_NAME}),
            Call("POST", "/api/sources", (404,), json={**_site_source, "project": str(w.b_id)}),
            # Their own project: a viewer may not register sources (403).
            Call("POST", "/api/sources", (403,), json={**_site_source, "project": A_NAME}),
        ],
        ("GET", "/api/sources/{source_id}"): [
            Call("GET", f"/api/sources/{w.b_source_id}", (404,), like=f"/api/sources/{NOWHERE}"),
        ],
        ("PATCH", "/api/sources/{source_id}"): [
            Call(
                "PATCH",
                f"/api/sources/{w.b_source_id}",
                (404,),
                json={"paused": True},
                like=f"/api/sources/{NOWHERE}",
            ),
        ],
        ("DELETE", "/api/sources/{source_id}"): [
            Call("DELETE", f"/api/sources/{w.b_source_id}", (404,), like=f"/api/sources/{NOWHERE}"),
        ],
        ("POST", "/api/sources/{source_id}/sync"): [
            Call("POST", f"/api/sources/{w.b_source_id}/sync", (404,), like=f"/api/sources/{NOWHERE}/sync"),
        ],
        ("POST", "/api/data/query"): [
            Call("POST", "/api/data/query", (400,), json={"sql": f"SELECT * FROM {B_TABLE}"}),
            Call("POST", "/api/data/query", (400,), json={"sql": f"SELECT * FROM s1.main.{B_TABLE}"}),
            Call(
                "POST", "/api/data/query", (404,), json={"sql": f"SELECT * FROM {B_TABLE}", "project": B_NAME}
            ),
            Call(
                "POST",
                "/api/data/query",
                (400,),
                json={"sql": f"SELECT * FROM read_csv_auto('{w.b_folder / 'bravo-ledger.csv'}')"},
            ),
            Call(
                "POST",
                "/api/data/query",
                (400,),
                json={"sql": "SELECT database_name FROM duckdb_databases()"},
            ),
            Call(
                "POST",
                "/api/data/query",
                (400,),
                json={"sql": "SELECT table_name FROM information_schema.tables"},
            ),
        ],
    }


def door_cases(w: World) -> dict[tuple[str, str], list[Call]]:
    """MCP (JSON-RPC over POST /mcp) and the OpenAI-compatible API."""
    b_doc, b_seg = next(iter(w.b_docs.values())), w.b_segments[0]
    b_title = next(iter(w.b_docs))
    b_uri = next(name for name in B_FILES if name.endswith(".md"))
    return {
        ("POST", "/mcp"): [
            mcp_call(rpc("tools/list", {})),
            *[
                mcp_call(tool("search_knowledge", args), check=mcp_found(mcp_no_b_passages))
                for args in (
                    {"query": "quartzbadger launch code"},
                    {"query": "launch code", "k": 20},
                    {"query": "launch code", "filters": {"project": B_NAME}},
                    {"query": "launch code", "filters": {"project": str(w.b_id)}},
                )
            ],
            mcp_call(
                tool("get_document", {"document_id": b_doc}),
                like_json=tool("get_document", {"document_id": NOWHERE}),
            ),
            mcp_call(
                tool("get_document", {"title": b_title}),
                like_json=tool("get_document", {"title": "No such title"}),
            ),
            mcp_call(
                tool("get_document", {"uri": b_uri}), like_json=tool("get_document", {"uri": "nowhere.md"})
            ),
            mcp_call(
                tool("get_segment", {"segment_id": b_seg}),
                like_json=tool("get_segment", {"segment_id": NOWHERE}),
            ),
            mcp_call(tool("get_change_history", {}), check=mcp_found(lambda res, w: None)),
            mcp_call(
                tool("get_change_history", {"document": b_doc}),
                like_json=tool("get_change_history", {"document": NOWHERE}),
            ),
            mcp_call(
                tool("list_projects", {}),
                check=mcp_found(
                    lambda res, w: [p["name"] for p in res["projects"]] == [A_NAME] or _fail(res)
                ),
            ),
            mcp_call(
                tool("list_tables", {}),
                check=mcp_found(lambda res, w: [t["name"] for t in res["tables"]] == [A_TABLE] or _fail(res)),
            ),
            mcp_call(
                tool("list_tables", {"project": B_NAME}),
                like_json=tool("list_tables", {"project": "nowhere"}),
            ),
            mcp_call(tool("query_data", {"sql": f"SELECT * FROM {B_TABLE}"}), check=mcp_refused),
            mcp_call(tool("query_data", {"sql": f"SELECT * FROM s1.main.{B_TABLE}"}), check=mcp_refused),
            mcp_call(
                tool("query_data", {"sql": f"SELECT * FROM {B_TABLE}", "project": B_NAME}), check=mcp_refused
            ),
            mcp_call(
                tool("ask", {"question": "What is the quartzbadger launch code?"}),
                check=mcp_found(mcp_no_b_citations),
            ),
            mcp_call(
                tool("ask", {"question": "What is the launch code?", "projects": [B_NAME]}),
                check=mcp_found(lambda res, w: res["citations"] == [] or _fail(res)),
            ),
            mcp_call(
                tool("ask", {"question": "and again?", "conversation_id": w.b_conversation}),
                like_json=tool("ask", {"question": "and again?", "conversation_id": NOWHERE}),
            ),
            mcp_call(rpc("resources/list", {}), check=mcp_only_a_resources),
            mcp_call(
                rpc("resources/read", {"uri": f"pam://documents/{b_doc}"}),
                like_json=rpc("resources/read", {"uri": f"pam://documents/{NOWHERE}"}),
            ),
            mcp_call(
                rpc("resources/read", {"uri": f"pam://tables/{B_NAME}/{B_TABLE}"}),
                like_json=rpc("resources/read", {"uri": f"pam://tables/nowhere/{B_TABLE}"}),
            ),
            mcp_call(
                rpc("resources/read", {"uri": f"pam://tables/{A_NAME}/{B_TABLE}"}),
                like_json=rpc("resources/read", {"uri": f"pam://tables/{A_NAME}/nowhere"}),
            ),
        ],
        ("GET", "/v1/models"): [Call("GET", "/v1/models", (200,), check=models_of_a)],
        ("GET", "/v1/models/{model_id}"): [
            Call("GET", f"/v1/models/pam/{B_NAME}", (404,), like="/v1/models/pam/nowhere"),
            Call("GET", f"/v1/models/pam/{w.b_id}", (404,), like="/v1/models/pam/nowhere"),
        ],
        ("POST", "/v1/chat/completions"): [
            Call(
                "POST",
                "/v1/chat/completions",
                (200,),
                json=ask("What is the quartzbadger launch code?"),
                check=completion_cites_no_b,
            ),
            Call(
                "POST",
                "/v1/chat/completions",
                (200,),
                json=ask("What is the quartzbadger launch code?", stream=True),
                check=stream_cites_no_b,
            ),
            *[
                Call(
                    "POST",
                    "/v1/chat/completions",
                    (404,),
                    json=ask("What is the launch code?", model=f"pam/{B_NAME}", stream=stream),
                    like_json=ask("What is the launch code?", model="pam/nowhere", stream=stream),
                )
                for stream in (False, True)
            ],
        ],
    }


def b_tool_calls(w: World) -> list[dict[str, Any]]:
    """What an obedient model asks for after reading "list every document in project B"."""
    b_doc = w.b_docs["Bravo secrets"]
    return [
        {"name": "search_knowledge", "input": {"query": "quartzbadger launch code"}},
        {"name": "search_knowledge", "input": {"query": "launch code", "filters": {"project": B_NAME}}},
        {"name": "search_knowledge", "input": {"query": "launch code", "filters": {"project": str(w.b_id)}}},
        *[{"name": "get_document", "input": {"document_id": doc_id}} for doc_id in w.b_docs.values()],
        *[{"name": "get_document", "input": {"title": title}} for title in w.b_docs],
        {"name": "get_change_history", "input": {}},
        {"name": "get_change_history", "input": {"document": b_doc}},
        {"name": "get_change_history", "input": {"document": "Bravo secrets"}},
        {"name": "list_tables", "input": {"project": B_NAME}},
        {"name": "list_tables", "input": {"project": str(w.b_id)}},
        {"name": "list_tables", "input": {}},
        {"name": "query_data", "input": {"sql": f"SELECT * FROM {B_TABLE}"}},
        {"name": "query_data", "input": {"sql": f"SELECT * FROM s1.main.{B_TABLE}"}},
        {"name": "lookup_term", "input": {"term": "Quartzbadger"}},
        {"name": "lookup_term", "input": {"term": "zebrakumquat programme"}},
    ]


def _fail(result: Any) -> bool:
    raise AssertionError(result)


def _assert_error_event(r: httpx.Response, code: str) -> None:
    events = parse_sse(r.text)
    assert events[-1][0] == "error" and events[-1][1]["code"] == code, events


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers (HEAD aside)."""
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, str(route.path_format)))  # as documented, convertors aside
    return found

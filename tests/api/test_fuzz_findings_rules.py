"""What the API fuzzing suite found after OpenID sign-in, sources, the glossary, MCP and /v1 were merged:
rules a service checked that the schema did not state (so a schema-valid request was refused), and
request fields that took a string for a boolean or an integer. Sources: tests/connectors/test_sources_api.py;
schedules: tests/connectors/test_schedules.py; sign-in without PAM_AUTH: tests/sso/test_configuration.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from pam.access import LOCAL_ADMIN
from pam.errors import InvalidInput
from pam.services.glossary import TermInput
from pam.services.sources import SourceSpec
from pam.store.glossary import TERM_NAME, term_key
from pam.text_patterns import matches
from tests.api.harness import Harness, assert_error_body, start_harness
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with start_harness(make_settings(tmp_path_factory.mktemp("fuzz-rules") / "data")) as harness:
        yield harness


# --- glossary terms ---


@pytest.mark.parametrize(
    "body",
    [
        {"term": "   ", "definition": "x"},
        {"term": "**", "definition": "x"},  # only emphasis marks: no name is left
        {"term": "` '\" _", "definition": "x"},
        {"term": "DAU", "definition": " \n "},
        {"term": "DAU", "definition": "x", "aliases": ["a" * 201]},
    ],
    ids=["blank", "marks", "quotes", "blank-definition", "long-alias"],
)
async def test_a_term_the_service_would_refuse_the_schema_refuses(api: Harness, body: dict[str, Any]) -> None:
    for method, path in (
        ("POST", "/api/glossary"),
        ("PUT", "/api/glossary/00000000-0000-4000-8000-000000000000"),
    ):
        assert_error_body(await api.client.request(method, path, json=body), 422, "invalid_input")


async def test_a_term_in_quotes_or_emphasis_is_a_name(api: Harness) -> None:
    r = await api.client.post(
        "/api/glossary", json={"term": "*Wombat rate*", "definition": "x", "aliases": [" "]}
    )
    assert r.status_code == 201, r.text
    assert r.json()["term"] == "*Wombat rate*" and r.json()["aliases"] == []


async def test_the_term_pattern_is_what_term_key_keeps() -> None:
    """TERM_NAME (the schema's rule) holds exactly when term_key (the service's) leaves a name that a
    store can keep (no NUL)."""
    for code in range(0x110000):
        char = chr(code)
        assert matches(TERM_NAME, char) == (bool(term_key(char)) and char != "\x00"), hex(code)
    for text in ("* *", "`a`", "'\u3000'", "_\t_x", '""', "a\x00", "\x00 "):
        assert matches(TERM_NAME, text) == (bool(term_key(text)) and "\x00" not in text), text


# --- NUL: no store keeps one (on PostgreSQL each of these was a 500) ---


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/chat", {"message": "what\x00"}),  # a 400 the schema allowed
        ("/api/glossary", {"term": "a\x00b", "definition": "x"}),
        ("/api/glossary", {"term": "ab", "definition": "x\x00"}),
        ("/api/glossary", {"term": "ab", "definition": "x", "aliases": ["\x00"]}),
        ("/api/sources", {"type": "github", "name": "n\x00", "config": {"repository": "a/b"}}),
        (
            "/api/sources",
            {"type": "git", "name": "n", "config": {"url": "https://h/r", "include": ["*\x00"]}},
        ),
        ("/api/admin/projects", {"name": "p", "description": "d\x00"}),
        ("/api/auth/keys", {"name": "k\x00"}),
        ("/api/ingest/folder", {"path": "docs\x00"}),  # a 400 the schema allowed
        ("/api/ingest/folder", {"path": "docs", "include": ["\x00"]}),
    ],
)
async def test_text_with_a_nul_is_refused_by_the_schema(
    api: Harness, path: str, body: dict[str, Any]
) -> None:
    assert_error_body(await api.client.post(path, json=body), 422, "invalid_input")


async def test_the_services_refuse_a_nul_too(api: Harness) -> None:
    """The CLI and MCP reach the services without the API's schema: the same rule, as invalid input."""
    scope = await api.services.auth.scope_of(LOCAL_ADMIN)
    with pytest.raises(InvalidInput, match="NUL"):
        await api.services.glossary.create(scope, None, TermInput("a\x00", "x"))
    with pytest.raises(InvalidInput, match="NUL"):
        await api.services.sources.create(scope, SourceSpec("github", "n\x00", config={"repository": "a/b"}))
    website = {"start_url": "https://example.com", "include": ["/docs/\x00"]}
    with pytest.raises(InvalidInput):
        await api.services.sources.create(scope, SourceSpec("website", "w", config=website))
    with pytest.raises(InvalidInput, match="NUL"):
        await api.services.ingestion.start_folder(scope, None, str(api.folder()), include=["\x00"])


# --- API keys, /v1: rules and JSON types ---


@pytest.mark.parametrize(
    "body",
    [{"name": "k", "projects": []}, {"name": "k", "read_only": "true"}, {"name": "k", "read_only": 1}],
    ids=["no-projects", "string-boolean", "number-boolean"],
)
async def test_an_api_key_body_the_service_would_refuse_is_422(api: Harness, body: dict[str, Any]) -> None:
    # `projects: []` was a 400 ("a key limited to projects needs at least one project").
    assert_error_body(await api.client.post("/api/auth/keys", json=body), 422, "invalid_input")


@pytest.mark.parametrize(
    "extra",
    [
        {"stream": "true"},
        {"stream": 0},
        {"n": "1"},
        {"n": 0},
        {"stream_options": {"include_usage": "yes"}},
        {"messages": [{"role": "user", "content": "hi\x00"}]},
    ],
)
async def test_a_completion_request_takes_json_types_only(api: Harness, extra: dict[str, Any]) -> None:
    body = {"model": "pam", "messages": [{"role": "user", "content": "hi"}], **extra}
    r = await api.client.post("/v1/chat/completions", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input", r.text


async def test_n_states_its_limits_in_the_schema(api: Harness) -> None:
    document = (await api.client.get("/openapi.json")).json()
    n = document["components"]["schemas"]["ChatCompletionRequest"]["properties"]["n"]
    assert {"type": "integer", "minimum": 1, "maximum": 1} in n["anyOf"], n

"""What the API fuzzing suite (tests/fuzz) found, each pinned as a regular test: 500s on hostile input,
schema-valid requests refused, schema-violating ones accepted, answers the schema does not describe."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from pam.api.body_limits import JSON_BODY_LIMIT, LIMIT_EXTENSION
from tests.api.harness import Harness, assert_error_body, start_harness, write
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with start_harness(make_settings(tmp_path_factory.mktemp("fuzz-findings") / "data")) as harness:
        yield harness


# --- folder paths: each of these answered 500 ---


@pytest.mark.parametrize(
    "path",
    [
        "0" * 4000,  # one name of 4,000 bytes
        "docs/" + "é" * 200,  # a name of 400 bytes of UTF-8 (200 characters)
        "deep/" * 818,  # 4,090 characters: under the root, longer than a path may be
        "~nosuchuser/docs",  # a home folder nobody has
    ],
    ids=["long-name", "long-utf8-name", "long-path", "unknown-home"],
)
async def test_an_impossible_folder_path_is_404_not_500(api: Harness, path: str) -> None:
    r = await api.client.post("/api/ingest/folder", json={"path": path})
    error = assert_error_body(r, 404, "not_found")
    assert "folder not found" in error["message"] and str(api.root) not in error["message"]


# --- chat ---


@pytest.mark.parametrize(
    "message", ["\f", " \t\n ", "\x1c\u3000\x85"], ids=["form-feed", "spaces", "odd-space"]
)
async def test_a_whitespace_only_message_is_refused_and_stores_nothing(api: Harness, message: str) -> None:
    before = (await api.client.get("/api/conversations")).json()["total"]
    for route in ("/api/chat", "/api/chat/stream"):
        assert_error_body(await api.client.post(route, json={"message": message}), 422, "invalid_input")
    assert (await api.client.get("/api/conversations")).json()["total"] == before


async def test_the_schema_refuses_exactly_what_the_service_calls_blank() -> None:
    """The chat message's pattern is str.isspace() spelled out: no engine may disagree with .strip()."""
    from pam.text_patterns import NOT_BLANK, matches

    for code in range(0x110000):
        char = chr(code)
        assert matches(NOT_BLANK, char) == (not char.isspace()), hex(code)


async def test_extra_properties_in_a_valid_body_are_ignored(api: Harness) -> None:
    r = await api.client.post("/api/search", json={"query": "holidays", "unknown": [1, {"x": None}]})
    assert r.status_code == 200, r.text
    r = await api.client.post("/api/admin/projects", json={"name": f"extra-{uuid.uuid4().hex[:6]}", "": {}})
    assert r.status_code == 201, r.text


# --- schema types the server used to coerce ---


@pytest.mark.parametrize("value", [0, 1700000000, "1700000000", "2024-05-01", "2024-05-01T10:00:00"])
async def test_search_dates_must_be_rfc3339_date_times(api: Harness, value: object) -> None:
    r = await api.client.post("/api/search", json={"query": "x", "filters": {"updated_after": value}})
    assert_error_body(r, 422, "invalid_input")


async def test_search_accepts_an_rfc3339_date_time(api: Harness) -> None:
    filters = {"updated_after": "2020-01-01T00:00:00Z", "updated_before": "2999-01-01T00:00:00+02:00"}
    assert (await api.client.post("/api/search", json={"query": "x", "filters": filters})).status_code == 200


@pytest.mark.parametrize("body", [{"is_admin": 0}, {"is_admin": "true"}, {"active": 1}])
async def test_booleans_must_be_json_booleans(api: Harness, body: dict[str, object]) -> None:
    created = await api.client.post(
        "/api/admin/users", json={"email": f"b-{uuid.uuid4().hex[:6]}@example.com"}
    )
    assert created.status_code == 201, created.text
    user = created.json()["id"]
    assert_error_body(await api.client.patch(f"/api/admin/users/{user}", json=body), 422, "invalid_input")
    if "is_admin" in body:
        email = f"c-{uuid.uuid4().hex[:6]}@example.com"
        r = await api.client.post("/api/admin/users", json={"email": email, **body})
        assert_error_body(r, 422, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not an email"},
        {"email": "two@at@example.com"},
        {"email": "x@example.com", "password": "short"},
        {"email": "x@example.com", "password": "\u3000" * 10},
        {"email": "x@example.com", "name": "bell\x07"},
    ],
    ids=["email", "two-ats", "short-password", "blank-password", "control-name"],
)
async def test_what_the_service_refuses_the_schema_refuses_first(
    api: Harness, body: dict[str, object]
) -> None:
    assert_error_body(await api.client.post("/api/admin/users", json=body), 422, "invalid_input")


@pytest.mark.parametrize("name", ["   ", "tab\there", "del\x7f"])
async def test_project_names_follow_their_schema_pattern(api: Harness, name: str) -> None:
    assert_error_body(await api.client.post("/api/admin/projects", json={"name": name}), 422, "invalid_input")


async def test_a_segment_cursor_past_64_bits_is_422(api: Harness) -> None:
    r = await api.client.get(f"/api/documents/{uuid.uuid4()}", params={"segments_after": 2**63})
    assert_error_body(r, 422, "invalid_input")


# --- 405 ---


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/documents/{id}", {"GET", "DELETE"}),
        ("/api/conversations/{id}", {"GET", "DELETE"}),
        ("/api/admin/users", {"GET", "POST"}),
        ("/api/admin/projects/{id}/members/{id}", {"PUT", "DELETE"}),
    ],
)
async def test_405_names_every_method_of_the_path(api: Harness, path: str, methods: set[str]) -> None:
    r = await api.client.request("OPTIONS", path.replace("{id}", str(uuid.uuid4())))
    assert_error_body(r, 405, "method_not_allowed")
    assert {m.strip() for m in r.headers["allow"].split(",")} == methods


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "DELETE", "PATCH"])
async def test_a_literal_path_is_not_taken_for_an_id(api: Harness, method: str) -> None:
    """`/api/glossary/{term_id}` (PUT, DELETE) once matched `/api/glossary/lookup`: PUT there was a 422
    about a malformed id and the 405 for OPTIONS named PUT and DELETE too."""
    r = await api.client.request(method, "/api/glossary/lookup", params={"name": "x"})
    assert_error_body(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET"
    assert (await api.client.get("/api/glossary/lookup", params={"name": "x"})).status_code == 200
    assert_error_body(await api.client.get("/api/glossary/lookup-not-an-id"), 404, "not_found")


async def test_no_route_parameter_swallows_another_routes_literal_path(api: Harness) -> None:
    from fastapi.routing import iter_route_contexts

    routes = [r for r in iter_route_contexts(api.app.routes) if getattr(r, "path_regex", None) is not None]
    literal = {r.path_format for r in routes if "{" not in r.path_format}
    swallowed = [
        (r.path_format, path)
        for r in routes
        for path in literal
        if path != r.path_format and r.path_regex.match(path)
    ]
    assert swallowed == []


# --- ids in paths ---


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_a_path_id_that_is_no_uuid_is_a_clear_422(api: Harness, method: str) -> None:
    # What schemathesis sends when a link it follows reads a null id (see tests/fuzz/schemathesis_hooks.py).
    r = await api.client.request(method, "/api/documents/None")
    assert "document_id" in assert_error_body(r, 422, "invalid_input")["message"]
    assert_error_body(await api.client.post("/api/documents/None/reindex"), 422, "invalid_input")


# --- answers as the schema describes them ---


async def test_an_original_is_served_with_a_content_type_its_schema_names(api: Harness) -> None:
    folder = api.folder()
    write(
        folder, {"notes.md": "# Notes\n\nPlatypus quarterly.\n", "prices.tsv": "product\tprice\nwidget\t1\n"}
    )
    await api.ingest(folder)
    documented = (await api.client.get("/openapi.json")).json()["paths"][
        "/api/documents/{document_id}/original"
    ]
    content = documented["get"]["responses"]["200"]["content"]
    listed = (await api.client.get("/api/documents", params={"limit": 200})).json()["items"]
    served = set()
    for doc in (d for d in listed if d["uri"].endswith(("notes.md", "prices.tsv"))):
        r = await api.client.get(f"/api/documents/{doc['id']}/original")
        assert r.status_code == 200, r.text
        media_type = r.headers["content-type"].split(";")[0]
        assert media_type in content and media_type == doc["mime_type"]
        served.add(media_type)
    assert served == {"text/markdown", "text/tab-separated-values"}


# --- body limits ---


async def test_a_json_body_over_the_limit_is_413_before_it_is_parsed(api: Harness) -> None:
    body = b'{"query": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    r = await api.client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert_error_body(r, 413, "payload_too_large")


async def test_body_limits_are_in_the_openapi_document(api: Harness) -> None:
    document = (await api.client.get("/openapi.json")).json()
    assert document["paths"]["/api/search"]["post"][LIMIT_EXTENSION] == JSON_BODY_LIMIT
    upload = document["paths"]["/api/ingest/upload"]["post"][LIMIT_EXTENSION]
    assert upload > api.settings.max_upload_bytes
    assert "413" in document["paths"]["/api/search"]["post"]["responses"]


async def test_an_upload_larger_than_the_json_limit_is_accepted(api: Harness) -> None:
    text = ("Quarterly numbers for the flux capacitor division. " * 30_000).encode()
    assert len(text) > JSON_BODY_LIMIT
    r = await api.client.post("/api/ingest/upload", files=[("files", ("big-notes.txt", text))])
    assert r.status_code == 202, r.text
    assert (await api.wait(r.json()["id"]))["status"] == "completed"


# --- uploads ---


async def test_a_file_name_over_255_bytes_is_cut_to_fit_and_leaves_nothing_behind(api: Harness) -> None:
    name = "é" * 200 + ".md"  # 403 bytes of UTF-8
    r = await api.client.post(
        "/api/ingest/upload", files=[("files", (name, b"# Long name\n\nWombat budget.\n"))]
    )
    assert r.status_code == 202, r.text
    task = await api.wait(r.json()["id"])
    assert task["status"] == "completed" and task["succeeded"] == 1, task
    stored = [p for p in (api.root / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in stored if p.name.endswith(".part")] == []
    long_ones = [p.name for p in stored if p.name.startswith("é")]
    assert long_ones and all(len(n.encode()) <= 255 and n.endswith(".md") for n in long_ones)


async def test_two_uploaded_files_with_one_name_are_a_conflict(api: Harness) -> None:
    files = [("files", ("same.txt", b"one")), ("files", ("same.txt", b"two"))]
    assert_error_body(await api.client.post("/api/ingest/upload", files=files), 409, "conflict")


# --- event streams as the schema describes them ---


async def test_chat_stream_events_match_their_wire_schema(api: Harness) -> None:
    folder = api.folder()
    write(folder, {"leave.md": "# Leave\n\nEveryone has 25 days of paid leave.\n"})
    await api.ingest(folder)
    document = (await api.client.get("/openapi.json")).json()
    wire = document["components"]["schemas"]["ChatStreamEventWire"]["oneOf"]
    by_name = {v["properties"]["event"]["const"]: v["properties"]["data"] for v in wire}
    r = await api.client.post("/api/chat/stream", json={"message": "How much paid leave?"})
    events = [block for block in r.text.split("\n\n") if block.startswith("event:")]
    assert events
    for block in events:
        name = block.split("\n")[0].removeprefix("event:").strip()
        data = block.split("\n", 1)[1].removeprefix("data:").strip()
        spec = by_name[name]
        assert spec["type"] == "string" and spec["contentMediaType"] == "application/json"
        model = spec["contentSchema"]["$ref"].rsplit("/", 1)[-1]
        required = document["components"]["schemas"][model].get("required", [])
        assert set(required) <= set(json.loads(data)), (name, data)


# --- a 500 says which request it was ---


async def test_a_500_carries_its_request_id_in_the_header_and_the_log(
    tmp_path: Path, log_stream: io.StringIO
) -> None:
    async with start_harness(make_settings(tmp_path / "data")) as harness:

        async def broken(*_: object, **__: object) -> None:
            raise RuntimeError("/srv/secret/path exploded")

        harness.services.stats.gather = broken  # type: ignore[method-assign]
        r = await harness.client.get("/api/stats", headers={"x-request-id": "trace-me-123"})
    assert_error_body(r, 500, "internal_error")
    assert r.headers["x-request-id"] == "trace-me-123"
    assert "/srv/secret" not in r.text
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines() if line.startswith("{")]
    errors = [line for line in lines if line.get("event") == "unhandled_error"]
    assert errors and errors[0]["request_id"] == "trace-me-123"
    access = [line for line in lines if line.get("event") == "request" and line.get("path") == "/api/stats"]
    assert access and access[0]["status"] == 500 and access[0]["request_id"] == "trace-me-123"


async def test_a_500_over_a_real_socket_has_the_request_id_too(tmp_path: Path) -> None:
    from pam.api.app import create_app
    from tests.served import serving_in_loop

    app = create_app(make_settings(tmp_path / "data"))
    async with serving_in_loop(app) as base:

        async def broken(*_: object, **__: object) -> None:
            raise RuntimeError("boom")

        app.state.services.stats.gather = broken
        async with httpx.AsyncClient(base_url=base) as client:
            r = await client.get("/api/stats")
    assert_error_body(r, 500, "internal_error")
    assert len(r.headers["x-request-id"]) >= 16

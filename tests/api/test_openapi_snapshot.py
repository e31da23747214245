"""Response shapes do not change by accident: every route declares its response model, and the whole
OpenAPI document equals the committed snapshot.

The snapshot is `web/openapi.json`, the document the web client's types are generated from. After an
intended change of the API, regenerate both and review the diff:

    make api-schema
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from pam.api.app import create_app
from pam.api.openapi_export import openapi_text
from tests.conftest import make_settings

SNAPSHOT = Path(__file__).resolve().parents[2] / "web" / "openapi.json"
REGENERATE = "make api-schema"
# Server-sent event streams: their body is a stream of events, described in `responses` instead.
SSE_ROUTES = {("POST", "/api/chat/stream"), ("GET", "/api/ingest/tasks/{task_id}/events")}
# Files: their body is the file's bytes, described in `responses` instead.
FILE_ROUTES = {("GET", "/api/documents/{document_id}/original")}


def _app(tmp_path: Path) -> FastAPI:
    return create_app(make_settings(tmp_path / "data", auth="required"))


def normalised(app: FastAPI) -> str:
    return openapi_text(app)


def api_routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods or ()):
                found.append((method, str(route.path), route))
    return found


def test_every_route_declares_its_response_model(tmp_path: Path) -> None:
    routes = api_routes(_app(tmp_path))
    assert len(routes) > 30
    missing = [
        f"{method} {path}"
        for method, path, route in routes
        if (method, path) not in SSE_ROUTES | FILE_ROUTES
        and route.response_model is None
        and route.status_code != 204
    ]
    assert not missing, f"routes without response_model (and not 204): {missing}"
    streams = {(m, p): r for m, p, r in routes if (m, p) in SSE_ROUTES}
    assert set(streams) == SSE_ROUTES, "an SSE route was renamed or removed: update SSE_ROUTES"
    for route in streams.values():
        assert "text/event-stream" in route.responses[200]["content"], route.path
    files = [r for m, p, r in routes if (m, p) in FILE_ROUTES]
    assert len(files) == len(FILE_ROUTES), "a file route was renamed or removed: update FILE_ROUTES"
    for route in files:
        assert "application/octet-stream" in route.responses[200]["content"], route.path


def test_openapi_document_equals_the_snapshot(tmp_path: Path) -> None:
    current = normalised(_app(tmp_path))
    assert SNAPSHOT.exists(), f"no snapshot yet; create it with: {REGENERATE}"
    committed = SNAPSHOT.read_text(encoding="utf-8")
    if current != committed:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    "web/openapi.json",
                    "app.openapi()",
                )
            )[:80]
        )
        raise AssertionError(
            f"The OpenAPI document changed. If intended, regenerate the snapshot with\n    {REGENERATE}\n"
            f"and commit it with the change. First lines of the diff:\n{diff}"
        )


def test_the_document_does_not_depend_on_settings(tmp_path: Path) -> None:
    """One snapshot serves every installation: auth mode and data dir do not change the schema."""
    open_app = create_app(make_settings(tmp_path / "other", auth="none"))
    assert normalised(open_app) == normalised(_app(tmp_path))

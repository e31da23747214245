"""Response shapes do not change by accident: every route declares its response model, and the whole
OpenAPI document equals the committed snapshot.

The snapshot is `web/openapi.json`, the document the web client's types are generated from. After an
intended change of the API, regenerate both and review the diff:

    make api-schema
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from pam.api.app import create_app
from pam.api.openapi_auth import without_sign_in
from pam.api.openapi_export import openapi_text
from tests.conftest import make_settings

SNAPSHOT = Path(__file__).resolve().parents[2] / "web" / "openapi.json"
REGENERATE = "make api-schema"
# Server-sent event streams: their body is a stream of events, described in `responses` instead.
SSE_ROUTES = {("POST", "/api/chat/stream"), ("GET", "/api/ingest/tasks/{task_id}/events")}
# Browser navigations of the OpenID sign-in: they answer with a redirect, which has no body.
REDIRECT_ROUTES = {("GET", "/api/auth/oidc/{provider}/login"), ("GET", "/api/auth/oidc/{provider}/callback")}
# Files: their body is the file's bytes, described in `responses` instead.
FILE_ROUTES = {("GET", "/api/documents/{document_id}/original")}
# Prometheus' text format, described as a string in `responses`.
TEXT_ROUTES = {("GET", "/metrics")}


def _app(tmp_path: Path) -> FastAPI:
    return create_app(make_settings(tmp_path / "data", auth="required"))


def normalised(app: FastAPI) -> str:
    return openapi_text(app)


def api_routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute):
            for method in sorted(route.methods or ()):
                found.append((method, str(route.path_format), route))
    return found


def test_every_route_declares_its_response_model(tmp_path: Path) -> None:
    routes = api_routes(_app(tmp_path))
    assert len(routes) > 30
    missing = [
        f"{method} {path}"
        for method, path, route in routes
        if (method, path) not in SSE_ROUTES | REDIRECT_ROUTES | FILE_ROUTES | TEXT_ROUTES
        and route.response_model is None
        and route.status_code != 204
    ]
    assert not missing, f"routes without response_model (and not 204): {missing}"
    streams = {(m, p): r for m, p, r in routes if (m, p) in SSE_ROUTES}
    assert set(streams) == SSE_ROUTES, "an SSE route was renamed or removed: update SSE_ROUTES"
    for route in streams.values():
        assert "text/event-stream" in route.responses[200]["content"], route.path
    redirects = {(m, p): r for m, p, r in routes if (m, p) in REDIRECT_ROUTES}
    assert set(redirects) == REDIRECT_ROUTES, (
        "a redirect route was renamed or removed: update REDIRECT_ROUTES"
    )
    for route in redirects.values():
        assert route.status_code == 302 and 302 in route.responses, route.path
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


def test_the_document_does_not_depend_on_the_data_dir(tmp_path: Path) -> None:
    other = create_app(make_settings(tmp_path / "other", auth="required", max_file_bytes=1234))
    assert normalised(other) == normalised(_app(tmp_path))


def test_without_sign_in_the_document_is_the_snapshot_less_auth(tmp_path: Path) -> None:
    """PAM_AUTH=none serves the snapshot minus what needs sign-in: no security scheme, no 401s, no login
    or own-key operations. Derived, so the one snapshot pins both documents."""
    open_app = create_app(make_settings(tmp_path / "other", auth="none"))
    served = json.loads(normalised(open_app))
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert served == without_sign_in(committed)
    assert "securitySchemes" not in served["components"]
    assert not [p for p, ops in served["paths"].items() for op in ops.values() if "security" in op]
    assert "/api/auth/login" not in served["paths"] and "/api/search" in served["paths"]
    assert "securitySchemes" in committed["components"]

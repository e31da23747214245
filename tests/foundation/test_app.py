from __future__ import annotations

import io
import json
import logging

import httpx
import structlog

from pam.api.app import create_app
from pam.settings import Settings
from pam.store.models import Project
from tests.conftest import running_app


async def test_health_reports_each_component_with_latency(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["database"]["latency_ms"] >= 0


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"


async def test_request_id_is_generated_when_absent_or_unsafe(client: httpx.AsyncClient) -> None:
    generated = (await client.get("/api/health")).headers["x-request-id"]
    assert len(generated) == 32
    unsafe = (await client.get("/api/health", headers={"X-Request-ID": "a\tb<script>"})).headers[
        "x-request-id"
    ]
    assert "<" not in unsafe and len(unsafe) == 32


async def test_every_log_line_of_a_request_carries_its_id(
    settings: Settings, log_stream: io.StringIO
) -> None:
    app = create_app(settings)

    @app.get("/api/_log_twice")
    async def _log_twice() -> dict[str, str]:
        structlog.get_logger("test").info("inside")
        logging.getLogger("stdlib.test").warning("stdlib inside")
        return {"ok": "yes"}

    async with running_app(app) as client:
        await client.get("/api/_log_twice", headers={"X-Request-ID": "req-7"})
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines() if "req-7" in line]
    events = {line["event"] for line in lines}
    assert {"inside", "stdlib inside", "request"} <= events
    assert all(line["request_id"] == "req-7" for line in lines)


async def test_unknown_route_gets_the_error_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/does-not-exist")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


async def test_unexpected_error_leaks_nothing(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/_boom")
    async def _boom() -> None:
        raise RuntimeError("SELECT secret FROM /var/lib/pam/pam.db")

    async with running_app(app) as client:
        response = await client.get("/api/_boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "SELECT" not in response.text and "/var/lib" not in response.text
    assert "Traceback" not in response.text


async def test_validation_error_names_the_field_not_the_value(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/_typed")
    async def _typed(limit: int) -> dict[str, int]:
        return {"limit": limit}

    async with running_app(app) as client:
        response = await client.get("/api/_typed", params={"limit": "drop-table-xyz"})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid_input"
    assert "limit" in body["message"] and "drop-table-xyz" not in body["message"]


async def test_two_apps_with_different_settings_do_not_share_data(settings_for: object) -> None:
    from sqlalchemy import select

    build = settings_for  # type: ignore[assignment]
    first, second = create_app(build()), create_app(build())  # type: ignore[operator]
    async with running_app(first), running_app(second):
        async with first.state.services.sessions.begin() as session:
            session.add(Project(name="only-in-first"))
        async with second.state.services.sessions() as session:
            names = set(await session.scalars(select(Project.name)))
        async with first.state.services.sessions() as session:
            first_names = set(await session.scalars(select(Project.name)))
    assert "only-in-first" in first_names
    assert "only-in-first" not in names
    assert first.state.services.settings.data_dir != second.state.services.settings.data_dir

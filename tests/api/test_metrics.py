"""`/metrics`: Prometheus' text format, read with prometheus-client's own parser; per-app registries;
admins only when sign-in is required; figures that follow what the server did."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.api.harness import (
    Harness,
    assert_error_body,
    llm_overrides,
    start_harness,
    write,
)
from tests.conftest import make_settings
from tests.deployments import DEPLOYMENTS, deployment
from tests.fakes.model_script import HttpError, Text
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    found = [s.value for s in samples(text) if s.name == name and labels.items() <= s.labels.items()]
    return sum(found)


async def scrape(client: httpx.AsyncClient, **headers: str) -> str:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data = tmp_path_factory.mktemp("metrics") / "data"
    async with deployment(request.param, data, request) as settings, start_harness(settings) as harness:
        yield harness


async def test_requests_are_counted_per_route_template_with_latency(api: Harness) -> None:
    doc = "00000000-0000-4000-8000-00000000abcd"
    before = await scrape(api.client)
    for _ in range(3):
        assert (await api.client.get(f"/api/documents/{doc}")).status_code == 404
    await api.client.get("/api/no/such/route/at/all")
    after = await scrape(api.client)
    route = "/api/documents/{document_id}"
    counted = value(after, "pam_http_requests_total", route=route, method="GET", status="404")
    assert counted - value(before, "pam_http_requests_total", route=route, status="404") == 3
    assert value(after, "pam_http_request_duration_seconds_count", route=route) >= 3
    assert value(after, "pam_http_request_duration_seconds_bucket", route=route, le="+Inf") >= 3
    # Ids and unknown paths never become labels.
    routes = {s.labels.get("route") for s in samples(after) if s.name == "pam_http_requests_total"}
    assert doc not in " ".join(r or "" for r in routes)
    assert "unmatched" in routes


async def test_ingestion_documents_segments_queue_and_index_lag(api: Harness) -> None:
    before = await scrape(api.client)
    folder = api.folder()
    write(
        folder,
        {"a.md": "# Alpha\n\nAardvark budget.\n", "b.md": "# Beta\n\nBadger rota.\n", "c.bin": b"\x00\x01"},
    )
    task = await api.ingest(folder)
    after = await scrape(api.client)
    grew = value(after, "pam_ingest_documents_total", outcome="succeeded") - value(
        before, "pam_ingest_documents_total", outcome="succeeded"
    )
    assert grew == task["succeeded"] == 2
    assert value(after, "pam_ingest_segments_total") >= value(before, "pam_ingest_segments_total") + 2
    assert value(after, "pam_ingest_queue_depth") == 0
    assert value(after, "pam_ingest_tasks", status="completed") >= 1
    assert value(after, "pam_documents", status="active") >= 2
    # The index caught up (the harness synced it): no lag on any of its parts.
    parts = [s for s in samples(after) if s.name == "pam_index_lag_changes"]
    assert parts and all(s.value == 0 for s in parts)
    assert value(after, "pam_index_lag_seconds") == 0
    applied = [s for s in samples(after) if s.name == "pam_index_applied_seq"]
    assert applied and all(s.value > 0 for s in applied)


async def test_index_lag_shows_changes_not_yet_applied(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    async with start_harness(settings) as api:
        services = api.services
        folder = api.folder()
        write(folder, {"one.md": "# One\n\nOtter.\n"})
        # Keep the index from following the database for a moment.
        block = asyncio.Event()
        original = services.index.sync

        async def held() -> int:
            await block.wait()
            return await original()

        services.index.sync = held  # type: ignore[method-assign]
        r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
        # The document is committed; the task waits for the held index before it says "completed".
        deadline = time.monotonic() + 60
        while True:
            behind = await scrape(api.client)
            lags = [s.value for s in samples(behind) if s.name == "pam_index_lag_changes"]
            if lags and all(lag >= 1 for lag in lags):
                break
            assert time.monotonic() < deadline, lags
            await asyncio.sleep(0.1)
        block.set()
        services.index.sync = original  # type: ignore[method-assign]
        assert (await api.wait(r.json()["id"]))["status"] == "completed"
        await services.sync_index()
        caught_up = await scrape(api.client)
        assert all(s.value == 0 for s in samples(caught_up) if s.name == "pam_index_lag_changes")


async def test_two_apps_in_one_process_keep_their_own_figures(tmp_path: Path) -> None:
    async with (
        start_harness(make_settings(tmp_path / "one")) as one,
        start_harness(make_settings(tmp_path / "two")) as two,
    ):
        for _ in range(5):
            await one.client.get("/api/health")
        first, second = await scrape(one.client), await scrape(two.client)
        assert value(first, "pam_http_requests_total", route="/api/health") == 5
        assert value(second, "pam_http_requests_total", route="/api/health") == 0


async def test_llm_tokens_latency_and_errors_per_provider(tmp_path: Path) -> None:
    with FakeModelServer() as model:
        settings = make_settings(tmp_path / "data", **llm_overrides("openai", model))
        async with start_harness(settings) as api:
            # One answer, then an outage that outlasts the SDK's retries.
            model.set_script([[Text("Paid leave is 25 days.")], *([[HttpError(503)]] * 3)])
            r = await api.client.post("/api/chat", json={"message": "How much leave?"})
            assert r.status_code == 200, r.text
            failed = await api.client.post("/api/chat", json={"message": "And again?"})
            assert failed.status_code == 503
            text = await scrape(api.client)
    labels = {"provider": "openai", "model": "fake"}
    assert value(text, "pam_llm_tokens_total", direction="input", **labels) > 0
    assert value(text, "pam_llm_tokens_total", direction="output", **labels) > 0
    assert value(text, "pam_llm_call_duration_seconds_count", **labels) == 2
    assert value(text, "pam_llm_errors_total", code="llm_unavailable", **labels) >= 1
    assert value(text, "pam_http_errors_total", route="/api/chat") == 1


async def test_with_sign_in_only_admins_read_metrics(tmp_path: Path) -> None:
    from tests.access.conftest import PASSWORD, build_app
    from tests.conftest import running_app

    settings = make_settings(tmp_path / "data", auth="required")
    app = build_app(settings)
    async with running_app(app) as client:
        services = app.state.services
        from pam.services.auth import users

        async with services.sessions.begin() as s:
            await users.create_user(
                s, services.auth.passwords, email="root@example.com", password=PASSWORD, is_admin=True
            )
            await users.create_user(s, services.auth.passwords, email="joe@example.com", password=PASSWORD)

        async def bearer(email: str) -> str:
            r = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            return f"Bearer {r.json()['access_token']}"

        assert_error_body(await client.get("/metrics"), 401, "unauthorized")
        assert_error_body(
            await client.get("/metrics", headers={"authorization": await bearer("joe@example.com")}), 403
        )
        admin = await bearer("root@example.com")
        key = await client.post(
            "/api/auth/keys", json={"name": "prometheus"}, headers={"authorization": admin}
        )
        text = await scrape(client, authorization=f"Bearer {key.json()['key']}")
        assert value(text, "pam_http_requests_total", route="/metrics", status="401") == 1


async def test_the_grafana_dashboard_plots_metrics_the_server_has(api: Harness) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    plotted = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bpam_[a-z_]+", target["expr"])
    }
    exposed = {family.name for family in text_string_to_metric_families(await scrape(api.client))}
    series = {f"{name}{suffix}" for name in exposed for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    missing = plotted - series
    if api.settings.redis_url is None:
        missing -= {"pam_queue_jobs"}  # the Redis queue's depth: scale-out only
    assert plotted and not missing, missing

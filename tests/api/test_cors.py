"""CORS (`PAM_CORS_ORIGINS`): a listed origin may call the API from a browser, any other may not;
preflights answered accordingly; credentials (cookies) never allowed, with a wildcard or without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from pam.api.app import create_app
from pam.settings import Settings
from tests.conftest import make_settings, running_app

ALLOWED = "https://ui.example.com"
OTHER = "https://evil.example"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(
        tmp_path / "data", auth="required", cors_origins=f"{ALLOWED}, http://localhost:5173"
    )
    async with running_app(create_app(settings)) as c:
        yield c


def preflight(
    origin: str, method: str = "POST", headers: str = "authorization, content-type"
) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_an_allowed_origin_gets_the_headers_on_every_answer(client: httpx.AsyncClient) -> None:
    for r in (
        await client.get("/api/health", headers={"Origin": ALLOWED}),
        await client.get("/api/auth/me", headers={"Origin": ALLOWED}),  # a 401 too, or the UI cannot read it
        await client.post("/api/search", json={"query": "x"}, headers={"Origin": ALLOWED}),
    ):
        assert r.headers["access-control-allow-origin"] == ALLOWED, r.request.url
        assert "access-control-allow-credentials" not in r.headers
        assert "origin" in r.headers["vary"].lower()
        assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    assert (await client.get("/api/auth/me", headers={"Origin": ALLOWED})).status_code == 401


async def test_any_other_origin_gets_no_cors_header(client: httpx.AsyncClient) -> None:
    for origin in (OTHER, "https://ui.example.com.evil.example", "http://ui.example.com", "null"):
        r = await client.get("/api/health", headers={"Origin": origin})
        assert r.status_code == 200  # served (CORS is the browser's to enforce) but not readable there
        assert "access-control-allow-origin" not in r.headers, origin


async def test_a_preflight_from_an_allowed_origin_lists_what_may_be_sent(client: httpx.AsyncClient) -> None:
    r = await client.options("/api/search", headers=preflight(ALLOWED))
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == ALLOWED
    assert {"POST", "DELETE", "PATCH"} <= {
        m.strip() for m in r.headers["access-control-allow-methods"].split(",")
    }
    assert {"authorization", "content-type"} <= {
        h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")
    }
    assert int(r.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in r.headers


async def test_a_preflight_from_another_origin_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.options("/api/search", headers=preflight(OTHER))
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    odd_header = await client.options("/api/search", headers=preflight(ALLOWED, headers="x-sneaky"))
    assert odd_header.status_code == 400


async def test_a_wildcard_allows_any_origin_without_credentials(tmp_path: Path) -> None:
    async with running_app(create_app(make_settings(tmp_path / "data", cors_origins="*"))) as client:
        for r in (
            await client.get("/api/health", headers={"Origin": OTHER, "Cookie": "session=1"}),
            await client.options("/api/search", headers={**preflight(OTHER), "Cookie": "session=1"}),
        ):
            assert r.headers["access-control-allow-origin"] == "*"  # never the echoed origin
            assert "access-control-allow-credentials" not in r.headers


async def test_without_origins_configured_there_is_no_cors_at_all(tmp_path: Path) -> None:
    async with running_app(create_app(make_settings(tmp_path / "data"))) as client:
        r = await client.get("/api/health", headers={"Origin": ALLOWED})
        assert "access-control-allow-origin" not in r.headers
        assert (await client.options("/api/search", headers=preflight(ALLOWED))).status_code == 405


@pytest.mark.parametrize(
    "origins",
    [
        "*,https://a.example",
        "https://a.example/path",
        "ftp://a.example",
        "a.example",
        "https://a.example?x=1",
    ],
)
def test_origins_that_are_not_origins_are_refused_at_start(origins: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="PAM_CORS_ORIGINS"):
        Settings(data_dir=tmp_path, cors_origins=origins)


def test_origins_are_normalised(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, cors_origins="HTTPS://UI.Example.com/, http://localhost:5173")
    assert settings.cors_origins == ["https://ui.example.com", "http://localhost:5173"]

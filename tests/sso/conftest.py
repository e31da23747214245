"""Single sign-on against real OpenID providers on loopback.

`mock_issuer` runs the `oidc-provider-mock` package (a real provider: discovery, JWKS, a consent
form, single-use codes) in a subprocess of its own. `SignIn` is the browser's part of the dance,
done over HTTP: our login redirect, the provider's consent form, our callback, the web UI's
hand-off exchange. The browser test in web/e2e does the same in Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from pam.settings import Settings
from tests.access.conftest import Harness
from tests.conftest import make_settings
from tests.served import free_port, wait_until_answers

CLIENT_ID = "pam-test-client"
CLIENT_SECRET = "client-secret-never-shown-3f9a1c"


@pytest.fixture(scope="session")
def mock_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oidc-provider-mock on a loopback port; its issuer URL is the address it is reached at."""
    port = free_port()
    log = tmp_path_factory.mktemp("oidc-mock") / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("PAM_")},
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{issuer}/.well-known/openid-configuration", process, 60, "oidc-provider-mock")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=20)


def provider_config(issuer: str, name: str = "mock", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "label": "Mock SSO",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }


def sso_settings_overrides(providers: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    chosen: dict[str, Any] = {"auth": "required", "rate_limit_login": 10_000, "rate_limit_sso": 10_000}
    return {"oidc_providers": providers, **chosen, **overrides}


def sso_settings(data_dir: Path, providers: list[dict[str, Any]], **overrides: Any) -> Settings:
    return make_settings(data_dir, **sso_settings_overrides(providers, **overrides))


def put_person(issuer: str, subject: str, claims: dict[str, Any]) -> None:
    """What the mock provider will say about `subject` (it puts these claims in the ID token)."""
    r = httpx.put(f"{issuer}/users/{quote(subject, safe='')}", json=claims, timeout=10)
    assert r.status_code == 204, r.text


@dataclass
class Callback:
    """Where the provider sent the browser back to: our callback URL with its code and state."""

    url: str

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}

    def with_query(self, **changes: str) -> str:
        query = {**self.query, **changes}
        return (
            urlsplit(self.url)._replace(query="&".join(f"{k}={quote(v)}" for k, v in query.items())).geturl()
        )


@dataclass
class SignIn:
    """The browser's part, over HTTP. `client` carries this browser's cookies (the binding cookie)."""

    h: Harness
    client: httpx.AsyncClient
    provider: str = "mock"

    async def start(self, next_path: str | None = None) -> str:
        params = {"next": next_path} if next_path is not None else None
        r = await self.client.get(f"/api/auth/oidc/{self.provider}/login", params=params)
        assert r.status_code == 302, r.text
        assert r.headers["cache-control"] == "no-store"
        return r.headers["location"]

    async def consent(self, authorize_url: str, subject: str) -> Callback:
        """At oidc-provider-mock: the person submits its form with their subject."""
        async with httpx.AsyncClient(timeout=10) as idp:
            r = await idp.post(authorize_url, data={"sub": subject})
        assert r.status_code == 302, r.text
        return Callback(r.headers["location"])

    async def deny(self, authorize_url: str) -> Callback:
        async with httpx.AsyncClient(timeout=10) as idp:
            r = await idp.post(authorize_url, data={"action": "deny"})
        assert r.status_code == 302, r.text
        return Callback(r.headers["location"])

    async def callback(self, url: str, *, html: bool = False) -> httpx.Response:
        headers = {"Accept": "text/html"} if html else {"Accept": "application/json"}
        return await self.client.get(url, headers=headers)

    async def exchange(self, handoff: str) -> httpx.Response:
        return await self.client.post("/api/auth/oidc/exchange", json={"code": handoff})

    async def complete(self, subject: str, next_path: str | None = None) -> dict[str, Any]:
        """The whole sign-in; the exchange's body (access token and where to go next)."""
        back = await self.consent(await self.start(next_path), subject)
        r = await self.callback(back.url)
        assert r.status_code == 302, r.text
        handoff = handoff_of(r)
        exchanged = await self.exchange(handoff)
        assert exchanged.status_code == 200, exchanged.text
        body: dict[str, Any] = exchanged.json()
        return body


def handoff_of(redirect: httpx.Response) -> str:
    location = urlsplit(redirect.headers["location"])
    assert location.path == "/sso" and not location.query, location
    fragment = parse_qs(location.fragment)
    return fragment["code"][0]


async def user_count(h: Harness) -> int:
    r = await h.client.get("/api/admin/users", headers=await h.headers_for("root@example.com"))
    assert r.status_code == 200, r.text
    total: int = r.json()["total"]
    return total


def error_of(r: httpx.Response) -> dict[str, str]:
    body: dict[str, dict[str, str]] = json.loads(r.text)
    return body["error"]

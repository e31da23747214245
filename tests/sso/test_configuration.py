"""How sign-in is configured: providers that are down, password login turned off, bad settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pam.settings import Settings
from tests.access.conftest import harness_for
from tests.fakes.oidc_provider import ScriptedProvider
from tests.served import free_port, serving_in_loop
from tests.sso.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    SignIn,
    error_of,
    provider_config,
    put_person,
    sso_settings,
)


async def test_a_provider_that_is_down_stops_only_its_own_sign_in(tmp_path: Path) -> None:
    """The server starts, lists the provider, and says clearly that it cannot be reached; once the
    provider is up, the same server signs people in through it (discovery is lazy), no restart."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings = sso_settings(
        tmp_path / "data", [provider_config(issuer, name="later", allowed_domains=["corp.example"])]
    )
    async with harness_for(settings) as h:
        assert (await h.client.get("/api/health")).status_code == 200
        listed = (await h.client.get("/api/auth/providers")).json()["providers"]
        assert [p["name"] for p in listed] == ["later"]
        down = await h.client.get("/api/auth/oidc/later/login")
        assert down.status_code == 503 and error_of(down)["code"] == "provider_unavailable"
        assert "cannot be reached" in error_of(down)["message"] and down.headers["retry-after"]
        page = await h.client.get("/api/auth/oidc/later/login", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "cannot be reached" in page.text
        assert "pam_sso" not in h.client.cookies

        scripted = ScriptedProvider(CLIENT_ID, CLIENT_SECRET)
        async with serving_in_loop(scripted.app, port=port) as url:
            scripted.issuer = url
            sign_in = SignIn(h, h.client, provider="later")
            import httpx

            async with httpx.AsyncClient(timeout=10) as idp:
                consented = await idp.get(await sign_in.start())
            done = await sign_in.callback(consented.headers["location"])
            assert done.status_code == 302, done.text


async def test_a_discovery_document_for_another_issuer_is_refused(tmp_path: Path) -> None:
    scripted = ScriptedProvider(CLIENT_ID, CLIENT_SECRET)
    async with serving_in_loop(scripted.app) as url:
        scripted.issuer = "https://somebody-else.example"
        async with harness_for(sso_settings(tmp_path / "data", [provider_config(url, name="odd")])) as h:
            r = await h.client.get("/api/auth/oidc/odd/login")
            assert r.status_code == 503 and "another issuer" in error_of(r)["message"]
            scripted.issuer = url  # fixed at the provider: the next sign-in discovers again
            assert (await h.client.get("/api/auth/oidc/odd/login")).status_code == 302


async def test_password_login_can_be_turned_off(tmp_path: Path, mock_issuer: str) -> None:
    settings = sso_settings(
        tmp_path / "data",
        [provider_config(mock_issuer, allowed_domains=["corp.example"])],
        password_login=False,
    )
    async with harness_for(settings) as h:
        await h.add_user("pat@corp.example")
        r = await h.client.post("/api/auth/login", json={"email": "pat@corp.example", "password": "x" * 12})
        assert r.status_code == 403 and error_of(r)["code"] == "password_login_disabled"
        providers = (await h.client.get("/api/auth/providers")).json()
        assert providers["password_login"] is False and [p["name"] for p in providers["providers"]] == [
            "mock"
        ]
        put_person(mock_issuer, "pat-sub", {"email": "pat@corp.example", "email_verified": True})
        signed_in = await SignIn(h, h.client).complete("pat-sub")
        me = await h.client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {signed_in['access_token']}"}
        )
        assert me.json()["email"] == "pat@corp.example"


async def test_sign_in_starts_are_rate_limited_per_address(tmp_path: Path, mock_issuer: str) -> None:
    """Each start writes a row: a script cannot fill the table."""
    settings = sso_settings(tmp_path / "data", [provider_config(mock_issuer)], rate_limit_sso=2)
    async with harness_for(settings) as h:
        for _ in range(2):
            assert (await h.client.get("/api/auth/oidc/mock/login")).status_code == 302
        limited = await h.client.get("/api/auth/oidc/mock/login")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        async with h.client_from("10.1.2.3") as elsewhere:
            assert (await elsewhere.get("/api/auth/oidc/mock/login")).status_code == 302


async def test_without_auth_there_is_nothing_to_sign_in_to(tmp_path: Path, mock_issuer: str) -> None:
    settings = sso_settings(tmp_path / "data", [provider_config(mock_issuer)], auth="none")
    async with harness_for(settings) as h:
        providers = (await h.client.get("/api/auth/providers")).json()
        assert providers == {"auth_mode": "none", "password_login": True, "providers": []}
        # Every step of a sign-in answers alike (the hand-off too: a 400, never a 401, which a server
        # without sign-in does not document), and none of them is in its OpenAPI document.
        for method, path, body in [
            ("GET", "/api/auth/oidc/mock/login", None),
            ("GET", "/api/auth/oidc/mock/callback?state=s&code=c", None),
            ("POST", "/api/auth/oidc/exchange", {"code": "x" * 43}),
            ("POST", "/api/auth/sign-out-everywhere", None),
        ]:
            r = await h.client.request(method, path, json=body)
            assert r.status_code == 400 and error_of(r)["code"] == "auth_disabled", (path, r.text)
        paths = (await h.client.get("/openapi.json")).json()["paths"]
        assert not [p for p in paths if p.startswith("/api/auth/oidc") or p.endswith("sign-out-everywhere")]
        assert "/api/auth/providers" in paths


def _provider(**changes: Any) -> str:
    return json.dumps([{**provider_config("https://idp.example.com"), **changes}])


@pytest.mark.parametrize(
    ("providers", "complaint"),
    [
        (_provider(issuer="http://idp.example.com"), "https://"),
        (_provider(name="Has Spaces"), "provider name"),
        (_provider(scopes=["email"]), "openid"),
        (_provider(allowed_domains=["@corp.example", "a@b.example"]), "domains"),
        (_provider(unknown_field=1), "unknown_field"),
        (_provider(default_roles={"handbook": "owner"}), "default_roles"),
        (
            json.dumps([provider_config("https://a.example"), provider_config("https://b.example")]),
            "own name",
        ),
        ("[{not json", "oidc_providers"),
    ],
)
def test_a_provider_misconfigured_is_refused_at_start(
    providers: str, complaint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAM_OIDC_PROVIDERS", providers)
    with pytest.raises((ValidationError, ValueError)) as raised:
        Settings(data_dir=tmp_path)
    assert complaint in str(raised.value)
    assert CLIENT_SECRET not in str(raised.value)


def test_providers_are_read_from_the_environment_and_printed_masked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "PAM_OIDC_PROVIDERS",
        _provider(allowed_domains=["Corp.Example"], group_roles={"eng": {"handbook": "editor"}}),
    )
    settings = Settings(data_dir=tmp_path)
    (provider,) = settings.oidc_providers
    assert provider.allowed_domains == ["corp.example"] and provider.group_roles == {
        "eng": {"handbook": "editor"}
    }
    assert CLIENT_SECRET not in json.dumps(settings.masked())

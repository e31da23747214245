"""A real `pam serve` at debug level, a full sign-in over real HTTP: its log holds none of the secrets
that passed through it (the code, the state, the nonce, the hand-off code, the access token, the
client secret), and the provider's outage at start-up did not keep it from starting."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.served import served
from tests.sso.conftest import CLIENT_SECRET, provider_config, put_person


def test_a_sign_in_leaves_no_secret_in_the_server_log(tmp_path: Path, mock_issuer: str) -> None:
    log_path = tmp_path / "server.log"
    providers = [
        provider_config(mock_issuer, allowed_domains=["corp.example"]),
        provider_config("http://127.0.0.1:9", name="down"),  # nothing listens there
    ]
    put_person(mock_issuer, "lena", {"email": "lena@corp.example", "email_verified": True})
    with (
        served(
            tmp_path,
            log=log_path,
            PAM_AUTH="required",
            PAM_LOG_LEVEL="debug",
            PAM_LOG_FORMAT="json",
            PAM_OIDC_PROVIDERS=json.dumps(providers),
        ) as base,
        httpx.Client(base_url=base, timeout=30) as browser,
        httpx.Client(timeout=30) as idp,
    ):
        start = browser.get("/api/auth/oidc/mock/login", params={"next": "/chat"})
        assert start.status_code == 302, start.text
        authorize = start.headers["location"]
        back = idp.post(authorize, data={"sub": "lena"})
        callback = back.headers["location"]
        done = browser.get(callback)
        assert done.status_code == 302, done.text
        handoff = parse_qs(urlsplit(done.headers["location"]).fragment)["code"][0]
        exchanged = browser.post("/api/auth/oidc/exchange", json={"code": handoff})
        assert exchanged.status_code == 200, exchanged.text
        token = exchanged.json()["access_token"]
        assert browser.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert browser.get("/api/auth/oidc/down/login").status_code == 503
    log = log_path.read_text(encoding="utf-8")
    asked = parse_qs(urlsplit(authorize).query)
    answered = parse_qs(urlsplit(callback).query)
    secrets = {
        "code": answered["code"][0],
        "state": asked["state"][0],
        "nonce": asked["nonce"][0],
        "code_challenge": asked["code_challenge"][0],
        "hand-off code": handoff,
        "access token": token,
        "access token signature": token.rsplit(".", 1)[1],
        "client secret": CLIENT_SECRET,
        "browser cookie": browser.cookies.get("pam_sso") or "cookie-missing",
    }
    assert "oidc_sign_in" in log and "oidc_provider_unreachable" in log, log[-3000:]
    leaked = [name for name, value in secrets.items() if value in log]
    assert not leaked, f"in the server log: {leaked}"

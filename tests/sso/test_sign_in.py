"""Signing in through a real OpenID provider (oidc-provider-mock): who gets in, as whom, with which roles.

One server for the module, configured with one provider that lets `corp.example` in as viewers of
`handbook`, and maps the groups claim: `handbook-editors` -> editor of handbook, `ops-admins` ->
admin of ops. Each test signs in its own people, so the order does not matter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.access.conftest import Harness, bearer, harness_for
from tests.sso.conftest import (
    CLIENT_SECRET,
    SignIn,
    error_of,
    handoff_of,
    provider_config,
    put_person,
    sso_settings,
    user_count,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(mock_issuer: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    provider = provider_config(
        mock_issuer,
        allowed_domains=["corp.example"],
        default_roles={"handbook": "viewer"},
        group_roles={"handbook-editors": {"handbook": "editor"}, "ops-admins": {"ops": "admin"}},
    )
    data_dir: Path = tmp_path_factory.mktemp("sso") / "data"
    async with harness_for(sso_settings(data_dir, [provider])) as harness:
        await harness.add_project("handbook")
        await harness.add_project("ops")
        await harness.add_user("root@example.com", is_admin=True)
        yield harness


def person(subject: str, email: str, **claims: object) -> dict[str, object]:
    return {"email": email, "email_verified": True, "name": subject.title(), **claims}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def me(h: Harness, token: str) -> dict[str, object]:
    r = await h.client.get("/api/auth/me", headers=bearer(token))
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def roles_of(profile: dict[str, object]) -> dict[str, str]:
    return {p["name"]: p["role"] for p in profile["projects"]}  # type: ignore[attr-defined]


async def test_a_first_sign_in_from_an_allowed_domain_creates_the_user(h: Harness, mock_issuer: str) -> None:
    subject = unique("nia")
    email = f"{subject}@corp.example"
    put_person(mock_issuer, subject, person(subject, email))
    before = await user_count(h)
    signed_in = await SignIn(h, h.client).complete(subject, next_path="/documents")
    assert signed_in["token_type"] == "bearer" and signed_in["next"] == "/documents"
    profile = await me(h, signed_in["access_token"])
    assert profile["email"] == email and profile["name"] == subject.title()
    assert roles_of(profile) == {"handbook": "viewer"}  # the provider's default role
    assert await user_count(h) == before + 1
    users = (await h.client.get("/api/admin/users", headers=await h.headers_for("root@example.com"))).json()
    created = next(u for u in users["items"] if u["email"] == email)
    assert created["sign_in"] == ["mock"] and created["has_password"] is False
    # Signing in again is the same user, not a second one.
    again = await SignIn(h, h.client).complete(subject)
    assert (await me(h, again["access_token"]))["id"] == profile["id"]
    assert await user_count(h) == before + 1


async def test_outside_the_allowed_domains_nobody_is_created(h: Harness, mock_issuer: str) -> None:
    subject = unique("mallory")
    put_person(mock_issuer, subject, person(subject, f"{subject}@elsewhere.example"))
    before = await user_count(h)
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), subject)
    refused = await sign_in.callback(back.url)
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "sign_in_not_allowed"
    assert "domain is not allowed" in error_of(refused)["message"]
    # A browser gets the same refusal as a page it can show.
    back = await sign_in.consent(await sign_in.start(), subject)
    page = await sign_in.callback(back.url, html=True)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "domain is not allowed" in page.text and "<script" not in page.text
    assert await user_count(h) == before


async def test_the_groups_claim_sets_roles_and_a_change_of_groups_follows(
    h: Harness, mock_issuer: str
) -> None:
    subject = unique("gus")
    email = f"{subject}@corp.example"
    put_person(mock_issuer, subject, person(subject, email, groups=["handbook-editors", "ops-admins"]))
    first = (await SignIn(h, h.client).complete(subject))["access_token"]
    assert roles_of(await me(h, first)) == {"handbook": "editor", "ops": "admin"}
    # Gus leaves both groups at the provider: the next sign-in takes the roles away again (handbook
    # falls back to the provider's default), and the change of roles ends the earlier token.
    put_person(mock_issuer, subject, person(subject, email, groups=["unrelated"]))
    second = (await SignIn(h, h.client).complete(subject))["access_token"]
    assert roles_of(await me(h, second)) == {"handbook": "viewer"}
    assert (await h.client.get("/api/auth/me", headers=bearer(first))).status_code == 401


async def test_an_invited_user_from_another_domain_is_linked_not_duplicated(
    h: Harness, mock_issuer: str
) -> None:
    admin = await h.headers_for("root@example.com")
    email = f"{unique('guest')}@partner.example"
    invited = await h.client.post("/api/admin/users", json={"email": email}, headers=admin)
    assert invited.status_code == 201 and invited.json()["sign_in"] == []
    subject = unique("partner-sub")
    put_person(mock_issuer, subject, person(subject, email))
    before = await user_count(h)
    token = (await SignIn(h, h.client).complete(subject))["access_token"]
    assert (await me(h, token))["id"] == invited.json()["id"]
    assert await user_count(h) == before
    user = (await h.client.get(f"/api/admin/users/{invited.json()['id']}", headers=admin)).json()
    assert user["sign_in"] == ["mock"]


async def test_an_unverified_email_does_not_get_in(h: Harness, mock_issuer: str) -> None:
    subject = unique("ursula")
    put_person(mock_issuer, subject, {"email": f"{subject}@corp.example", "email_verified": False})
    before = await user_count(h)
    sign_in = SignIn(h, h.client)
    refused = await sign_in.callback((await sign_in.consent(await sign_in.start(), subject)).url)
    assert refused.status_code == 403 and "not verified" in error_of(refused)["message"]
    assert await user_count(h) == before


async def test_a_disabled_user_cannot_sign_in(h: Harness, mock_issuer: str) -> None:
    subject = unique("dora")
    put_person(mock_issuer, subject, person(subject, f"{subject}@corp.example"))
    token = (await SignIn(h, h.client).complete(subject))["access_token"]
    uid = (await me(h, token))["id"]
    admin = await h.headers_for("root@example.com")
    assert (
        await h.client.patch(f"/api/admin/users/{uid}", json={"active": False}, headers=admin)
    ).status_code == 200
    sign_in = SignIn(h, h.client)
    refused = await sign_in.callback((await sign_in.consent(await sign_in.start(), subject)).url)
    assert refused.status_code == 403 and error_of(refused)["code"] == "account_disabled"


async def test_the_way_back_never_leaves_the_site(h: Harness, mock_issuer: str) -> None:
    subject = unique("nora")
    put_person(mock_issuer, subject, person(subject, f"{subject}@corp.example"))
    for asked, kept in (
        ("/documents?project=handbook", "/documents?project=handbook"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("/\\evil.example", "/"),
        ("/api/auth/me", "/"),
        ("javascript:alert(1)", "/"),
    ):
        assert (await SignIn(h, h.client).complete(subject, next_path=asked))["next"] == kept, asked


async def test_the_provider_list_shows_buttons_and_no_secrets(h: Harness, mock_issuer: str) -> None:
    r = await h.client.get("/api/auth/providers")
    assert r.status_code == 200
    assert r.json() == {
        "auth_mode": "required",
        "password_login": True,
        "providers": [{"name": "mock", "label": "Mock SSO", "login_url": "/api/auth/oidc/mock/login"}],
    }
    assert CLIENT_SECRET not in r.text and mock_issuer not in r.text


async def test_the_login_redirect_carries_pkce_a_nonce_and_a_bound_state(h: Harness) -> None:
    sign_in = SignIn(h, h.client)
    first, second = await sign_in.start(), await sign_in.start()
    query = {k: v for k, v in (p.split("=", 1) for p in first.split("?", 1)[1].split("&"))}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
    assert len(query["nonce"]) >= 20 and len(query["state"]) >= 20
    assert "code_verifier" not in first and CLIENT_SECRET not in first
    assert first != second  # a new state, nonce and verifier every time
    cookie = next(c for c in h.client.cookies.jar if c.name == "pam_sso")
    assert cookie.path == "/api/auth/oidc" and cookie.has_nonstandard_attr("HttpOnly")


async def test_a_provider_name_that_is_not_configured_is_404(h: Harness) -> None:
    for url in ("/api/auth/oidc/nobody/login", "/api/auth/oidc/nobody/callback?code=x&state=y"):
        r = await h.client.get(url)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", url
    assert (await h.client.get("/api/auth/oidc/Bad%20Name/login")).status_code == 422


async def test_the_handoff_code_works_once_and_only_in_its_browser(h: Harness, mock_issuer: str) -> None:
    subject = unique("hana")
    put_person(mock_issuer, subject, person(subject, f"{subject}@corp.example"))
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), subject)
    handoff = handoff_of(await sign_in.callback(back.url))
    async with h.client_from("127.0.0.1") as other_browser:
        stolen = await other_browser.post("/api/auth/oidc/exchange", json={"code": handoff})
    assert stolen.status_code == 401
    assert (await sign_in.exchange(handoff)).status_code == 200
    replayed = await sign_in.exchange(handoff)
    assert replayed.status_code == 401 and "already used" in error_of(replayed)["message"]

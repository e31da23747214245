"""A sign-in that does not check out is a clear 401 and creates nobody.

The first group runs against the real provider (oidc-provider-mock): a wrong or missing `state`, a
replayed callback, a code replayed under a fresh state (the provider refuses it), a callback taken
to another browser, a sign-in the person denied. The second group runs against `ScriptedProvider`,
which forges one defect into an otherwise correct ID token: a wrong nonce, a signature by another
key, another audience or issuer, an expired token, `alg: none`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import update

from pam.store.models import LoginFlow
from pam.store.types import utcnow
from tests.access.conftest import Harness, harness_for
from tests.deployments import DEPLOYMENTS, deployment
from tests.fakes.oidc_provider import FORGERIES, Person, ScriptedProvider
from tests.served import serving_in_loop
from tests.sso.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    SignIn,
    error_of,
    handoff_of,
    provider_config,
    put_person,
    sso_settings_overrides,
    user_count,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def h(
    request: pytest.FixtureRequest, mock_issuer: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    """Embedded and scaled out: replays must be refused by PostgreSQL's row locks as by SQLite's."""
    scripted = ScriptedProvider(CLIENT_ID, CLIENT_SECRET)
    async with serving_in_loop(scripted.app) as scripted_url:
        scripted.issuer = scripted_url
        providers = [
            provider_config(mock_issuer, allowed_domains=["corp.example"]),
            provider_config(scripted_url, name="scripted", allowed_domains=["corp.example"]),
        ]
        async with (
            deployment(
                request.param,
                tmp_path_factory.mktemp("refusals") / "data",
                request,
                **sso_settings_overrides(providers),
            ) as settings,
            harness_for(settings) as harness,
        ):
            await harness.add_user("root@example.com", is_admin=True)
            harness.scripted = scripted  # type: ignore[attr-defined]
            yield harness


def scripted_of(h: Harness) -> ScriptedProvider:
    found: ScriptedProvider = h.scripted  # type: ignore[attr-defined]
    return found


def new_person(mock_issuer: str) -> str:
    subject = f"ref-{uuid.uuid4().hex[:8]}"
    put_person(mock_issuer, subject, {"email": f"{subject}@corp.example", "email_verified": True})
    return subject


async def assert_refused(h: Harness, r: object, before: int, *, message: str = "") -> None:
    import httpx

    assert isinstance(r, httpx.Response)
    assert r.status_code == 401, r.text
    error = error_of(r)
    assert error["code"] == "sign_in_refused" and message in error["message"], error
    assert r.headers.get("set-cookie") is None or "access_token" not in r.headers["set-cookie"]
    assert await user_count(h) == before, "a refused sign-in created a user"


async def test_a_wrong_state_is_refused(h: Harness, mock_issuer: str) -> None:
    before = await user_count(h)
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    await assert_refused(h, await sign_in.callback(back.with_query(state="not-the-state-we-sent")), before)
    await assert_refused(h, await sign_in.callback(back.with_query(state="")), before, message="no state")
    # The real state still works afterwards: guessing states does not burn someone's sign-in.
    assert (await sign_in.callback(back.url)).status_code == 302


async def test_a_replayed_callback_is_refused(h: Harness, mock_issuer: str) -> None:
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    assert (await sign_in.callback(back.url)).status_code == 302
    before = await user_count(h)
    await assert_refused(h, await sign_in.callback(back.url), before, message="already used")


async def test_two_callbacks_racing_with_one_state_sign_in_once(h: Harness, mock_issuer: str) -> None:
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    before = await user_count(h)
    first, second = await asyncio.gather(sign_in.callback(back.url), sign_in.callback(back.url))
    assert sorted([first.status_code, second.status_code]) == [302, 401]
    assert await user_count(h) == before + 1
    handoff = handoff_of(first if first.status_code == 302 else second)
    exchanges = await asyncio.gather(sign_in.exchange(handoff), sign_in.exchange(handoff))
    assert sorted(r.status_code for r in exchanges) == [200, 401]


async def test_two_first_sign_ins_of_one_person_at_once_make_one_user(h: Harness, mock_issuer: str) -> None:
    """Two tabs, one new person: both sign in, as the same single user."""
    subject = new_person(mock_issuer)
    tabs = [SignIn(h, h.client), SignIn(h, h.client)]
    backs = [await tab.consent(await tab.start(), subject) for tab in tabs]
    before = await user_count(h)
    done = await asyncio.gather(*(tab.callback(back.url) for tab, back in zip(tabs, backs, strict=True)))
    assert [r.status_code for r in done] == [302, 302], [r.text for r in done]
    tokens = [
        (await tab.exchange(handoff_of(r))).json()["access_token"] for tab, r in zip(tabs, done, strict=True)
    ]
    ids = {
        (await h.client.get("/api/auth/me", headers={"Authorization": f"Bearer {t}"})).json()["id"]
        for t in tokens
    }
    assert len(ids) == 1 and await user_count(h) == before + 1


async def _expire_every_flow(h: Harness) -> None:
    async with h.services.sessions.begin() as s:
        await s.execute(update(LoginFlow).values(expires_at=utcnow() - timedelta(seconds=1)))


async def test_an_expired_sign_in_or_hand_off_is_refused(h: Harness, mock_issuer: str) -> None:
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    await _expire_every_flow(h)  # ten minutes at the provider
    before = await user_count(h)
    await assert_refused(h, await sign_in.callback(back.url), before)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    done = await sign_in.callback(back.url)
    assert done.status_code == 302
    await _expire_every_flow(h)  # the web UI took more than a minute to exchange its code
    late = await sign_in.exchange(handoff_of(done))
    assert late.status_code == 401 and error_of(late)["code"] == "unauthorized"


async def test_a_code_replayed_under_a_fresh_state_is_refused_by_the_provider(
    h: Harness, mock_issuer: str
) -> None:
    sign_in = SignIn(h, h.client)
    used = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    assert (await sign_in.callback(used.url)).status_code == 302
    fresh = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    before = await user_count(h)
    replay = await sign_in.callback(fresh.with_query(code=used.query["code"]))
    await assert_refused(h, replay, before, message="invalid_grant")


async def test_a_callback_opened_in_another_browser_signs_nobody_in(h: Harness, mock_issuer: str) -> None:
    """Login CSRF: a callback link made by someone else must not sign the victim's browser in."""
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    before = await user_count(h)
    async with h.client_from("127.0.0.1") as victim:
        await assert_refused(h, await SignIn(h, victim).callback(back.url), before)
    # It did not consume the flow: the browser that started it still completes it.
    done = await sign_in.callback(back.url)
    assert done.status_code == 302 and (await sign_in.exchange(handoff_of(done))).status_code == 200


async def test_a_sign_in_denied_at_the_provider_is_refused(h: Harness, mock_issuer: str) -> None:
    sign_in = SignIn(h, h.client)
    back = await sign_in.deny(await sign_in.start())
    before = await user_count(h)
    await assert_refused(h, await sign_in.callback(back.url), before, message="access_denied")


async def test_an_error_from_the_provider_is_not_echoed_raw(h: Harness, mock_issuer: str) -> None:
    sign_in = SignIn(h, h.client)
    back = await sign_in.consent(await sign_in.start(), new_person(mock_issuer))
    before = await user_count(h)
    page = await sign_in.callback(back.with_query(error="<script>alert(1)</script>"), html=True)
    assert page.status_code == 401 and "<script>" not in page.text and "(error)" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert await user_count(h) == before


async def forged_sign_in(h: Harness, forge: str | None, email: str) -> object:
    scripted = scripted_of(h)
    scripted.forge = forge
    scripted.person = Person(f"sub-{uuid.uuid4().hex[:8]}", email)
    sign_in = SignIn(h, h.client, provider="scripted")
    # The scripted provider consents at once: its authorization endpoint redirects straight back.
    import httpx

    async with httpx.AsyncClient(timeout=10) as idp:
        consented = await idp.get(await sign_in.start())
    assert consented.status_code == 302, consented.text
    return await sign_in.callback(consented.headers["location"])


@pytest.mark.parametrize("forge", FORGERIES)
async def test_a_forged_id_token_is_refused(h: Harness, forge: str) -> None:
    before = await user_count(h)
    refused = await forged_sign_in(h, forge, f"forged-{forge.replace('_', '-')}@corp.example")
    await assert_refused(h, refused, before, message="failed verification")


async def test_the_same_provider_without_forgery_signs_in(h: Harness) -> None:
    """The control: the refusals above come from the forged defect, not from the scripted provider
    (which also checks our PKCE verifier and client secret on every code)."""
    before = await user_count(h)
    done = await forged_sign_in(h, None, "honest@corp.example")
    import httpx

    assert isinstance(done, httpx.Response) and done.status_code == 302, getattr(done, "text", done)
    assert await user_count(h) == before + 1

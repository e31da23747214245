"""Login, /me, API keys (shown once), and a disabled user losing every credential at once."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pam.services.auth.api_keys import hash_key
from pam.store.models import ApiKey
from tests.access.conftest import PASSWORD, Harness, bearer


async def test_login_returns_a_bearer_token_that_identifies_the_user(harness: Harness) -> None:
    project = await harness.add_project("finance")
    uid = await harness.add_user("lee@example.com", roles={project: "editor"})
    response = await harness.client.post(
        "/api/auth/login", json={"email": " LEE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == harness.settings.access_token_minutes * 60
    assert response.headers["cache-control"] == "no-store"
    me = await harness.client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": str(uid),
        "email": "lee@example.com",
        "name": "",
        "is_admin": False,
        "auth_mode": "required",
        "via": "token",
        "read_only": False,
        "projects": [{"id": str(project), "name": "finance", "description": "", "role": "editor"}],
    }


async def test_bad_login_bodies_are_422_not_500(harness: Harness) -> None:
    for body in (
        {},
        {"email": "a@b.co"},
        {"email": "", "password": "x"},
        {"email": "a@b.co", "password": ""},
        {"email": ["a"], "password": "x"},
        {"email": "a@b.co", "password": "x" * 5000},
        {"email": "x" * 1000, "password": "x"},
    ):
        response = await harness.client.post("/api/auth/login", json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_input"
    assert (await harness.client.post("/api/auth/login", content=b"not json")).status_code == 422


async def test_api_key_is_shown_once_hashed_at_rest_and_works_as_bearer(harness: Harness) -> None:
    await harness.add_user("dev@example.com")
    headers = await harness.headers_for("dev@example.com")
    created = await harness.client.post("/api/auth/keys", json={"name": "ci"}, headers=headers)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("pam_") and created.json()["prefix"] == key[:12]
    listed = await harness.client.get("/api/auth/keys", headers=headers)
    assert [k["name"] for k in listed.json()["items"]] == ["ci"]
    assert key not in listed.text and "key" not in listed.json()["items"][0]
    async with harness.services.sessions() as s:
        row = await s.scalar(select(ApiKey))
    assert row is not None and row.key_hash == hash_key(key) and key not in (row.key_hash, row.prefix)

    me = await harness.client.get("/api/auth/me", headers=bearer(key))
    assert me.status_code == 200 and me.json()["via"] == "api_key"
    # A key cannot mint keys: a leaked one must not outlive its own revocation.
    assert (
        await harness.client.post("/api/auth/keys", json={"name": "x"}, headers=bearer(key))
    ).status_code == 403

    revoked = await harness.client.delete(f"/api/auth/keys/{created.json()['id']}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await harness.client.get("/api/auth/me", headers=bearer(key))).status_code == 401
    assert (
        await harness.client.delete(f"/api/auth/keys/{created.json()['id']}", headers=headers)
    ).status_code == 404


async def test_users_cannot_see_or_revoke_each_others_keys(harness: Harness) -> None:
    await harness.add_user("one@example.com")
    await harness.add_user("two@example.com")
    one, two = await harness.headers_for("one@example.com"), await harness.headers_for("two@example.com")
    key_id = (await harness.client.post("/api/auth/keys", json={"name": "mine"}, headers=one)).json()["id"]
    assert (await harness.client.get("/api/auth/keys", headers=two)).json()["items"] == []
    assert (await harness.client.delete(f"/api/auth/keys/{key_id}", headers=two)).status_code == 404
    assert (await harness.client.delete(f"/api/auth/keys/{uuid.uuid4()}", headers=two)).status_code == 404
    assert (await harness.client.delete("/api/auth/keys/not-a-uuid", headers=two)).status_code == 422
    for name in ("", "x" * 201):
        assert (
            await harness.client.post("/api/auth/keys", json={"name": name}, headers=one)
        ).status_code == 422


async def test_disabling_a_user_ends_their_tokens_and_keys_at_once(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    uid = await harness.add_user("leaver@example.com")
    admin = await harness.headers_for("root@example.com")
    token = await harness.login("leaver@example.com")
    key = (await harness.client.post("/api/auth/keys", json={"name": "k"}, headers=bearer(token))).json()[
        "key"
    ]
    for credential in (token, key):
        assert (await harness.client.get("/api/auth/me", headers=bearer(credential))).status_code == 200

    response = await harness.client.patch(f"/api/admin/users/{uid}", json={"active": False}, headers=admin)
    assert response.status_code == 200 and response.json()["active"] is False
    for credential in (token, key):
        refused = await harness.client.get("/api/projects", headers=bearer(credential))
        assert refused.status_code == 401
    denied = await harness.client.post(
        "/api/auth/login", json={"email": "leaver@example.com", "password": PASSWORD}
    )
    assert denied.status_code == 401


async def test_the_local_admin_has_no_keys_and_needs_no_header(open_harness: Harness) -> None:
    me = await open_harness.client.get("/api/auth/me")
    assert me.status_code == 200
    body = me.json()
    assert body["id"] is None and body["is_admin"] and body["auth_mode"] == "none" and body["via"] == "local"
    assert [p["role"] for p in body["projects"]] == ["admin"]
    # A bogus header changes nothing with PAM_AUTH=none.
    assert (await open_harness.client.get("/api/auth/me", headers=bearer("garbage"))).status_code == 200
    response = await open_harness.client.post("/api/auth/keys", json={"name": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "auth_disabled"

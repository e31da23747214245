"""Admin routes: who may manage users, projects and members, and what others see (403 vs 404)."""

from __future__ import annotations

import uuid

from tests.access.conftest import PASSWORD, Harness


async def test_admin_creates_users_and_projects_and_grants_roles(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    admin = await harness.headers_for("root@example.com")
    created = await harness.client.post(
        "/api/admin/users",
        json={"email": "New@Example.com", "name": "New Person", "password": "long enough pw"},
        headers=admin,
    )
    assert created.status_code == 201
    user = created.json()
    assert user["email"] == "new@example.com" and user["has_password"] and not user["is_admin"]
    project = await harness.client.post(
        "/api/admin/projects", json={"name": "ops", "description": "runbooks"}, headers=admin
    )
    assert project.status_code == 201
    pid = project.json()["id"]
    granted = await harness.client.put(
        f"/api/admin/projects/{pid}/members/{user['id']}", json={"role": "viewer"}, headers=admin
    )
    assert granted.status_code == 200 and granted.json()["role"] == "viewer"
    regranted = await harness.client.put(
        f"/api/admin/projects/{pid}/members/{user['id']}", json={"role": "editor"}, headers=admin
    )
    assert regranted.json()["role"] == "editor"

    new = await harness.headers_for("new@example.com", "long enough pw")
    mine = (await harness.client.get("/api/projects", headers=new)).json()["items"]
    assert [(p["name"], p["role"]) for p in mine] == [("ops", "editor")]

    members = await harness.client.get(f"/api/admin/projects/{pid}/members", headers=admin)
    assert [(m["email"], m["role"]) for m in members.json()["items"]] == [("new@example.com", "editor")]
    removed = await harness.client.delete(f"/api/admin/projects/{pid}/members/{user['id']}", headers=admin)
    assert removed.status_code == 200
    # A role change ends the user's tokens; signed in again, the project is gone.
    assert (await harness.client.get("/api/projects", headers=new)).status_code == 401
    new = await harness.headers_for("new@example.com", "long enough pw")
    assert (await harness.client.get("/api/projects", headers=new)).json()["items"] == []
    again = await harness.client.delete(f"/api/admin/projects/{pid}/members/{user['id']}", headers=admin)
    assert again.status_code == 404


async def test_admin_input_errors(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    admin = await harness.headers_for("root@example.com")
    pid = await harness.add_project("p1")
    uid = await harness.add_user("u@example.com")
    cases = [
        ("post", "/api/admin/users", {"email": "root@example.com"}, 409),
        ("post", "/api/admin/users", {"email": "ROOT@example.com "}, 409),
        # Rules the schema states (a pattern, a minimum length) are refused by its validation: 422.
        ("post", "/api/admin/users", {"email": "not-an-email"}, 422),
        ("post", "/api/admin/users", {"email": "a@b.co", "password": "short"}, 422),
        ("post", "/api/admin/users", {"email": "a@b.co", "name": "bad\nname"}, 422),
        ("post", "/api/admin/projects", {"name": "p1"}, 409),
        ("post", "/api/admin/projects", {"name": "   "}, 422),
        ("post", "/api/admin/projects", {"name": "x" * 500}, 422),
        ("put", f"/api/admin/projects/{pid}/members/{uid}", {"role": "owner"}, 422),
        ("put", f"/api/admin/projects/{pid}/members/{uuid.uuid4()}", {"role": "viewer"}, 404),
        ("put", f"/api/admin/projects/{uuid.uuid4()}/members/{uid}", {"role": "viewer"}, 404),
        ("patch", f"/api/admin/users/{uuid.uuid4()}", {"name": "x"}, 404),
        ("patch", f"/api/admin/users/{uid}", {"active": "maybe"}, 422),
        ("get", f"/api/admin/projects/{uuid.uuid4()}/members", None, 404),
        ("get", "/api/admin/users?cursor=%%%", None, 400),
        ("get", "/api/admin/users?limit=0", None, 422),
    ]
    for method, url, body, status in cases:
        response = await harness.client.request(method, url, json=body, headers=admin)
        assert response.status_code == status, (method, url, body, response.text)
        assert "error" in response.json()


async def test_an_admin_cannot_lock_themselves_out(harness: Harness) -> None:
    root = await harness.add_user("root@example.com", is_admin=True)
    admin = await harness.headers_for("root@example.com")
    for change in ({"active": False}, {"is_admin": False}):
        response = await harness.client.patch(f"/api/admin/users/{root}", json=change, headers=admin)
        assert response.status_code == 409
    assert (
        await harness.client.patch(f"/api/admin/users/{root}", json={"name": "Root"}, headers=admin)
    ).status_code == 200


async def test_users_list_is_paginated_with_a_total(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    for i in range(4):
        await harness.add_user(f"user{i}@example.com", password=None)
    admin = await harness.headers_for("root@example.com")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await harness.client.get("/api/admin/users", params=params, headers=admin)).json()
        assert page["total"] == 5
        seen += [u["email"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["root@example.com"] + [f"user{i}@example.com" for i in range(4)])


async def test_an_editor_cannot_manage_users_or_projects(harness: Harness) -> None:
    pid = await harness.add_project("eng")
    uid = await harness.add_user("ed@example.com", roles={pid: "editor"})
    editor = await harness.headers_for("ed@example.com")
    for method, url, body in (
        ("get", "/api/admin/users", None),
        ("post", "/api/admin/users", {"email": "evil@example.com", "is_admin": True}),
        ("patch", f"/api/admin/users/{uid}", {"is_admin": True}),
        ("get", "/api/admin/projects", None),
        ("post", "/api/admin/projects", {"name": "mine"}),
        ("get", "/api/admin/api-keys", None),
        ("get", f"/api/admin/projects/{pid}/members", None),
        ("put", f"/api/admin/projects/{pid}/members/{uid}", {"role": "admin"}),
    ):
        response = await harness.client.request(method, url, json=body, headers=editor)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    me = (await harness.client.get("/api/auth/me", headers=editor)).json()
    assert me["is_admin"] is False and me["projects"][0]["role"] == "editor"


async def test_a_viewer_gets_404_for_another_projects_members(harness: Harness) -> None:
    mine, theirs = await harness.add_project("mine"), await harness.add_project("theirs")
    await harness.add_user("viewer@example.com", roles={mine: "viewer"})
    other = await harness.add_user("other@example.com", roles={theirs: "admin"})
    viewer = await harness.headers_for("viewer@example.com")
    for method, url, body in (
        ("get", f"/api/admin/projects/{theirs}/members", None),
        ("put", f"/api/admin/projects/{theirs}/members/{other}", {"role": "viewer"}),
        ("delete", f"/api/admin/projects/{theirs}/members/{other}", None),
        ("get", f"/api/admin/projects/{uuid.uuid4()}/members", None),
    ):
        response = await harness.client.request(method, url, json=body, headers=viewer)
        assert response.status_code == 404, (method, url)
        # Identical to a project that does not exist: nothing leaks.
        assert response.json() == {"error": {"code": "not_found", "message": "not found"}}
    own = await harness.client.get(f"/api/admin/projects/{mine}/members", headers=viewer)
    assert own.status_code == 403
    listed = (await harness.client.get("/api/projects", headers=viewer)).json()["items"]
    assert [p["name"] for p in listed] == ["mine"]


async def test_a_project_admin_manages_only_their_projects_members(harness: Harness) -> None:
    mine, theirs = await harness.add_project("mine"), await harness.add_project("theirs")
    await harness.add_user("lead@example.com", roles={mine: "admin"})
    newbie = await harness.add_user("newbie@example.com")
    lead = await harness.headers_for("lead@example.com")
    ok = await harness.client.put(
        f"/api/admin/projects/{mine}/members/{newbie}", json={"role": "viewer"}, headers=lead
    )
    assert ok.status_code == 200
    members = (await harness.client.get(f"/api/admin/projects/{mine}/members", headers=lead)).json()["items"]
    assert {m["email"] for m in members} == {"lead@example.com", "newbie@example.com"}
    other = await harness.client.put(
        f"/api/admin/projects/{theirs}/members/{newbie}", json={"role": "viewer"}, headers=lead
    )
    assert other.status_code == 404
    assert (await harness.client.get("/api/admin/users", headers=lead)).status_code == 403
    newbie_headers = await harness.headers_for("newbie@example.com")
    assert [
        p["name"] for p in (await harness.client.get("/api/projects", headers=newbie_headers)).json()["items"]
    ] == ["mine"]


async def test_admin_sees_and_revokes_any_key(harness: Harness) -> None:
    await harness.add_user("root@example.com", is_admin=True)
    await harness.add_user("dev@example.com")
    admin, dev = await harness.headers_for("root@example.com"), await harness.headers_for("dev@example.com")
    created = (await harness.client.post("/api/auth/keys", json={"name": "laptop"}, headers=dev)).json()
    listed = (await harness.client.get("/api/admin/api-keys", headers=admin)).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    assert (
        await harness.client.delete(f"/api/admin/api-keys/{created['id']}", headers=admin)
    ).status_code == 200
    assert (
        await harness.client.get("/api/auth/me", headers={"Authorization": f"Bearer {created['key']}"})
    ).status_code == 401


async def test_everything_needs_a_credential_when_auth_is_required(harness: Harness) -> None:
    for method, url in (
        ("get", "/api/auth/me"),
        ("get", "/api/auth/keys"),
        ("get", "/api/projects"),
        ("get", "/api/admin/users"),
        ("post", "/api/admin/projects"),
    ):
        response = await harness.client.request(method, url, json={"name": "x"})
        assert response.status_code == 401, url
    # Health stays public.
    assert (await harness.client.get("/api/health")).status_code == 200


async def test_with_auth_none_the_local_admin_manages_everything(open_harness: Harness) -> None:
    created = await open_harness.client.post(
        "/api/admin/users", json={"email": "x@example.com", "password": PASSWORD}
    )
    assert created.status_code == 201
    assert (await open_harness.client.post("/api/admin/projects", json={"name": "p"})).status_code == 201
    names = [p["name"] for p in (await open_harness.client.get("/api/projects")).json()["items"]]
    assert names == ["default", "p"]

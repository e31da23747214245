"""Roles: a viewer reads but cannot ingest, delete, re-index or cancel; an editor changes content but
manages neither users nor memberships. Refusals are 403 inside the caller's own project and 404 for
another project's ids (existence does not leak). Disabled users: see test_login_and_keys.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from pam.store.models import IngestionTask, Source
from tests.access.conftest import bearer
from tests.access.two_projects import (
    A_NAME,
    B_NAME,
    VIAS,
    World,
    app_harness,
    build_world,
    wait_task,
    write,
)
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Roles:
    w: World
    editor: dict[str, str]
    editor_id: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def roles(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Roles]:
    settings = make_settings(
        tmp_path_factory.mktemp("roles") / "data",
        auth="required",
        rate_limit_ingest_per_minute=10_000,
        rate_limit_login=10_000,
    )
    async with app_harness(settings) as h:
        w = await build_world(h)
        editor_id = await h.add_user("eddie@alpha.example", roles={w.a_id: "editor"})
        yield Roles(w, await h.headers_for("eddie@alpha.example"), str(editor_id))


async def pending_task(w: World, project_name: str) -> str:
    """A task that never runs (nothing starts it), so a cancel is observable."""
    project_id = w.a_id if project_name == A_NAME else w.b_id
    async with w.h.services.sessions.begin() as s:
        source = Source(
            project_id=project_id, type="folder", name="later", key=f"/nowhere/{uuid.uuid4().hex}"
        )
        s.add(source)
        await s.flush()
        task = IngestionTask(
            project_id=project_id,
            source_ref_id=source.id,
            kind="folder",
            params={"path": "/nowhere", "display": "later"},
            status="pending",
            created_by="root@example.com",
        )
        s.add(task)
        await s.flush()
        return str(task.id)


async def task_status(w: World, task_id: str) -> str:
    async with w.h.services.sessions() as s:
        task = await s.get(IngestionTask, uuid.UUID(task_id))
        assert task is not None
        return str(task.status)


@pytest.mark.parametrize("via", VIAS)
async def test_a_viewer_cannot_change_anything(roles: Roles, via: str) -> None:
    w, client = roles.w, roles.w.h.client
    viewer = w.viewer(via)
    a_doc, b_doc = w.a_docs["Alpha handbook"], w.b_docs["Bravo secrets"]
    upload = [("files", ("note.md", b"# Note\n\nviewer upload\n", "text/markdown"))]
    refused = {
        "ingest folder into A": (
            await client.post(
                "/api/ingest/folder", json={"path": str(w.a_folder), "project": A_NAME}, headers=viewer
            ),
            403,
        ),
        "ingest folder into B": (
            await client.post(
                "/api/ingest/folder", json={"path": str(w.a_folder), "project": B_NAME}, headers=viewer
            ),
            404,
        ),
        "upload into A": (
            await client.post("/api/ingest/upload", files=upload, data={"project": A_NAME}, headers=viewer),
            403,
        ),
        "upload into B": (
            await client.post("/api/ingest/upload", files=upload, data={"project": B_NAME}, headers=viewer),
            404,
        ),
        "delete A's": (await client.delete(f"/api/documents/{a_doc}", headers=viewer), 403),
        "delete B's": (await client.delete(f"/api/documents/{b_doc}", headers=viewer), 404),
        "reindex A's": (await client.post(f"/api/documents/{a_doc}/reindex", headers=viewer), 403),
        "reindex B's": (await client.post(f"/api/documents/{b_doc}/reindex", headers=viewer), 404),
    }
    wrong = {k: (r.status_code, r.text) for k, (r, status) in refused.items() if r.status_code != status}
    assert not wrong, wrong
    for label, (r, _) in refused.items():
        assert r.json()["error"]["code"] in ("forbidden", "not_found"), (label, r.text)
    # Tasks are for those who may ingest: a viewer cannot even see A's, let alone cancel them.
    for project in (A_NAME, B_NAME):
        task_id = await pending_task(w, project)
        r = await client.post(f"/api/ingest/tasks/{task_id}/cancel", headers=viewer)
        assert r.status_code == 404, r.text
        assert await task_status(w, task_id) == "pending"
    docs = (await client.get("/api/documents", headers=w.admin, params={"limit": 200})).json()["items"]
    assert {a_doc, b_doc} <= {d["id"] for d in docs if d["status"] == "active"}
    tasks = (await client.get("/api/ingest/tasks", headers=w.admin, params={"status": "active"})).json()
    assert all(t["kind"] == "folder" and t["target"] == "later" for t in tasks["items"]), tasks


async def test_an_editor_ingests_reindexes_deletes_and_cancels_in_their_project(roles: Roles) -> None:
    w, client, editor = roles.w, roles.w.h.client, roles.editor
    folder = w.h.settings.data_dir / "eddie-notes"
    write(folder, {"eddie.md": "# Eddie notes\n\nThe periwinkle ledger closes on Fridays.\n"})
    started = await client.post(
        "/api/ingest/folder", json={"path": str(folder), "project": A_NAME}, headers=editor
    )
    assert started.status_code == 202, started.text
    assert (await wait_task(w.h, editor, started.json()["id"]))["status"] == "completed"
    upload = [("files", ("eddie-upload.md", b"# Upload\n\nperiwinkle upload\n", "text/markdown"))]
    uploaded = await client.post("/api/ingest/upload", files=upload, data={"project": A_NAME}, headers=editor)
    assert uploaded.status_code == 202, uploaded.text
    assert (await wait_task(w.h, editor, uploaded.json()["id"]))["status"] == "completed"
    docs = (await client.get("/api/documents", params={"q": "Eddie notes"}, headers=editor)).json()["items"]
    assert len(docs) == 1
    reindexed = await client.post(f"/api/documents/{docs[0]['id']}/reindex", headers=editor)
    assert reindexed.status_code == 202, reindexed.text
    assert (await wait_task(w.h, editor, reindexed.json()["id"]))["status"] == "completed"
    assert (await client.delete(f"/api/documents/{docs[0]['id']}", headers=editor)).status_code == 204
    task_id = await pending_task(w, A_NAME)
    cancelled = await client.post(f"/api/ingest/tasks/{task_id}/cancel", headers=editor)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    # B stays out of reach, and as 404.
    b_doc = w.b_docs["Bravo secrets"]
    b_task = await pending_task(w, B_NAME)
    for r in (
        await client.post(
            "/api/ingest/folder", json={"path": str(folder), "project": B_NAME}, headers=editor
        ),
        await client.delete(f"/api/documents/{b_doc}", headers=editor),
        await client.post(f"/api/documents/{b_doc}/reindex", headers=editor),
        await client.post(f"/api/ingest/tasks/{b_task}/cancel", headers=editor),
    ):
        assert r.status_code == 404, r.text
    assert await task_status(w, b_task) == "pending"


async def test_an_editor_cannot_manage_users_projects_or_memberships(roles: Roles) -> None:
    w, client, editor = roles.w, roles.w.h.client, roles.editor
    calls = {
        ("GET", "/api/admin/users", None): 403,
        ("POST", "/api/admin/users", '{"email": "new@alpha.example"}'): 403,
        ("GET", f"/api/admin/users/{w.viewer_id}", None): 403,
        ("PATCH", f"/api/admin/users/{w.viewer_id}", '{"active": false}'): 403,
        ("PATCH", f"/api/admin/users/{roles.editor_id}", '{"is_admin": true}'): 403,
        ("GET", "/api/admin/api-keys", None): 403,
        ("DELETE", f"/api/admin/api-keys/{w.b_key_id}", None): 403,
        ("GET", "/api/admin/projects", None): 403,
        ("POST", "/api/admin/projects", '{"name": "mine"}'): 403,
        ("GET", f"/api/admin/projects/{w.a_id}/members", None): 403,
        ("PUT", f"/api/admin/projects/{w.a_id}/members/{w.viewer_id}", '{"role": "editor"}'): 403,
        ("PUT", f"/api/admin/projects/{w.a_id}/members/{roles.editor_id}", '{"role": "admin"}'): 403,
        ("DELETE", f"/api/admin/projects/{w.a_id}/members/{w.viewer_id}", None): 403,
        ("GET", "/api/stats", None): 403,
        ("PUT", f"/api/admin/projects/{w.b_id}/members/{roles.editor_id}", '{"role": "viewer"}'): 404,
        ("GET", f"/api/admin/projects/{w.b_id}/members", None): 404,
    }
    wrong = {}
    for (method, url, body), status in calls.items():
        headers = {**editor, "Content-Type": "application/json"}
        r = await client.request(method, url, content=body, headers=headers)
        if r.status_code != status:
            wrong[(method, url)] = (r.status_code, r.text)
    assert not wrong, wrong
    me = (await client.get("/api/auth/me", headers=editor)).json()
    assert [(p["name"], p["role"]) for p in me["projects"]] == [(A_NAME, "editor")] and not me["is_admin"]
    viewer = (await client.get("/api/auth/me", headers=bearer(w.viewer_token))).json()
    assert [(p["name"], p["role"]) for p in viewer["projects"]] == [(A_NAME, "viewer")]


async def test_a_lost_membership_takes_effect_at_once(roles: Roles) -> None:
    """A token issued while a member ends with the membership (401); an API key, which outlives role
    changes, stops reading A the moment it ends, because roles are read per request."""
    w, client = roles.w, roles.w.h.client
    email = f"leaver-{uuid.uuid4().hex[:6]}@alpha.example"
    leaver = await w.h.add_user(email, roles={w.a_id: "editor"})
    headers = await w.h.headers_for(email)
    made = await client.post("/api/auth/keys", json={"name": "leaver-ci"}, headers=headers)
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    a_doc = w.a_docs["Alpha handbook"]
    for credential in (headers, key):
        assert (await client.get(f"/api/documents/{a_doc}", headers=credential)).status_code == 200
    removed = await client.delete(f"/api/admin/projects/{w.a_id}/members/{leaver}", headers=w.admin)
    assert removed.status_code == 200, removed.text
    assert (await client.get(f"/api/documents/{a_doc}", headers=headers)).status_code == 401
    assert (await client.get(f"/api/documents/{a_doc}", headers=key)).status_code == 404
    found = await client.post("/api/search", json={"query": "heliotrope marmalade"}, headers=key)
    assert found.status_code == 200 and found.json()["results"] == []


async def test_a_read_only_key_changes_nothing_even_where_its_owner_may(roles: Roles) -> None:
    """Kim edits A and B; her key, limited to A and read-only, reads A as a viewer and writes nothing."""
    w, client = roles.w, roles.w.h.client
    key = w.viewer("scoped_key")
    kim = await w.h.headers_for("kim@alpha.example")
    a_doc, b_doc = w.a_docs["Alpha handbook"], w.b_docs["Bravo secrets"]
    me = (await client.get("/api/auth/me", headers=key)).json()
    assert [(p["name"], p["role"]) for p in me["projects"]] == [(A_NAME, "viewer")]
    assert me["read_only"] is True and me["via"] == "api_key" and not me["is_admin"]
    listed = (await client.get("/api/auth/keys", headers=key)).json()["items"]
    own_key = next(k for k in listed if k["name"] == "kim-reader")
    assert own_key["read_only"] is True and own_key["project_ids"] == [str(w.a_id)]
    asked = await client.post("/api/chat", json={"message": "heliotrope marmalade budget"}, headers=key)
    assert asked.status_code == 200, asked.text  # asking is reading
    conversation = asked.json()["conversation_id"]
    upload = [("files", ("kim.md", b"# Kim\n\nread-only upload\n", "text/markdown"))]
    refused = {
        "ingest into A": await client.post(
            "/api/ingest/folder", json={"path": str(w.a_folder), "project": A_NAME}, headers=key
        ),
        "upload into A": await client.post(
            "/api/ingest/upload", files=upload, data={"project": A_NAME}, headers=key
        ),
        "delete A's": await client.delete(f"/api/documents/{a_doc}", headers=key),
        "reindex A's": await client.post(f"/api/documents/{a_doc}/reindex", headers=key),
        "delete own conversation": await client.delete(f"/api/conversations/{conversation}", headers=key),
        "make a key": await client.post("/api/auth/keys", json={"name": "more"}, headers=key),
        "revoke own key": await client.delete(f"/api/auth/keys/{own_key['id']}", headers=key),
        "sign out everywhere": await client.post("/api/auth/sign-out-everywhere", headers=key),
    }
    wrong = {k: (r.status_code, r.text) for k, r in refused.items() if r.status_code != 403}
    assert not wrong, wrong
    assert (await client.get(f"/api/conversations/{conversation}", headers=key)).status_code == 200
    assert (await client.get("/api/auth/keys", headers=key)).json()["items"] == listed
    # B is not even visible through the key, while Kim's own token reads it.
    assert (await client.get(f"/api/documents/{b_doc}", headers=key)).status_code == 404
    assert (await client.get(f"/api/documents/{b_doc}", headers=kim)).status_code == 200


async def test_an_admins_key_limited_to_a_project_administers_only_that_project(roles: Roles) -> None:
    w, client = roles.w, roles.w.h.client
    made = await client.post(
        "/api/auth/keys", json={"name": "root-a", "projects": [str(w.a_id)]}, headers=w.admin
    )
    assert made.status_code == 201 and made.json()["project_ids"] == [str(w.a_id)], made.text
    key = bearer(made.json()["key"])
    me = (await client.get("/api/auth/me", headers=key)).json()
    assert [(p["name"], p["role"]) for p in me["projects"]] == [(A_NAME, "admin")] and not me["is_admin"]
    assert (await client.get(f"/api/admin/projects/{w.a_id}/members", headers=key)).status_code == 200
    assert (await client.get(f"/api/admin/projects/{w.b_id}/members", headers=key)).status_code == 404
    for url in ("/api/admin/users", "/api/stats", "/api/admin/api-keys"):
        assert (await client.get(url, headers=key)).status_code == 403, url
    assert (await client.get(f"/api/documents/{w.b_docs['Bravo secrets']}", headers=key)).status_code == 404


async def test_a_key_can_only_be_limited_to_projects_its_owner_reads(roles: Roles) -> None:
    w, client = roles.w, roles.w.h.client
    viewer = bearer(w.viewer_token)
    for projects, status in (([B_NAME], 404), ([str(w.b_id)], 404), (["no-such-project"], 404), ([], 422)):
        r = await client.post("/api/auth/keys", json={"name": "x", "projects": projects}, headers=viewer)
        assert r.status_code == status, (projects, r.text)
    twice = await client.post(
        "/api/auth/keys", json={"name": "a", "projects": [A_NAME, A_NAME]}, headers=viewer
    )
    assert twice.status_code == 201 and twice.json()["project_ids"] == [str(w.a_id)]
    await client.delete(f"/api/auth/keys/{twice.json()['id']}", headers=viewer)

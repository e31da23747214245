"""`/api/sources` with bad, hostile and conflicting input: clear 4xx errors that never repeat a secret,
nothing half-created; removing a source takes its documents out of search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, start_harness
from tests.conftest import make_settings
from tests.connectors.worlds import GitRepoWorld

pytestmark = pytest.mark.asyncio(loop_scope="module")
SECRET = "ghp_must-never-be-echoed-0123456789"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with start_harness(make_settings(tmp_path_factory.mktemp("sources-api") / "data")) as harness:
        yield harness


def github(name: str, repository: str = "acme/handbook", **extra: Any) -> dict[str, Any]:
    return {"type": "github", "name": name, "config": {"repository": repository}, **extra}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "svn", "name": "x", "config": {}}, 422),
        (github(""), 422),
        ({"type": "github", "name": "x", "config": {"repository": "not a repo"}}, 422),
        (
            {"type": "github", "name": "x", "config": {"repository": "a/b", "api_url": "file:///etc/passwd"}},
            422,
        ),
        ({"type": "git", "name": "x", "config": {"url": f"https://u:{SECRET}@example.com/r.git"}}, 422),
        ({"type": "git", "name": "x", "config": {"url": "--upload-pack=touch /tmp/pwned"}}, 422),
        (
            {"type": "git", "name": "x", "config": {"url": "https://example.com/r.git", "branch": "--force"}},
            422,
        ),
        ({"type": "website", "name": "x", "config": {"start_url": "javascript:alert(1)"}}, 422),
        (
            {
                "type": "google_drive",
                "name": "x",
                "config": {"folder_id": "a"},
                "credentials": {"token": SECRET},
            },
            422,
        ),
        ({"type": "google_drive", "name": "x", "config": {}, "credentials": {"refresh_token": SECRET}}, 422),
        (github("x", credentials={"token": SECRET, "password": SECRET}), 422),
        (github("x", credentials={"token": [SECRET]}), 422),
        (github("x", schedule="every 0s"), 422),
        (github("x", schedule="*/0 * * * * *"), 422),
        (github("x", schedule="61 * * * *"), 422),
        (github(" \t"), 422),
        (github("x", project="no-such-project"), 404),
        ({"type": "folder", "name": "x", "config": {"path": "/etc"}}, 403),
        ({"type": "upload", "name": "x", "config": {}}, 422),
    ],
)
async def test_bad_input_is_a_clear_4xx_that_repeats_no_secret(
    api: Harness, body: dict[str, Any], status: int
) -> None:
    r = await api.client.post("/api/sources", json=body)
    assert_error_body(r, status)
    assert SECRET not in r.text
    listed = await api.client.get("/api/sources")
    assert "x" not in {s["name"] for s in listed.json()["items"]}, "nothing was created"


async def test_names_and_places_are_unique_in_a_project(api: Harness) -> None:
    assert (await api.client.post("/api/sources", json=github("unique-one"))).status_code == 201
    assert_error_body(await api.client.post("/api/sources", json=github("unique-one")), 409)
    same_place = await api.client.post("/api/sources", json=github("another-name"))
    assert_error_body(same_place, 409)
    assert "unique-one" in same_place.text


async def test_patch_changes_what_it_names_and_refuses_the_rest(api: Harness) -> None:
    created = (
        await api.client.post(
            "/api/sources", json=github("patchable", "acme/patchable", credentials={"token": SECRET})
        )
    ).json()
    assert created["has_credentials"] is True and SECRET not in str(created)
    url = f"/api/sources/{created['id']}"
    r = await api.client.patch(url, json={"schedule": "every 3h", "paused": True})
    assert r.status_code == 200 and r.json()["schedule"] == "every 3h" and r.json()["paused"] is True
    assert r.json()["next_sync_at"] is not None
    r = await api.client.patch(url, json={"schedule": None, "credentials": None})
    assert (
        r.json()["schedule"] is None
        and r.json()["next_sync_at"] is None
        and r.json()["has_credentials"] is False
    )
    assert_error_body(await api.client.patch(url, json={"type": "git"}), 422)
    moved = await api.client.patch(url, json={"config": {"repository": "acme/elsewhere"}})
    assert_error_body(moved, 409)
    assert_error_body(
        await api.client.patch(url, json={"config": {"repository": "acme/patchable", "x": 1}}), 422
    )
    r = await api.client.patch(url, json={"config": {"repository": "acme/patchable", "pull_requests": False}})
    assert r.status_code == 200 and r.json()["config"]["pull_requests"] is False


async def test_uploads_are_not_synced_as_a_source(api: Harness) -> None:
    r = await api.client.post(
        "/api/ingest/upload", files=[("files", ("n.md", b"# N\n\nA note.\n", "text/markdown"))]
    )
    await api.wait(r.json()["id"])
    uploads = next(s for s in (await api.client.get("/api/sources")).json()["items"] if s["type"] == "upload")
    assert_error_body(await api.client.post(f"/api/sources/{uploads['id']}/sync"), 409)


@pytest.mark.parametrize(
    "body",
    [
        github("blank-schedule", "acme/blank-schedule", schedule=""),
        github("spaced-schedule", "acme/spaced-schedule", schedule=" \t"),
    ],
)
async def test_a_blank_schedule_is_no_schedule_when_created_as_when_changed(
    api: Harness, body: dict[str, Any]
) -> None:
    """POST refused `schedule: ""` (400) where PATCH took it for "no schedule"; the schema allowed both."""
    r = await api.client.post("/api/sources", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["schedule"] is None and r.json()["next_sync_at"] is None


@pytest.mark.parametrize(
    "body",
    [
        github("x", paused="true"),
        github("x", sync=1),
        {"type": "website", "name": "x", "config": {"start_url": ""}},
        {"type": "website", "name": "x", "config": {"start_url": "https://a.example", "max_pages": "5"}},
        {"type": "website", "name": "x", "config": {"start_url": "https://a.example", "sitemap_url": "x"}},
        {
            "type": "google_drive",
            "name": "x",
            "config": {"folder_id": "a", "drive_id": "b"},
            "credentials": {},
        },
        {
            "type": "google_drive",
            "name": "x",
            "config": {"folder_id": "a"},
            "credentials": {"refresh_token": "r", "client_id": "", "client_secret": "s"},
        },
    ],
)
async def test_what_validation_refuses_the_schema_refuses(api: Harness, body: dict[str, Any]) -> None:
    """Each answered 400/422 to a body the schema accepted (or took a string for a boolean)."""
    assert_error_body(await api.client.post("/api/sources", json=body), 422, "invalid_input")


async def test_a_patch_that_does_not_fit_the_source_is_a_conflict(api: Harness) -> None:
    source = (await api.client.post("/api/sources", json=github("fits", "acme/fits"))).json()
    url = f"/api/sources/{source['id']}"
    for change in (
        {"config": {"url": "https://example.com/r.git"}},  # a git source's config
        {"config": {"start_url": "https://example.com"}},  # a website's
        {"credentials": {"authorization": "Bearer x"}},  # a website's credentials
    ):
        assert_error_body(await api.client.patch(url, json=change), 409, "conflict")
    for change in ({"name": None}, {"paused": None}, {"config": None}, {"paused": "true"}, {"name": " "}):
        assert_error_body(await api.client.patch(url, json=change), 422, "invalid_input")
    r = await api.client.post(
        "/api/ingest/upload", files=[("files", ("p.md", b"# P\n\nA page.\n", "text/markdown"))]
    )
    await api.wait(r.json()["id"])
    uploads = next(s for s in (await api.client.get("/api/sources")).json()["items"] if s["type"] == "upload")
    # An upload source has no settings and takes no credentials: the request was a 400 the schema allowed.
    for change in ({"config": {"url": "https://example.com/r.git"}}, {"credentials": {"token": "t"}}):
        assert_error_body(
            await api.client.patch(f"/api/sources/{uploads['id']}", json=change), 409, "conflict"
        )
    unchanged = (await api.client.get(url)).json()
    assert unchanged["name"] == "fits" and unchanged["has_credentials"] is False


async def test_removing_a_source_takes_its_documents_out_of_search(api: Harness, tmp_path: Path) -> None:
    repo = GitRepoWorld(tmp_path)
    try:
        repo.add("doomed", "The quillback procedure is documented only here.")
        body = {"type": "git", "name": "doomed", "config": {"url": repo.url}, "sync": True}
        created = (await api.client.post("/api/sources", json=body)).json()
        await api.wait(created["active_task"]["id"])
        await api.services.sync_index()
        assert (await api.search("quillback", mode="keyword"))["results"]
        r = await api.client.delete(f"/api/sources/{created['id']}")
        assert r.status_code == 204
        assert (await api.search("quillback", mode="keyword"))["results"] == []
        assert_error_body(await api.client.get(f"/api/sources/{created['id']}"), 404)
        assert_error_body(await api.client.delete(f"/api/sources/{created['id']}"), 404)
        assert not (api.root / "connectors" / created["id"]).exists(), "its local copy is gone too"
    finally:
        repo.close()


async def test_a_second_sync_request_while_one_runs_returns_the_same_task(
    api: Harness, tmp_path: Path
) -> None:
    repo = GitRepoWorld(tmp_path)
    try:
        for i in range(30):
            repo.path(f"n{i}").parent.mkdir(parents=True, exist_ok=True)
            repo.path(f"n{i}").write_text(f"# N{i}\n\nNote {i} on the sandpiper rota.\n", encoding="utf-8")
        repo.commit("many")
        created = (
            await api.client.post(
                "/api/sources", json={"type": "git", "name": "twice", "config": {"url": repo.url}}
            )
        ).json()
        first = await api.client.post(f"/api/sources/{created['id']}/sync")
        second = await api.client.post(f"/api/sources/{created['id']}/sync")
        assert first.status_code == second.status_code == 202
        task = await api.wait(first.json()["id"])
        if second.json()["status"] in ("pending", "running"):
            assert second.json()["id"] == first.json()["id"]
        assert task["succeeded"] == 30
    finally:
        repo.close()

"""Every remote connector mirrors its source through the API: first sync, one edit re-embeds one item,
a deletion and a rename leave no stale copy, a 5xx storm and a rate limit lose nothing."""

from __future__ import annotations

import itertools
import random
import string
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from pam.access import LOCAL_ADMIN
from pam.services.knowledge import ScopedKnowledge
from pam.store.models import Document, SyncLog
from tests.api.harness import Harness, start_harness
from tests.conftest import make_settings
from tests.connectors.remote_worlds import (
    DriveApiWorld,
    GitApiWorld,
    GitHubApiWorld,
    RemoteWorld,
    WebsiteApiWorld,
)
from tests.fakes.drive_api import FakeDrive
from tests.fakes.github_api import FakeGitHub
from tests.fakes.website import FakeWebsite

pytestmark = pytest.mark.asyncio(loop_scope="module")
KINDS = ("git", "github", "website", "google_drive")
_names = itertools.count()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("remote") / "data"
    # Retries quick and plenty: a storm shorter than the attempts is ridden out within one sync.
    settings = make_settings(data_dir, connector_attempts=8, connector_backoff_s=0.01)
    async with start_harness(settings) as harness:
        yield harness


@pytest.fixture(params=KINDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RemoteWorld]:
    if request.param == "git":
        git_world = GitApiWorld(tmp_path)
        yield git_world
        git_world.close()
        return
    if request.param == "google_drive":
        drive = FakeDrive()
        drive_world = DriveApiWorld(drive)
        yield drive_world
        drive_world.close()
        drive.close()
        return
    if request.param == "website":
        site = FakeWebsite()
        site_world = WebsiteApiWorld(site, tmp_path)
        yield site_world
        site_world.close()
        site.close()
        return
    fake = FakeGitHub(token=f"ghp_{uuid.uuid4().hex}")
    try:
        yield GitHubApiWorld(fake)
    finally:
        fake.close()


async def register(api: Harness, world: RemoteWorld) -> str:
    r = await api.client.post("/api/sources", json=world.body(f"{world.kind}-{next(_names)}"))
    assert r.status_code == 201, r.text
    source_id: str = r.json()["id"]
    return source_id


async def sync(api: Harness, source_id: str, **params: Any) -> dict[str, Any]:
    r = await api.client.post(f"/api/sources/{source_id}/sync", params=params)
    assert r.status_code == 202, r.text
    task = await api.wait(r.json()["id"])
    await api.services.sync_index()
    return task


async def documents(api: Harness, source_id: str) -> dict[str, dict[str, Any]]:
    """The source's active documents by title."""
    r = await api.client.get("/api/documents", params={"limit": 200})
    assert r.status_code == 200
    async with api.services.sessions() as s:
        mine = set(
            map(
                str,
                await s.scalars(
                    select(Document.id).where(Document.registered_source_id == uuid.UUID(source_id))
                ),
            )
        )
    return {d["title"]: d for d in r.json()["items"] if d["id"] in mine}


async def hits(api: Harness, query: str) -> list[dict[str, Any]]:
    return list((await api.search(query, mode="keyword", k=20))["results"])


def seed(world: RemoteWorld) -> str:
    """Three items whose words are found in no other test's (the harness is shared); the tag."""
    tag = "".join(random.choice(string.ascii_lowercase) for _ in range(8))
    world.add("alpha", f"The heliotrope{tag} backup job runs nightly at two.")
    world.add("beta", f"Invoices for the quokka{tag} account are approved by finance.")
    world.add("gamma", f"The pager for the wombat{tag} service rotates weekly.")
    world.settle()
    return tag


async def test_first_sync_indexes_every_item_with_a_link_to_the_original(
    api: Harness, world: RemoteWorld
) -> None:
    tag = seed(world)
    source_id = await register(api, world)
    task = await sync(api, source_id)
    assert (task["status"], task["succeeded"], task["failed"]) == ("completed", 3, 0), task
    r = await api.client.get(f"/api/sources/{source_id}")
    source = r.json()
    assert source["documents"] == 3
    assert source["last_sync"]["status"] == "completed" and source["last_sync"]["succeeded"] == 3
    found = await hits(api, f"heliotrope{tag} backup nightly")
    assert found and found[0]["uri"] == world.uri_of("alpha")


async def test_an_edit_re_embeds_only_that_item(api: Harness, world: RemoteWorld) -> None:
    tag = seed(world)
    source_id = await register(api, world)
    await sync(api, source_id)
    world.settle()
    if world.http is not None:
        world.http.clear_log()
    world.edit("beta", f"Invoices for the quokka{tag} account now need two approvals.")
    world.settle()
    task = await sync(api, source_id)
    assert (task["status"], task["succeeded"], task["failed"], task["deleted"]) == ("completed", 1, 0, 0), (
        task
    )
    assert task["segments_embedded"] == 1, "only the changed passage is embedded again"
    assert len([i for i in task["items"] if i["stage"] == "done"]) == 1
    if isinstance(world, GitHubApiWorld):  # fetched: the changed issue's comments, no other item's
        fetched = {r.path for r in world.fake.http.requests(world.item_prefix)}
        assert fetched and all(f"/{world.numbers['beta']}/" in p for p in fetched), fetched
    assert [h["uri"] for h in await hits(api, f"quokka{tag} two approvals")][:1] == [world.uri_of("beta")]


async def test_a_deleted_item_leaves_search(api: Harness, world: RemoteWorld) -> None:
    tag = seed(world)
    source_id = await register(api, world)
    await sync(api, source_id)
    assert await hits(api, f"wombat{tag}")
    world.remove("gamma")
    world.settle()
    task = await sync(api, source_id)
    assert (task["status"], task["deleted"], task["failed"]) == ("completed", 1, 0), task
    assert await hits(api, f"wombat{tag}") == []
    assert len(await documents(api, source_id)) == 2


async def test_a_renamed_item_keeps_no_stale_copy(api: Harness, world: RemoteWorld) -> None:
    tag = seed(world)
    source_id = await register(api, world)
    await sync(api, source_id)
    old_uri = world.uri_of("alpha")
    world.rename("alpha", "omega")
    world.settle()
    task = await sync(api, source_id)
    assert task["status"] == "completed" and task["failed"] == 0, task
    docs = await documents(api, source_id)
    assert len(docs) == 3
    uris = {d["uri"] for d in docs.values()}
    assert world.uri_of("omega") in uris
    if old_uri != world.uri_of("omega"):  # a file moved; an issue keeps its address and changes its title
        assert old_uri not in uris
    else:
        titles = [t.lower() for t in docs]
        assert [t for t in titles if t.startswith("omega")] and not [
            t for t in titles if t.startswith("alpha")
        ]
    found = await hits(api, f"heliotrope{tag}")
    assert len({h["document_id"] for h in found}) == 1, "the old copy is gone from search"
    assert found[0]["uri"] == world.uri_of("omega")


async def test_a_5xx_storm_mid_sync_ends_with_every_item_indexed_exactly_once(
    api: Harness, world: RemoteWorld
) -> None:
    if world.http is None:
        pytest.skip(
            "a Git repository is fetched by git itself (a failed fetch fails the sync, retried next time)"
        )
    tag = "".join(random.choice(string.ascii_lowercase) for _ in range(8))
    for i in range(6):
        world.add(f"item{i}", f"Storm survivor number {i} keeps the zephyr{i}{tag} runbook.")
    world.settle()
    source_id = await register(api, world)
    world.http.storm(world.item_prefix, 6)  # rides out within the retries
    first = await sync(api, source_id)
    assert (first["status"], first["succeeded"], first["failed"]) == ("completed", 6, 0), first
    # A storm longer than the retries: the items it hits fail this sync and come back in the next.
    for i in range(6, 9):
        world.add(f"item{i}", f"Storm survivor number {i} keeps the zephyr{i}{tag} runbook.")
    world.settle()
    world.http.storm(world.item_prefix, 8 * 2)
    second = await sync(api, source_id)
    third = await sync(api, source_id)
    assert second["succeeded"] + third["succeeded"] == 3 and third["failed"] == 0, (second, third)
    async with api.services.sessions() as s:
        per_doc = list(
            await s.execute(
                select(SyncLog.document_id, func.count())
                .join(Document, Document.id == SyncLog.document_id)
                .where(Document.registered_source_id == uuid.UUID(source_id), SyncLog.action == "created")
                .group_by(SyncLog.document_id)
            )
        )
    assert len(per_doc) == 9 and {n for _, n in per_doc} == {1}, "each item written exactly once"
    for i in range(9):
        assert len(await hits(api, f"zephyr{i}{tag}")) == 1


async def test_a_rate_limit_mid_sync_pauses_and_skips_nothing(api: Harness, world: RemoteWorld) -> None:
    if world.http is None:
        pytest.skip("git has no rate limit")
    for i in range(5):
        world.add(f"paced{i}", f"Paced item {i} about the quillfish{i} procedure.")
    world.settle()
    source_id = await register(api, world)
    world.rate_limit()
    task = await sync(api, source_id)
    assert (task["status"], task["succeeded"], task["failed"]) == ("completed", 5, 0), task
    limited = [r for r in world.http.log if r.status in (403, 429)]
    assert limited, "the fake answered a rate limit"
    assert len(await documents(api, source_id)) == 5


async def test_git_change_history_is_what_get_change_history_returns(api: Harness, tmp_path: Path) -> None:
    world = GitApiWorld(tmp_path)
    try:
        world.add("policy", "Refunds are approved within two days.")
        world.edit("policy", "Refunds are approved within five days.")
        source_id = await register(api, world)
        await sync(api, source_id)
        world.edit("policy", "Refunds are approved within ten days.")
        await sync(api, source_id)
        doc = next(iter((await documents(api, source_id)).values()))
        scope = await api.services.auth.scope_of(LOCAL_ADMIN)
        knowledge = ScopedKnowledge(api.services.search, api.services.sessions, scope)
        history = await knowledge.change_history(doc["id"], None, 20)
        assert [e.message for e in history] == ["Write policy", "Write policy", "Write policy"]
        assert all(e.author == "Ada Author" and e.revision and len(e.revision) == 40 for e in history)
        assert [e.action for e in history] == ["updated", "updated", "created"]
        assert history[0].at >= history[-1].at
        by_title = await knowledge.change_history(doc["title"], None, 20)
        assert [e.revision for e in by_title] == [e.revision for e in history]
    finally:
        world.close()

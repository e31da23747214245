"""Use cases own their transactions: a response is sent after its commit, and nothing holds a connection
while it waits (SPEC 2). Each test drives the real app; the ordering test drives a real `pam serve`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from pam.api.app import create_app
from pam.cli.main import app as cli
from tests.api.harness import Harness, assert_error_body, llm_overrides, parse_sse, start_harness, write
from tests.conftest import make_settings
from tests.fakes.model_script import Delay, HttpError, Text
from tests.fakes.model_server import FakeModelServer
from tests.served import served, serving_in_loop

PASSWORD = "correct horse battery staple"


@contextmanager
def commits_fail_after_insert_into(table: str, target: type[Engine] | Engine) -> Iterator[None]:
    """Make the commit of any transaction that inserted into `table` fail (after the route's work)."""

    def seen(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            conn.info["poisoned"] = True

    def commit(conn: Connection) -> None:
        if conn.info.pop("poisoned", False):
            raise RuntimeError("injected: the commit failed")

    event.listen(target, "after_cursor_execute", seen)
    event.listen(target, "commit", commit)
    try:
        yield
    finally:
        event.remove(target, "after_cursor_execute", seen)
        event.remove(target, "commit", commit)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(make_settings(tmp_path / "data")) as harness:
        yield harness


async def test_a_failed_commit_is_a_5xx_and_stores_nothing(api: Harness) -> None:
    with commits_fail_after_insert_into("projects", api.services.engine.sync_engine):
        r = await api.client.post("/api/admin/projects", json={"name": "doomed"})
    assert_error_body(r, 500, "internal_error")
    assert "injected" not in r.text
    listed = await api.client.get("/api/admin/projects")
    assert "doomed" not in [p["name"] for p in listed.json()["items"]]
    # Nothing half-stored: the same name can be created now.
    assert (await api.client.post("/api/admin/projects", json={"name": "doomed"})).status_code == 201


async def test_a_failed_commit_of_a_task_leaves_no_task(api: Harness) -> None:
    folder = api.folder()
    write(folder, {"a.md": "# A\n\nAlpha."})
    with commits_fail_after_insert_into("ingestion_tasks", api.services.engine.sync_engine):
        r = await api.client.post("/api/ingest/folder", json={"path": str(folder)})
    assert_error_body(r, 500, "internal_error")
    tasks = (await api.client.get("/api/ingest/tasks")).json()
    assert tasks["items"] == [] and tasks["total"] == 0


def test_a_cli_command_whose_commit_fails_exits_non_zero_and_stores_nothing(tmp_path: Path) -> None:
    env = {"PAM_DATA_DIR": str(tmp_path / "data"), "PAM_LOG_LEVEL": "warning"}
    runner = CliRunner()
    with commits_fail_after_insert_into("projects", Engine):
        failed = runner.invoke(cli, ["projects", "add", "doomed"], env=env)
    assert failed.exit_code != 0
    listed = runner.invoke(cli, ["projects", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "doomed" not in listed.output
    assert runner.invoke(cli, ["projects", "add", "doomed"], env=env).exit_code == 0


@pytest.mark.timeout(300)
def test_a_create_then_read_at_once_never_misses_its_own_write_on_a_real_server(tmp_path: Path) -> None:
    async def create_then_read(client: httpx.AsyncClient, gate: asyncio.Semaphore) -> str | None:
        name = f"p-{uuid.uuid4().hex[:12]}"
        async with gate:
            created = await client.post("/api/admin/projects", json={"name": name})
            if created.status_code != 201:
                return f"create {created.status_code}"
            seen = await client.get("/api/projects")
            if name not in [p["name"] for p in seen.json()["items"]]:
                return f"{name} missing right after its 201"
        return None

    async def run(base: str) -> list[str | None]:
        gate = asyncio.Semaphore(40)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await asyncio.gather(*(create_then_read(client, gate) for _ in range(200)))

    with served(tmp_path) as base:
        outcomes = asyncio.run(run(base))
    misses = [o for o in outcomes if o is not None]
    assert not misses, misses[:5]


async def _login(api: Harness, email: str, *, role: str | None = None, admin: bool = False) -> dict[str, str]:
    roles = {"default": role} if role else None
    await api.services.users.create(email=email, password=PASSWORD, is_admin=admin, roles=roles)  # type: ignore[arg-type]
    r = await api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.timeout(300)
async def test_thirty_concurrent_chats_complete_while_an_ingestion_runs(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", auth="required")  # the default pool and rate limits
    async with start_harness(settings) as api:
        api.client.headers.update(await _login(api, "admin@example.com", admin=True))
        viewer = await _login(api, "viewer@example.com", role="viewer")
        handbook = api.folder("handbook")
        write(handbook, {"metrics.md": "# Metrics\n\nA daily active user did one core action that day."})
        await api.ingest(handbook, project="default")
        bulk = api.folder("bulk")
        write(
            bulk, {f"n{i:03d}.md": f"# Note {i}\n\nThe otter census counted {i} otters." for i in range(120)}
        )
        started = await api.client.post("/api/ingest/folder", json={"path": str(bulk)})
        assert started.status_code == 202, started.text

        async def streamed(i: int) -> str:
            r = await api.client.post(
                "/api/chat/stream", json={"message": f"What is a daily active user? ({i})"}, headers=viewer
            )
            assert r.status_code == 200, r.text
            return parse_sse(r.text)[-1][0]

        async def plain(i: int) -> str:
            r = await api.client.post(
                "/api/chat", json={"message": f"How is a daily active user counted? ({i})"}, headers=viewer
            )
            assert r.status_code == 200, r.text
            return "done" if r.json()["answer"] else "empty"

        ends = await asyncio.wait_for(
            asyncio.gather(*(streamed(i) for i in range(15)), *(plain(i) for i in range(15))), timeout=240
        )
        assert ends == ["done"] * 30
        task = await api.wait(started.json()["id"])
        assert task["status"] == "completed" and task["succeeded"] == 120, task
        conversations = await api.client.get("/api/conversations", params={"limit": 100}, headers=viewer)
        assert conversations.json()["total"] == 30


async def test_an_answer_that_fails_is_stored_as_incomplete_never_bare(tmp_path: Path) -> None:
    with FakeModelServer() as model:
        model.set_script([[HttpError(500)]])
        settings = make_settings(tmp_path / "data", **llm_overrides("openai", model))
        async with start_harness(settings) as api:
            r = await api.client.post("/api/chat/stream", json={"message": "Anything about otters?"})
            events = parse_sse(r.text)
            assert events[-1][0] == "error"
            conversation_id = events[0][1]["conversation_id"]
            detail = (await api.client.get(f"/api/conversations/{conversation_id}")).json()
    roles = [(m["role"], m["status"]) for m in detail["messages"]]
    assert roles == [("user", "complete"), ("assistant", "incomplete")]
    assert detail["messages"][1]["error_code"] == "llm_unavailable"


@pytest.mark.timeout(120)
async def test_a_paused_stream_holds_no_connection_with_a_pool_of_one(tmp_path: Path) -> None:
    with FakeModelServer() as model:
        # The model starts answering, then holds its stream open.
        model.set_script([[Text("Otters hold hands "), Delay(60), Text("while they sleep.")]])
        settings = make_settings(
            tmp_path / "data", db_pool_size=1, db_max_overflow=0, **llm_overrides("openai", model)
        )
        folder = settings.data_dir / "docs"
        write(folder, {"otters.md": "# Otters\n\nSea otters hold hands while they sleep."})
        async with (
            serving_in_loop(create_app(settings)) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as client,
        ):
            task = (await client.post("/api/ingest/folder", json={"path": str(folder)})).json()
            while (await client.get(f"/api/ingest/tasks/{task['id']}")).json()["status"] != "completed":
                await asyncio.sleep(0.1)
            first_token = asyncio.Event()

            async def chat() -> None:
                async with client.stream("POST", "/api/chat/stream", json={"message": "Otters?"}) as r:
                    async for line in r.aiter_lines():
                        if line.startswith("event: token"):
                            first_token.set()

            streaming = asyncio.create_task(chat())
            await asyncio.wait_for(first_token.wait(), timeout=30)
            # While the answer is paused mid-stream, the only connection is free for everyone else.
            search = await asyncio.wait_for(client.post("/api/search", json={"query": "otters"}), timeout=10)
            listing = await asyncio.wait_for(client.get("/api/documents"), timeout=10)
            assert search.status_code == 200, search.text
            assert listing.status_code == 200 and listing.json()["total"] == 1
            assert not streaming.done()
            streaming.cancel()
            await asyncio.gather(streaming, return_exceptions=True)

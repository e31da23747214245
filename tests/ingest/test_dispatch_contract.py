"""The `TaskDispatch` contract, for the server's own runner and for the Redis queue with a worker.

Both must: run a submitted task to `completed`; cancel a task nothing runs yet at once; refuse to
cancel a finished or unknown task; `wait` until the task is final.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.deployments import DEPLOYMENTS, deployment, worker_running

from pam.errors import Conflict, NotFound
from pam.ingest.dispatch import LocalDispatch
from pam.services.container import Services
from pam.services.projects import DEFAULT_PROJECT
from pam.store.models import IngestionTask, Project, Source


@dataclass
class Env:
    services: Services
    root: Path
    mode: str
    stack: AsyncExitStack

    async def new_task(self, files: int = 2) -> uuid.UUID:
        folder = self.root / f"docs-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        for i in range(files):
            (folder / f"n{i}.md").write_text(f"# Note {i}\n\nThe capybara count is {i}.\n")
        # A pending task row that nothing has been handed yet (what a use case commits before it submits).
        async with self.services.sessions.begin() as s:
            project = await s.scalar(select(Project).where(Project.name == DEFAULT_PROJECT))
            assert project is not None
            source = Source(
                project_id=project.id, type="folder", key=str(folder), name=folder.name, config={}
            )
            s.add(source)
            await s.flush()
            task = IngestionTask(
                project_id=project.id,
                source_ref_id=source.id,
                kind="folder",
                params={"path": str(folder), "display": folder.name, "include": [], "exclude": []},
                status="pending",
                created_by="local",
            )
            s.add(task)
        return task.id

    async def start_workers(self) -> None:
        if self.mode == "scaleout":
            await self.stack.enter_async_context(worker_running(self.services.settings))

    async def status(self, task_id: uuid.UUID) -> str:
        async with self.services.sessions() as s:
            task = await s.get(IngestionTask, task_id)
            assert task is not None
            return task.status


@pytest.fixture(params=DEPLOYMENTS)
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    async with AsyncExitStack() as stack:
        # No worker yet: the tests start one when they want tasks to run.
        settings = await stack.enter_async_context(
            deployment(request.param, tmp_path / "data", request, workers=0)
        )
        services = await Services.start(settings)
        stack.push_async_callback(services.close)
        yield Env(services, settings.data_dir, request.param, stack)


async def test_a_submitted_task_runs_to_completed(env: Env) -> None:
    await env.start_workers()
    task_id = await env.new_task(files=3)

    await env.services.tasks.submit(task_id)
    await asyncio.wait_for(env.services.tasks.wait(task_id), timeout=120)

    assert await env.status(task_id) == "completed"


async def test_a_task_nothing_runs_yet_is_cancelled_at_once(env: Env) -> None:
    task_id = await env.new_task()

    cancelled = await env.services.tasks.cancel(task_id)

    assert cancelled.status == "cancelled" and cancelled.cancel_requested
    assert await env.status(task_id) == "cancelled"
    # Submitted afterwards (a late queue delivery): it stays cancelled.
    await env.start_workers()
    await env.services.tasks.submit(task_id)
    await asyncio.wait_for(env.services.tasks.wait(task_id), timeout=60)
    assert await env.status(task_id) == "cancelled"


async def test_finished_and_unknown_tasks_cannot_be_cancelled(env: Env) -> None:
    await env.start_workers()
    task_id = await env.new_task()
    await env.services.tasks.submit(task_id)
    await asyncio.wait_for(env.services.tasks.wait(task_id), timeout=120)

    with pytest.raises(Conflict):
        await env.services.tasks.cancel(task_id)
    with pytest.raises(NotFound):
        await env.services.tasks.cancel(uuid.uuid4())


async def test_health_reports_the_queue_only_when_there_is_one(env: Env) -> None:
    status = await env.services.tasks.health()

    if isinstance(env.services.tasks, LocalDispatch):
        assert status is None
    else:
        assert status is not None and status.status == "ok" and "queued" in (status.detail or "")

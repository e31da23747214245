"""Where a new ingestion task goes: the server's own runner, or the shared queue that workers take from.

Routes, the CLI and the seed loader only `submit`, `cancel` and `wait`; which side runs the task is
the settings' choice (PAM_TASK_QUEUE), made once in `Services.start`.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from pam.health import ComponentStatus
from pam.ingest.tasks import TaskRunner
from pam.store.models import IngestionTask


class TaskDispatch(Protocol):
    async def submit(self, task_id: uuid.UUID) -> None:
        """Hand a committed `pending` task over to be run. Never raises for an unavailable queue:
        the task row is durable and is picked up once the queue is back."""
        ...

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask: ...

    async def wait(self, task_id: uuid.UUID) -> None:
        """Until the task has a final status."""
        ...

    async def health(self) -> ComponentStatus | None:
        """The queue's own status, or None when there is no separate queue."""
        ...

    async def queued(self) -> int | None:
        """Jobs waiting in the separate queue; None when there is none (or it does not answer)."""
        ...

    async def close(self) -> None: ...


class LocalDispatch:
    """The embedded default: tasks run in this process, tasks a dead process left are resumed at start."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner

    async def submit(self, task_id: uuid.UUID) -> None:
        self.runner.start(task_id)

    async def cancel(self, task_id: uuid.UUID) -> IngestionTask:
        return await self.runner.cancel(task_id)

    async def wait(self, task_id: uuid.UUID) -> None:
        await self.runner.wait(task_id)

    async def health(self) -> ComponentStatus | None:
        return None

    async def queued(self) -> int | None:
        return None

    async def close(self) -> None:
        await self.runner.close()

"""Schedules parse strictly, stay aligned, and a due period is claimed by exactly one scheduler."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pam.errors import InvalidInput
from pam.services.scheduler import SourceScheduler
from pam.services.schedules import parse_schedule
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema
from pam.store.models import IngestionTask, Project, Source

T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("every 2h", T0 + timedelta(minutes=1), T0 + timedelta(hours=2)),
        ("@every 90s", T0 + timedelta(seconds=200), T0 + timedelta(seconds=270)),
        ("every 1h30m", T0 + timedelta(hours=1, minutes=30), T0 + timedelta(hours=3)),
        ("*/30 * * * *", T0 + timedelta(minutes=1), T0 + timedelta(minutes=30)),
        ("@daily", T0, datetime(2026, 12, 2, tzinfo=UTC)),
        ("0 9 * * 1", T0, datetime(2026, 12, 7, 9, tzinfo=UTC)),
    ],
)
def test_the_next_time_is_the_first_scheduled_moment_after(
    expression: str, after: datetime, expected: datetime
) -> None:
    assert parse_schedule(expression, min_interval_s=60, anchor=T0).next_after(after) == expected


def test_a_server_down_for_several_periods_runs_one_sync_not_a_burst() -> None:
    schedule = parse_schedule("every 10m", min_interval_s=60, anchor=T0)
    assert schedule.next_after(T0 + timedelta(hours=5, minutes=1)) == T0 + timedelta(hours=5, minutes=10)


@pytest.mark.parametrize(
    "expression",
    ["", "every", "every 0s", "sometimes", "* * * *", "61 * * * *", "every 5x", "every 30s", "rm -rf /"],
)
def test_bad_or_too_frequent_schedules_are_refused(expression: str) -> None:
    with pytest.raises(InvalidInput):
        parse_schedule(expression, min_interval_s=60, anchor=T0)


async def test_a_due_period_is_claimed_by_exactly_one_of_many_schedulers(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pam.db'}"
    engine = create_engine(url)
    await ensure_schema(engine, url, auto_upgrade=True)
    sessions = create_session_factory(engine)
    due = datetime.now(UTC) - timedelta(seconds=1)
    async with sessions.begin() as s:
        project = Project(name="p")
        s.add(project)
        await s.flush()
        for i in range(5):
            s.add(
                Source(
                    project_id=project.id,
                    type="website",
                    name=f"site{i}",
                    key=f"https://example.com/{i}",
                    config={"start_url": f"https://example.com/{i}"},
                    schedule="every 1h",
                    next_sync_at=due,
                )
            )

    submitted: list[uuid.UUID] = []

    class Recorder:
        async def submit(self, task_id: uuid.UUID) -> None:
            submitted.append(task_id)

    schedulers = [SourceScheduler(sessions, Recorder(), tick_s=1) for _ in range(6)]  # type: ignore[arg-type]
    try:
        started = await asyncio.gather(*(s.run_due() for s in schedulers))
        again = await asyncio.gather(*(s.run_due() for s in schedulers))
        async with sessions() as s:
            tasks = list(await s.scalars(select(IngestionTask)))
            nexts = set(await s.scalars(select(Source.next_sync_at)))
    finally:
        await engine.dispose()
    assert sum(len(ids) for ids in started) == 5 and len(set(submitted)) == 5
    assert all(ids == [] for ids in again), "nothing is due any more"
    assert len(tasks) == 5
    assert nexts and all(n is not None and n > due for n in nexts)

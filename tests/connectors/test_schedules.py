"""Schedules parse strictly, stay aligned, and a due period is claimed by exactly one scheduler."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from croniter import croniter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from pam.errors import InvalidInput
from pam.services.scheduler import SourceScheduler
from pam.services.schedules import MAX_SCHEDULE_CHARS, SCHEDULE, parse_schedule
from pam.store.db import create_engine, create_session_factory
from pam.store.migrate import ensure_schema
from pam.store.models import IngestionTask, Project, Source
from pam.text_patterns import matches

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
    schedule = parse_schedule(expression, anchor=T0)
    assert schedule is not None and schedule.next_after(after) == expected


def test_a_server_down_for_several_periods_runs_one_sync_not_a_burst() -> None:
    schedule = parse_schedule("every 10m", anchor=T0)
    assert schedule is not None and schedule.next_after(T0 + timedelta(hours=5, minutes=1)) == T0 + timedelta(
        hours=5, minutes=10
    )


@pytest.mark.parametrize(
    "expression",
    [
        *("every", "every 0s", "every 0h 00m", "sometimes", "every 5x", "every 123456s", "@every 1s\x00"),
        *("* * * *", "61 * * * *", "*/0 * * * *", "* * * * * *", "0 0 ? * *", "rm -rf /"),
    ],
)
def test_bad_schedules_are_refused(expression: str) -> None:
    with pytest.raises(InvalidInput):
        parse_schedule(expression, anchor=T0)
    assert not matches(SCHEDULE, expression), "the schema refuses it too"


@pytest.mark.parametrize("expression", ["", "   ", "\u3000\t"])
def test_a_blank_schedule_is_none(expression: str) -> None:
    assert matches(SCHEDULE, expression) and parse_schedule(expression, anchor=T0) is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(SCHEDULE, fullmatch=True))
def test_every_schedule_the_schema_accepts_parses_and_has_a_next_time_or_none(expression: str) -> None:
    """The grammar the API schema states is never wider than what croniter and the dates can do."""
    assume(len(expression) <= MAX_SCHEDULE_CHARS)
    schedule = parse_schedule(expression, anchor=T0)
    if schedule is None:
        assert not expression.strip()
        return
    if schedule.interval_s is None:
        assert croniter.is_valid(schedule.expression)
    else:
        assert schedule.interval_s > 0
    following = schedule.next_after(T0)
    assert following is None or following > T0


def test_a_date_no_calendar_has_never_comes() -> None:
    schedule = parse_schedule("0 0 31 2 *", anchor=T0)
    assert schedule is not None and schedule.next_after(T0) is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("every 1s", T0 + timedelta(seconds=60)),  # slowed to the minimum spacing, still on its grid
        ("every 45s", T0 + timedelta(seconds=90)),
        ("* * * * *", T0 + timedelta(minutes=2)),  # every minute, at most every 90 s: every other minute
        ("every 2h", T0 + timedelta(hours=2)),  # slower than the minimum: unchanged
    ],
)
def test_the_scheduler_keeps_scheduled_syncs_the_minimum_apart(expression: str, expected: datetime) -> None:
    schedule = parse_schedule(expression, anchor=T0)
    assert schedule is not None
    minimum = 60 if expression == "every 1s" else 90
    assert schedule.earliest_after(T0, T0 + timedelta(seconds=1), minimum) == expected


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

"""Sync schedules: an interval (`every 2h`, `every 90s`) or a cron expression (`*/30 * * * *`, `@daily`).

Times are UTC. `next_after(t)` is the first scheduled moment strictly after `t`: an interval counts
from its anchor (when the schedule was set), so periods stay aligned however late a tick runs, and
a server that was down for several periods runs one sync, not a burst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

from pam.errors import InvalidInput

_INTERVAL = re.compile(r"^@?every\s+((?:\d+\s*[smhd]\s*)+)$", re.IGNORECASE)
_PART = re.compile(r"(\d+)\s*([smhd])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ALIASES = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight")


@dataclass(frozen=True, slots=True)
class Schedule:
    expression: str
    interval_s: int | None  # set for intervals; cron expressions compute their next time
    anchor: datetime

    def next_after(self, moment: datetime) -> datetime:
        if self.interval_s is not None:
            elapsed = (moment - self.anchor).total_seconds()
            periods = int(elapsed // self.interval_s) + 1 if elapsed >= 0 else 0
            return self.anchor + timedelta(seconds=periods * self.interval_s)
        found: datetime = croniter(self.expression, moment.astimezone(UTC)).get_next(datetime)
        return found.astimezone(UTC)


def parse_schedule(expression: str, *, min_interval_s: int, anchor: datetime) -> Schedule:
    text = " ".join(expression.strip().split())
    if not text:
        raise InvalidInput("the schedule is empty")
    interval = _INTERVAL.match(text)
    if interval is not None:
        seconds = sum(int(n) * _UNIT[u.lower()] for n, u in _PART.findall(interval.group(1)))
        _check_spacing(seconds, min_interval_s)
        return Schedule(text.lower().lstrip("@"), seconds, anchor.astimezone(UTC).replace(microsecond=0))
    if text.lower() in _ALIASES or len(text.split(" ")) == 5:
        try:
            valid = croniter.is_valid(text.lower())
        except Exception:
            valid = False
        if valid:
            schedule = Schedule(text.lower(), None, anchor)
            first = schedule.next_after(anchor)
            _check_spacing(int((schedule.next_after(first) - first).total_seconds()), min_interval_s)
            return schedule
    raise InvalidInput(
        "a schedule is an interval such as 'every 30m' or 'every 2h', or a five-field cron expression "
        "such as '*/30 * * * *' or '@daily' (UTC)"
    )


def _check_spacing(seconds: int, min_interval_s: int) -> None:
    if seconds < min_interval_s:
        raise InvalidInput(f"a schedule may not run more often than every {min_interval_s} s")

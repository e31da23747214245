"""Sync schedules: an interval (`every 2h`, `every 90s`) or a cron expression (`*/30 * * * *`, `@daily`).

`SCHEDULE` is the whole grammar as one regular expression: the API schema states it and
`parse_schedule` checks it first, so a schedule the schema accepts always parses (and croniter
accepts every cron expression it describes). Times are UTC. `next_after(t)` is the first scheduled
moment strictly after `t`: an interval counts from its anchor (when the schedule was set), so
periods stay aligned however late a tick runs, and a server that was down for several periods runs
one sync, not a burst. How often a source may sync is the scheduler's rule, not the grammar's: it
never starts a source's syncs closer together than PAM_SCHEDULE_MIN_INTERVAL_S (`earliest_after`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

from pam.errors import InvalidInput
from pam.text_patterns import WHITESPACE, matches

_PART = re.compile(r"([0-9]+)\s*([smhd])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_ALIASES = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MAX_SCHEDULE_CHARS = 100


def _anycase(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else re.escape(c) for c in word)


def _cron_field(value: str) -> str:
    """A list of `*`, values and ranges of `value`, each with an optional `/step`."""
    step = "(?:/[1-9][0-9]?)?"
    item = f"(?:\\*|(?:{value})(?:-(?:{value}))?){step}"
    return f"{item}(?:,{item})*"


_W = f"[{WHITESPACE}]"
# An interval: parts such as `1h 30m` (at most five digits each, so no sum overflows a date),
# not all of them zero.
_NUMBER = "0*[0-9]{1,5}"
_NON_ZERO = "0*[1-9][0-9]{0,4}"
_UNIT_LETTER = "[sSmMhHdD]"
_INTERVAL = (
    f"@?{_anycase('every')}{_W}+"
    f"(?:0+{_W}*{_UNIT_LETTER}{_W}*)*{_NON_ZERO}{_W}*{_UNIT_LETTER}(?:{_W}*{_NUMBER}{_W}*{_UNIT_LETTER})*"
)
_CRON = f"{_W}+".join(
    _cron_field(value)
    for value in (
        "[0-5]?[0-9]",  # minute
        "[01]?[0-9]|2[0-3]",  # hour
        "0?[1-9]|[12][0-9]|3[01]",  # day of the month
        "0?[1-9]|1[0-2]|" + "|".join(_anycase(m) for m in _MONTHS),  # month
        "[0-7]|" + "|".join(_anycase(d) for d in _DAYS),  # day of the week (0 and 7 are Sunday)
    )
)
_ALIAS = "|".join(_anycase(a) for a in _ALIASES)
# Blank means "no schedule" (it removes one).
SCHEDULE = f"^{_W}*(?:(?:{_INTERVAL}|{_CRON}|{_ALIAS}){_W}*)?$"
SCHEDULE_HELP = (
    "an interval such as 'every 30m' or 'every 2h', or a five-field cron expression such as "
    "'*/30 * * * *' or '@daily' (UTC); blank for none"
)


@dataclass(frozen=True, slots=True)
class Schedule:
    expression: str
    interval_s: int | None  # set for intervals; cron expressions compute their next time
    anchor: datetime

    def next_after(self, moment: datetime) -> datetime | None:
        """The first scheduled moment after `moment`; None for a date no calendar has (`0 0 31 2 *`)."""
        if self.interval_s is not None:
            elapsed = (moment - self.anchor).total_seconds()
            periods = int(elapsed // self.interval_s) + 1 if elapsed >= 0 else 0
            return self.anchor + timedelta(seconds=periods * self.interval_s)
        try:
            found: datetime = croniter(self.expression, moment.astimezone(UTC)).get_next(datetime)
        except CroniterBadDateError:
            return None
        return found.astimezone(UTC)

    def earliest_after(self, previous: datetime, now: datetime, min_interval_s: int) -> datetime | None:
        """The next moment after `now` that is at least `min_interval_s` after `previous`: a schedule
        that asks for more runs than that gets the scheduled moments that keep the spacing."""
        spaced = previous + timedelta(seconds=min_interval_s) - timedelta(microseconds=1)
        return self.next_after(max(now, spaced))


def parse_schedule(expression: str, *, anchor: datetime) -> Schedule | None:
    """The schedule `expression` describes (None when it is blank); `InvalidInput` outside `SCHEDULE`."""
    if len(expression) > MAX_SCHEDULE_CHARS or not matches(SCHEDULE, expression):
        raise InvalidInput(f"a schedule is {SCHEDULE_HELP}")
    text = " ".join(expression.split()).lower()
    if not text:
        return None
    if text.lstrip("@").startswith("every"):
        seconds = sum(int(n) * _UNIT[u] for n, u in _PART.findall(text))
        return Schedule(text.lstrip("@"), seconds, anchor.astimezone(UTC).replace(microsecond=0))
    return Schedule(text, None, anchor)

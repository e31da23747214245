"""In-process sliding-window log: exact counts, memory bounded by `max_keys` x the largest limit."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pam.errors import RateLimited
from pam.services.auth.ratelimit import Action, Limit


@dataclass
class SlidingWindowLimiter:
    limits: Mapping[Action, Limit]
    clock: Callable[[], float] = time.monotonic
    # Beyond this many tracked keys the least recently seen are forgotten, so a flood of
    # distinct addresses cannot grow memory without bound.
    max_keys: int = 100_000
    _events: OrderedDict[tuple[Action, str], deque[float]] = field(default_factory=OrderedDict, init=False)

    async def hit(self, action: Action, key: str) -> None:
        limit = self.limits.get(action)
        if limit is None or limit.events <= 0:
            return
        now = self.clock()
        slot = (action, key)
        events = self._events.get(slot)
        if events is None:
            events = deque()
            self._events[slot] = events
        else:
            self._events.move_to_end(slot)
        while events and events[0] <= now - limit.window_s:
            events.popleft()
        if len(events) >= limit.events:
            retry_after = max(1, math.ceil(events[0] + limit.window_s - now))
            raise RateLimited(
                f"too many {action} requests; retry in {retry_after} s", retry_after=retry_after
            )
        events.append(now)
        while len(self._events) > self.max_keys:
            self._events.popitem(last=False)

    async def reset(self, action: Action, key: str) -> None:
        self._events.pop((action, key), None)

    def tracked_keys(self) -> int:
        return len(self._events)

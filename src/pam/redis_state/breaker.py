"""A circuit breaker for one Redis connection: after a failure, skip Redis for a few seconds.

Without it a down (or black-holed) Redis would add a timeout to every request. While open, one
caller per window is let through as a trial; its success closes the breaker. Each outage is logged
once when it starts and once when it ends, with the error's type only: redis-py messages name the
host and port, and nothing about the server's address belongs in the logs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger("pam.redis")


@dataclass
class CircuitBreaker:
    open_for_s: float = 3.0
    clock: Callable[[], float] = time.monotonic
    # None while closed; else the moment the next trial may go through.
    _retry_at: float | None = field(default=None, init=False)
    _opened_at: float = field(default=0.0, init=False)

    @property
    def is_open(self) -> bool:
        return self._retry_at is not None

    def allows(self) -> bool:
        """May a call go to Redis now? While open, the first caller after each window is the trial."""
        if self._retry_at is None:
            return True
        now = self.clock()
        if now < self._retry_at:
            return False
        # Push the window before the trial runs, so concurrent callers keep skipping meanwhile.
        self._retry_at = now + self.open_for_s
        return True

    def failed(self, error: BaseException, *, where: str) -> None:
        now = self.clock()
        if self._retry_at is None:
            self._opened_at = now
            log.warning(
                "redis_unavailable", where=where, error=type(error).__name__, skip_for_s=self.open_for_s
            )
        self._retry_at = now + self.open_for_s

    def succeeded(self) -> None:
        if self._retry_at is not None:
            log.info("redis_recovered", down_for_s=round(self.clock() - self._opened_at, 2))
            self._retry_at = None

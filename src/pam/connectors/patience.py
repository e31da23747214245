"""How a connector waits: backing off from server errors, sitting out rate limits, pacing requests.

Every wait can be cut short: `stop` is set when the task is cancelled or the process stops, and
the wait then raises `Stopped` (the task ends as cancelled, or is resumed by the next process).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import structlog

from pam.ingest.sources.base import FetchError

log = structlog.get_logger("pam.connectors")


class Stopped(FetchError):
    code = "stopped"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6  # tries of one request against server errors before it counts as failed
    base_s: float = 1.0  # first back-off; doubled each time, capped at `cap_s`
    cap_s: float = 60.0
    longest_rate_wait_s: float = 3600.0  # a reset further away than this is waited in steps of it

    def backoff(self, attempt: int) -> float:
        return float(min(self.cap_s, self.base_s * (2**attempt)))


class Patience:
    def __init__(self, stop: threading.Event, policy: RetryPolicy, *, min_interval_s: float = 0.0) -> None:
        self.stop = stop
        self.policy = policy
        self.min_interval_s = min_interval_s
        self._next_at = 0.0
        self._lock = threading.Lock()
        self.waited_s = 0.0  # rate-limit waits so far (for the benchmark and the logs)

    def sleep(self, seconds: float) -> None:
        if seconds > 0 and self.stop.wait(seconds):
            raise Stopped("the sync was stopped")
        if self.stop.is_set():
            raise Stopped("the sync was stopped")

    def pace(self) -> None:
        """At most one request per `min_interval_s` (a website's request-rate limit), across threads."""
        if self.min_interval_s <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at)
            self._next_at = start + self.min_interval_s
        self.sleep(start - now)

    def rate_limited(self, seconds: float, *, where: str) -> None:
        wait = max(0.0, min(seconds, self.policy.longest_rate_wait_s))
        log.warning("source_rate_limited", where=where, wait_s=round(wait, 1))
        self.waited_s += wait
        self.sleep(wait)

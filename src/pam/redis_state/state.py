"""`RedisState`: the one Redis client of a process and what is built on it.

Opened once by whoever builds the process's services (`None` when PAM_REDIS_URL is unset, which
leaves every in-process default in place) and closed once. The cache, the rate limiter and the
health probe share the client and its circuit breaker, so one outage is noticed, logged and
skipped once for all of them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from redis.exceptions import RedisError

from pam.health import ComponentStatus
from pam.redis_state.breaker import CircuitBreaker
from pam.redis_state.client import DEFAULT_TIMEOUT_S, Guard, connect
from pam.redis_state.health import redis_health
from pam.redis_state.search_cache import DEFAULT_NAMESPACE as CACHE_NAMESPACE
from pam.redis_state.search_cache import DEFAULT_TTL_S, RedisSearchCache
from pam.settings import Settings

DEFAULT_BREAKER_S = 3.0


@dataclass
class RedisState:
    guard: Guard

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        breaker_s: float = DEFAULT_BREAKER_S,
    ) -> RedisState | None:
        """The shared state for `settings.redis_url`, or None without one. Connects lazily: a Redis
        that is down at start-up degrades the process instead of stopping it."""
        if settings.redis_url is None:
            return None
        return cls.from_url(settings.redis_url.get_secret_value(), timeout_s=timeout_s, breaker_s=breaker_s)

    @classmethod
    def from_url(
        cls, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, breaker_s: float = DEFAULT_BREAKER_S
    ) -> RedisState:
        return cls(Guard(connect(url, timeout_s=timeout_s), CircuitBreaker(open_for_s=breaker_s)))

    def search_cache(
        self, ttl_s: float = DEFAULT_TTL_S, *, namespace: str = CACHE_NAMESPACE
    ) -> RedisSearchCache:
        """`namespace` keeps deployments (or embedding models) that share one Redis apart."""
        return RedisSearchCache(self.guard, ttl_s=ttl_s, namespace=namespace)

    async def health(self) -> ComponentStatus:
        return await redis_health(self.guard)

    async def close(self) -> None:
        # Closing the connections to a Redis that is gone has nothing left to release.
        with contextlib.suppress(RedisError, OSError):
            await self.guard.client.aclose()

"""`RedisRateLimiter`: the sliding-window limits of `SlidingWindowLimiter`, shared by every process.

One sorted set per (action, key) holds the accepted events' times; one Lua script drops the
events that left the window, counts, and either refuses (reporting when the oldest event leaves)
or adds the new event and renews the expiry, atomically. Times come from Redis's clock, so the
processes' clocks need not agree. When Redis cannot answer, the in-process limiter takes over:
limits then hold per process, which is weaker but never "unlimited" and never an error.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping

import structlog
from redis.commands.core import AsyncScript

from pam.errors import RateLimited
from pam.redis_state.client import Guard, RedisUnavailable
from pam.services.auth.memory_ratelimit import SlidingWindowLimiter
from pam.services.auth.ratelimit import Action, Limit

log = structlog.get_logger("pam.redis")
DEFAULT_NAMESPACE = "pam:ratelimit:v1"

# KEYS[1]: the set. ARGV: window (µs), limit, a unique member. Returns {accepted, µs until a slot frees}.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
return {1, 0}
"""


class RedisRateLimiter:
    def __init__(
        self,
        guard: Guard,
        limits: Mapping[Action, Limit],
        *,
        fallback: SlidingWindowLimiter | None = None,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        self.guard = guard
        self.limits = dict(limits)
        self.fallback = fallback or SlidingWindowLimiter(self.limits)
        self.namespace = namespace
        self._script: AsyncScript = guard.client.register_script(_HIT)
        self._falling_back = False

    def redis_key(self, action: Action, key: str) -> str:
        # Hashed: keys hold emails and addresses, and a hostile one may be huge.
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self.namespace}:{action}:{digest}"

    async def hit(self, action: Action, key: str) -> None:
        limit = self.limits.get(action)
        if limit is None or limit.events <= 0:
            return
        name = self.redis_key(action, key)
        window_us = max(1, round(limit.window_s * 1_000_000))
        try:
            reply = await self.guard.run(
                "rate_limit",
                lambda r: self._script(
                    keys=[name], args=[window_us, limit.events, uuid.uuid4().hex], client=r
                ),
            )
        except RedisUnavailable:
            self._fall_back()
            await self.fallback.hit(action, key)
            return
        self._back_on_redis()
        accepted, wait_us = int(reply[0]), int(reply[1])
        if not accepted:
            retry_after = max(1, math.ceil(wait_us / 1_000_000))
            raise RateLimited(
                f"too many {action} requests; retry in {retry_after} s", retry_after=retry_after
            )

    async def reset(self, action: Action, key: str) -> None:
        await self.fallback.reset(action, key)
        name = self.redis_key(action, key)
        try:
            await self.guard.run("rate_limit.reset", lambda r: r.delete(name))
        except RedisUnavailable:
            self._fall_back()

    def _fall_back(self) -> None:
        if not self._falling_back:
            self._falling_back = True
            log.warning("rate_limits_in_process", reason="redis unavailable")

    def _back_on_redis(self) -> None:
        if self._falling_back:
            self._falling_back = False
            log.info("rate_limits_shared")

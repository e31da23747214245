"""The `redis` health component: ok with the round-trip time, or degraded (never required).

Without Redis the processes keep working (in-process cache and rate limits), so its absence
degrades rather than fails; the detail is a fixed phrase that names no address or password.
"""

from __future__ import annotations

import inspect
import time

from redis.asyncio import Redis

from pam.health import ComponentStatus
from pam.redis_state.client import Guard, RedisUnavailable

UNREACHABLE = "redis unreachable: using the in-process search cache and rate limits"


async def redis_health(guard: Guard) -> ComponentStatus:
    started = time.perf_counter()
    try:
        # Forced: asked even while the breaker skips Redis; a success closes the breaker early.
        await guard.run("health", _ping, force=True)
    except RedisUnavailable:
        return ComponentStatus(status="degraded", detail=UNREACHABLE, required=False)
    return ComponentStatus(
        status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2), required=False
    )


async def _ping(client: Redis) -> object:
    # redis-py types `ping` for its sync and async clients at once; the async client's is awaitable.
    reply = client.ping()
    return await reply if inspect.isawaitable(reply) else reply

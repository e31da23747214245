"""What only the Redis limiter does: counts shared across processes, expiry, the in-process fallback
while Redis is down, and sharing again once it is back."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest
import redis.asyncio

from pam.errors import RateLimited
from pam.redis_state import RedisState
from pam.services.auth.ratelimit import Action, Limit, RateLimiter
from pam.services.auth.redis_ratelimit import RedisRateLimiter
from tests.redis_state.conftest import BREAKER_S, redis_stopped
from tests.servers import RedisServer

LIMITS = {"search": Limit(3, 60.0)}


async def _refused(limiter: RateLimiter, key: str = "user:1") -> bool:
    try:
        await limiter.hit("search", key)
    except RateLimited:
        return True
    return False


async def test_two_processes_share_the_counts(redis_url: str) -> None:
    first, second = RedisState.from_url(redis_url), RedisState.from_url(redis_url)
    try:
        a, b = RedisRateLimiter(first.guard, LIMITS), RedisRateLimiter(second.guard, LIMITS)
        await a.hit("search", "user:1")
        await b.hit("search", "user:1")
        await a.hit("search", "user:1")
        assert await _refused(b) and await _refused(a)
        await b.reset("search", "user:1")
        assert not await _refused(a)
    finally:
        await first.close()
        await second.close()


async def test_the_set_expires_and_names_no_email(state: RedisState, redis_url: str) -> None:
    limiter = RedisRateLimiter(state.guard, {"login": Limit(5, 300.0)})
    await limiter.hit("login", "email:alice@example.com")
    raw = redis.asyncio.Redis.from_url(redis_url)
    try:
        (key,) = await raw.keys("*")
        assert b"alice" not in key and key.startswith(b"pam:ratelimit:v1:login:")
        assert 300_000 < await raw.pttl(key) <= 301_000
        assert await raw.zcard(key) == 1
    finally:
        await raw.aclose()


async def test_redis_down_falls_back_to_per_process_limits(
    state: RedisState, redis_server: RedisServer, log_stream: io.StringIO
) -> None:
    limiter = RedisRateLimiter(state.guard, LIMITS)
    await limiter.hit("search", "user:1")
    with redis_stopped(redis_server):
        started = time.perf_counter()
        for _ in range(3):
            await limiter.hit("search", "user:1")  # the fallback starts from nothing
        assert await _refused(limiter)
        assert await _refused(limiter)
        assert not await _refused(limiter, "user:2")
        assert time.perf_counter() - started < 1.0
    events = [json.loads(line)["event"] for line in log_stream.getvalue().splitlines()]
    assert events.count("rate_limits_in_process") == 1
    assert events.count("redis_unavailable") == 1


async def test_after_a_restart_the_counts_are_shared_again(redis_url: str, redis_server: RedisServer) -> None:
    first = RedisState.from_url(redis_url, breaker_s=BREAKER_S)
    second = RedisState.from_url(redis_url, breaker_s=BREAKER_S)
    try:
        a, b = RedisRateLimiter(first.guard, LIMITS), RedisRateLimiter(second.guard, LIMITS)
        with redis_stopped(redis_server):
            for _ in range(3):
                await a.hit("search", "user:1")
            assert await _refused(a)
            assert not await _refused(b)  # apart while Redis is down: per process
        await asyncio.sleep(BREAKER_S * 1.5)
        # The restarted Redis is empty: three hits across both processes fill the window.
        await a.hit("search", "user:1")
        await b.hit("search", "user:1")
        await a.hit("search", "user:1")
        assert await _refused(b)
        assert await _refused(a)
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("action", ["search", "chat"])
async def test_a_down_redis_never_lets_unlimited_through(redis_server: RedisServer, action: Action) -> None:
    state = RedisState.from_url(redis_server.url, breaker_s=BREAKER_S)
    limiter = RedisRateLimiter(state.guard, {"search": Limit(2, 60.0), "chat": Limit(2, 60.0)})
    try:
        with redis_stopped(redis_server):
            outcomes = []
            for _ in range(10):
                try:
                    await limiter.hit(action, "user:9")
                    outcomes.append(True)
                except RateLimited as refused:
                    assert refused.retry_after == 60
                    outcomes.append(False)
                await asyncio.sleep(BREAKER_S / 4)  # some calls are breaker trials, some skipped
        assert sum(outcomes) == 2
    finally:
        await state.close()

"""The Redis search cache: shared between cache objects, keyed by generation, expiring, and harmless
when Redis is down (a miss, fast) or comes back (used again)."""

from __future__ import annotations

import asyncio
import io
import json
import time

import redis.asyncio

from pam.redis_state import RedisSearchCache, RedisState
from tests.redis_state.conftest import BREAKER_S, redis_stopped
from tests.redis_state.results import a_key, a_result
from tests.servers import RedisServer


async def test_a_result_round_trips_through_redis(state: RedisState) -> None:
    cache = state.search_cache()
    result = a_result()
    assert await cache.get(a_key()) is None
    await cache.put(a_key(), result)
    assert await cache.get(a_key()) == result
    assert (cache.hits, cache.misses) == (1, 1)


async def test_two_cache_objects_share_entries(redis_url: str) -> None:
    first, second = RedisState.from_url(redis_url), RedisState.from_url(redis_url)
    result = a_result()
    try:
        await first.search_cache().put(a_key(), result)
        assert await second.search_cache().get(a_key()) == result
    finally:
        await first.close()
        await second.close()


async def test_a_new_generation_misses(state: RedisState) -> None:
    cache = state.search_cache()
    await cache.put(a_key(generation=7), a_result(generation=7))
    assert await cache.get(a_key(generation=8)) is None
    assert await cache.get(a_key(generation=7)) is not None


async def test_entries_expire_and_nothing_is_deleted(state: RedisState, redis_url: str) -> None:
    cache = state.search_cache(ttl_s=600)
    await cache.put(a_key(), a_result())
    await cache.put(a_key(generation=8), a_result(generation=8))
    raw = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys = sorted(await raw.keys("*"))
        assert len(keys) == 2 and all(k.startswith(b"pam:search:v1:") for k in keys)
        for key in keys:
            assert 590_000 < await raw.pttl(key) <= 600_000
    finally:
        await raw.aclose()


async def test_a_short_ttl_really_expires(state: RedisState) -> None:
    cache = state.search_cache(ttl_s=0.05)
    await cache.put(a_key(), a_result())
    await asyncio.sleep(0.15)
    assert await cache.get(a_key()) is None


async def test_a_damaged_entry_is_a_miss(state: RedisState, redis_url: str) -> None:
    cache = state.search_cache()
    raw = redis.asyncio.Redis.from_url(redis_url)
    try:
        await raw.set(cache.redis_key(a_key()), b'{"format": 1, "hits": "garbage"}')
    finally:
        await raw.aclose()
    assert await cache.get(a_key()) is None
    assert cache.misses == 1


async def test_redis_down_is_a_fast_miss_and_put_does_not_raise(
    state: RedisState, redis_server: RedisServer
) -> None:
    cache = state.search_cache()
    await cache.put(a_key(), a_result())
    with redis_stopped(redis_server):
        started = time.perf_counter()
        for _ in range(20):
            assert await cache.get(a_key()) is None
            await cache.put(a_key(), a_result())
        assert time.perf_counter() - started < 1.0
    assert cache.misses == 20


async def test_after_a_restart_the_cache_works_again(state: RedisState, redis_server: RedisServer) -> None:
    cache = state.search_cache()
    await cache.put(a_key(), a_result())
    with redis_stopped(redis_server):
        assert await cache.get(a_key()) is None
    # The restarted Redis is empty (no persistence), and the breaker lets a trial through soon.
    await asyncio.sleep(BREAKER_S * 1.5)
    result = a_result()
    await cache.put(a_key(), result)
    assert await cache.get(a_key()) == result


async def test_an_unreachable_redis_with_a_password_never_shows_it(log_stream: io.StringIO) -> None:
    # Port 1 on loopback refuses connections: the same as a Redis that is down.
    state = RedisState.from_url("redis://pam:hunter2-secret@127.0.0.1:1/0", breaker_s=BREAKER_S)
    try:
        cache = state.search_cache()
        for _ in range(5):
            assert await cache.get(a_key()) is None
            await cache.put(a_key(), a_result())
        health = await state.health()
    finally:
        await state.close()
    logged = log_stream.getvalue()
    events = [json.loads(line)["event"] for line in logged.splitlines()]
    assert events.count("redis_unavailable") == 1  # once per outage, not per call
    assert "hunter2" not in logged and "127.0.0.1" not in logged and ":1/" not in logged
    assert health.status == "degraded" and health.required is False
    assert health.detail is not None and "hunter2" not in health.detail and "127.0.0.1" not in health.detail


def test_a_non_positive_ttl_is_refused(redis_url: str) -> None:
    state = RedisState.from_url(redis_url)
    try:
        RedisSearchCache(state.guard, ttl_s=0)
    except ValueError:
        return
    finally:
        asyncio.run(state.close())
    raise AssertionError("a cache without expiry would keep every generation forever")

"""`RedisState`: absent without PAM_REDIS_URL, one client for everything, and a `redis` health component
that is ok with a latency or degraded (never required) when Redis is gone, black-holed or hung."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pam.errors import InvalidInput
from pam.redis_state import RedisState
from pam.redis_state.health import UNREACHABLE
from pam.services.auth.ratelimit import default_limits
from pam.services.auth.redis_ratelimit import RedisRateLimiter
from tests.conftest import make_settings
from tests.redis_state.conftest import redis_stopped
from tests.redis_state.results import a_key, a_result
from tests.servers import RedisServer


def test_without_a_redis_url_there_is_no_state(tmp_path: Path) -> None:
    assert RedisState.open(make_settings(tmp_path)) is None


async def test_opened_from_settings_it_works(tmp_path: Path, redis_url: str) -> None:
    state = RedisState.open(make_settings(tmp_path, redis_url=redis_url))
    assert state is not None
    try:
        health = await state.health()
        assert health.status == "ok" and health.required is False
        assert health.latency_ms is not None and health.latency_ms >= 0
        await RedisRateLimiter(state.guard, default_limits()).hit("search", "user:1")
        cache = state.search_cache(ttl_s=60)
        assert cache.guard is state.guard  # one client and one breaker for everything
    finally:
        await state.close()


@pytest.mark.parametrize(
    "url", ["http://pam:hunter2@example.com/0", "not a url hunter2", "redis://pam:hunter2@127.0.0.1:99999/0"]
)
def test_a_malformed_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        RedisState.from_url(url)
    assert "hunter2" not in str(refused.value)


async def test_health_is_degraded_while_redis_is_down_then_ok(
    state: RedisState, redis_server: RedisServer
) -> None:
    assert (await state.health()).status == "ok"
    with redis_stopped(redis_server):
        down = await state.health()
    assert down.status == "degraded" and down.required is False and down.detail == UNREACHABLE
    assert down.latency_ms is None
    # The probe asks Redis even while the breaker would skip it, and its success closes the breaker.
    assert (await state.health()).status == "ok"
    assert not state.guard.breaker.is_open


async def test_a_hung_redis_costs_one_timeout_per_breaker_window(hung_server: str) -> None:
    state = RedisState.from_url(hung_server, timeout_s=0.25, breaker_s=5.0)
    try:
        cache = state.search_cache()
        started = time.perf_counter()
        for _ in range(20):
            assert await cache.get(a_key()) is None
            await cache.put(a_key(), a_result())
        elapsed = time.perf_counter() - started
        assert 0.2 < elapsed < 1.0
        health_started = time.perf_counter()
        assert (await state.health()).status == "degraded"
        assert time.perf_counter() - health_started < 1.0
    finally:
        await state.close()

"""The `RateLimiter` contract, run against the in-process limiter and the Redis one alike.

Windows are short and the clock is real (Redis keeps its own time), so each test sleeps a little.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping

import pytest

from pam.errors import RateLimited
from pam.redis_state import RedisState
from pam.services.auth.memory_ratelimit import SlidingWindowLimiter
from pam.services.auth.ratelimit import Action, Limit, RateLimiter
from pam.services.auth.redis_ratelimit import RedisRateLimiter

MakeLimiter = Callable[[Mapping[Action, Limit]], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[MakeLimiter]:
    if request.param == "memory":
        yield lambda limits: SlidingWindowLimiter(limits)
        return
    url: str = request.getfixturevalue("redis_url")
    state = RedisState.from_url(url)
    try:
        yield lambda limits: RedisRateLimiter(state.guard, limits)
    finally:
        await state.close()


async def _refusal(limiter: RateLimiter, action: Action, key: str) -> RateLimited:
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(action, key)
    return refused.value


async def test_allows_the_limit_then_refuses(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"search": Limit(3, 60.0)})
    for _ in range(3):
        await limiter.hit("search", "user:1")
    refused = await _refusal(limiter, "search", "user:1")
    assert refused.retry_after == 60
    assert "search" in str(refused)


async def test_retry_after_is_when_the_oldest_event_leaves_the_window(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"login": Limit(2, 3.0)})
    await limiter.hit("login", "ip:1")
    await asyncio.sleep(1.1)
    await limiter.hit("login", "ip:1")
    assert (await _refusal(limiter, "login", "ip:1")).retry_after == 2  # ceil(3 - 1.1)


async def test_a_refused_event_is_not_counted(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"chat": Limit(1, 0.6)})
    await limiter.hit("chat", "user:1")
    await asyncio.sleep(0.3)
    await _refusal(limiter, "chat", "user:1")  # would block until 0.9 s if it counted
    await asyncio.sleep(0.4)
    await limiter.hit("chat", "user:1")


async def test_waiting_retry_after_gets_through(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"ingest": Limit(2, 1.0)})
    await limiter.hit("ingest", "user:1")
    await limiter.hit("ingest", "user:1")
    refused = await _refusal(limiter, "ingest", "user:1")
    assert refused.retry_after == 1
    await asyncio.sleep(refused.retry_after)
    await limiter.hit("ingest", "user:1")


async def test_keys_and_actions_are_counted_apart(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"search": Limit(1, 60.0), "chat": Limit(1, 60.0)})
    await limiter.hit("search", "user:1")
    await limiter.hit("search", "user:2")
    await limiter.hit("chat", "user:1")
    await _refusal(limiter, "search", "user:1")
    await _refusal(limiter, "chat", "user:1")


async def test_unconfigured_and_zero_limits_are_unlimited(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"search": Limit(0, 60.0)})
    for _ in range(50):
        await limiter.hit("search", "user:1")
        await limiter.hit("chat", "user:1")


async def test_reset_forgets_the_events(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"login": Limit(1, 60.0)})
    await limiter.hit("login", "email:a@example.com")
    await _refusal(limiter, "login", "email:a@example.com")
    await limiter.reset("login", "email:a@example.com")
    await limiter.hit("login", "email:a@example.com")
    await limiter.reset("login", "email:never-seen@example.com")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "ip:" + "9" * 100_000,
        "email:ünïcødé@例え.jp",
        "user:1\r\n*1\r\n$8\r\nFLUSHALL\r\n",
        "a:b:c",
        "\x00",
        "\ud800",
    ],
)
async def test_hostile_keys_are_just_keys(make_limiter: MakeLimiter, key: str) -> None:
    limiter = make_limiter({"login": Limit(1, 60.0)})
    await limiter.hit("login", key)
    await _refusal(limiter, "login", key)
    await limiter.hit("login", key + "x")


async def test_concurrent_hits_never_exceed_the_limit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter({"search": Limit(5, 60.0)})

    async def one() -> bool:
        try:
            await limiter.hit("search", "user:1")
        except RateLimited:
            return False
        return True

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one() for _ in range(40)))
    assert sum(outcomes) == 5
    assert time.perf_counter() - started < 5

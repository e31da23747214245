"""Fixtures for the Redis-backed state: a `RedisState` on the test's emptied Redis, and outages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest

from pam.redis_state import RedisState
from tests.servers import RedisServer

# Short, so tests that restart Redis see the breaker let a trial through quickly.
BREAKER_S = 0.2


@pytest.fixture
async def state(redis_url: str) -> AsyncIterator[RedisState]:
    opened = RedisState.from_url(redis_url, breaker_s=BREAKER_S)
    try:
        yield opened
    finally:
        await opened.close()


@contextmanager
def redis_stopped(server: RedisServer) -> Iterator[None]:
    """Redis is down inside the block and running again after it, whatever happens inside."""
    server.stop()
    try:
        yield
    finally:
        server.start()

"""The Redis client of one process, and `Guard`: every call goes through the circuit breaker.

Timeouts are short and redis-py's own retries are cut to one immediate reconnect (a pooled
connection is dead after a Redis restart; a fresh one is not): callers fall back to in-process
behaviour rather than wait.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from pam.errors import InvalidInput
from pam.redis_state.breaker import CircuitBreaker

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 0.5


class RedisUnavailable(Exception):
    """Redis did not answer (or is being skipped): the caller uses its in-process fallback."""


def connect(url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> Redis:
    """A client for `url` (nothing connects until the first command). The URL is never echoed."""
    try:
        return Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            client_name="pam",
        )
    except ValueError:
        raise InvalidInput(
            "PAM_REDIS_URL is not a valid Redis URL (redis://, rediss:// or unix://)"
        ) from None


@dataclass
class Guard:
    """One client and its breaker, shared by the cache, the rate limiter and the health probe."""

    client: Redis
    breaker: CircuitBreaker

    async def run(self, where: str, call: Callable[[Redis], Awaitable[T]], *, force: bool = False) -> T:
        """`call(client)`, or `RedisUnavailable` when Redis fails or is skipped after a recent failure.

        `force` asks Redis even while the breaker is open (the health probe must report the truth).
        """
        if not force and not self.breaker.allows():
            raise RedisUnavailable(where)
        try:
            result = await call(self.client)
        except (RedisError, OSError) as error:
            self.breaker.failed(error, where=where)
            raise RedisUnavailable(where) from None
        self.breaker.succeeded()
        return result

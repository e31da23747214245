"""`RedisSearchCache`: the search result cache shared by every API process.

Keys are digests of (query, filters, k, mode, generation) under a namespace; a new generation
makes old entries unreachable and the TTL removes them, so nothing scans or deletes. Redis being
down is a miss on `get` and a no-op on `put`: a search never fails because of its cache.
"""

from __future__ import annotations

import structlog

from pam.redis_state.client import Guard, RedisUnavailable
from pam.redis_state.result_codec import ResultCodec, key_digest
from pam.search.cache import CacheKey
from pam.search.results import SearchResult

log = structlog.get_logger("pam.redis")
DEFAULT_TTL_S = 600.0
DEFAULT_NAMESPACE = "pam:search:v1"


class RedisSearchCache:
    def __init__(
        self, guard: Guard, *, ttl_s: float = DEFAULT_TTL_S, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive: entries of old generations must expire")
        self.guard = guard
        self.ttl_ms = max(1, round(ttl_s * 1000))
        self.namespace = namespace
        self.codec = ResultCodec()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return 0  # the entries live in Redis, not in this process

    def redis_key(self, key: CacheKey) -> str:
        return f"{self.namespace}:{key_digest(key)}"

    async def get(self, key: CacheKey) -> SearchResult | None:
        name = self.redis_key(key)
        try:
            raw = await self.guard.run("search_cache.get", lambda r: r.get(name))
        except RedisUnavailable:
            raw = None
        result = None
        if isinstance(raw, bytes):
            try:
                result = self.codec.decode(raw)
            except ValueError:
                # Written by another version, or damaged: recomputing is always correct.
                log.debug("search_cache_undecodable")
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
        return result

    async def put(self, key: CacheKey, value: SearchResult) -> None:
        name = self.redis_key(key)
        body = self.codec.encode(value)
        try:
            await self.guard.run("search_cache.put", lambda r: r.set(name, body, px=self.ttl_ms))
        except RedisUnavailable:
            return

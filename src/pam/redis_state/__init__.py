"""Shared state for the scale-out mode, kept in Redis: the search result cache and the rate limits.

Every piece degrades to its in-process counterpart when Redis is unreachable; see `RedisState`.
"""

from pam.redis_state.client import RedisUnavailable
from pam.redis_state.ratelimit import RedisRateLimiter
from pam.redis_state.search_cache import RedisSearchCache
from pam.redis_state.state import RedisState

__all__ = ["RedisRateLimiter", "RedisSearchCache", "RedisState", "RedisUnavailable"]

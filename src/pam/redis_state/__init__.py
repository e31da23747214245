"""Shared state for the scale-out mode, kept in Redis: the client (with its breaker) and the search result
cache; the shared rate limiter (pam.services.auth.redis_ratelimit) runs on the same client.

Every piece degrades to its in-process counterpart when Redis is unreachable; see `RedisState`.
"""

from pam.redis_state.client import RedisUnavailable
from pam.redis_state.search_cache import RedisSearchCache
from pam.redis_state.state import RedisState

__all__ = ["RedisSearchCache", "RedisState", "RedisUnavailable"]

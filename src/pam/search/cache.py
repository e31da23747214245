"""The search result cache seam, and its in-process LRU default.

The key holds the index generation; any index write moves the generation, so old entries are
never read again and simply age out. Nothing ever scans or deletes keys. A shared implementation
(Redis, `pam.redis_state.search_cache`) serves several processes with the same keys.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Protocol, TypeVar

from pam.search.results import SearchResult

V = TypeVar("V")
CacheKey = tuple[object, ...]


class SearchCache(Protocol):
    """Where `SearchService` keeps results. `get`/`put` never raise for an unavailable backend:
    a cache that cannot answer is a miss, a cache that cannot store forgets."""

    @property
    def hits(self) -> int: ...

    @property
    def misses(self) -> int: ...

    def __len__(self) -> int:
        """Entries held in this process (0 for a cache kept elsewhere)."""
        ...

    async def get(self, key: CacheKey) -> SearchResult | None: ...

    async def put(self, key: CacheKey, value: SearchResult) -> None: ...


class ResultCache(Generic[V]):
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[CacheKey, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: CacheKey) -> V | None:
        value = self._items.get(key)
        if value is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return value

    async def put(self, key: CacheKey, value: V) -> None:
        if self.capacity <= 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

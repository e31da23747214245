"""The `SearchIndex` protocol: candidate generation over what the database has committed.

An index answers with segment ids and scores; the search service fuses, hydrates the ids
from the database (so a segment the database does not have is never returned) and caches.
`generation` is the outbox sequence the index reflects: results for one generation never change
(with `vector_model`, the embedding model whose vectors it searches).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from pam.health import ComponentStatus
from pam.search.filters import SearchFilters

Hits = list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class IndexSize:
    segments: int
    vector_bytes: int  # held in this process's memory; 0 when the vectors live in the database


class SearchIndex(Protocol):
    @property
    def generation(self) -> int: ...

    def applied_seqs(self) -> dict[str, int]:
        """The outbox sequence each part of the index has applied, by part ("keyword", "vector", ...)."""
        ...

    @property
    def vector_model(self) -> str | None:
        """The embedding model whose vectors `vector()` searches (None: none yet)."""
        ...

    async def sync(self) -> int:
        """Apply everything the database committed since the last sync; return the new generation."""
        ...

    async def keyword(self, query: str, filters: SearchFilters, limit: int) -> Hits: ...

    async def vector(
        self,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        model: str | None = None,
    ) -> Hits:
        """Nearest segments by cosine. With `model`, nothing unless it is `vector_model` (the query's
        model must be the vectors' model); without it the caller vouches for the query vector."""
        ...

    def snippet(self, query: str, text: str, max_chars: int = 240) -> str: ...

    async def size(self) -> IndexSize: ...

    async def health(self) -> ComponentStatus: ...

    async def close(self) -> None: ...

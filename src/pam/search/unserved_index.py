"""`UnservedIndex`: the `SearchIndex` of a process that serves no searches (`pam worker` beside replicas).

With the embedded index on PostgreSQL every server keeps its own replica; a worker only writes documents
and the outbox, so it keeps none (no memory, no catching up). Searching it is an error, never an empty
answer that could pass for "nothing found".
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pam.errors import Unavailable
from pam.health import ComponentStatus
from pam.search.filters import SearchFilters
from pam.search.index import Hits, IndexSize

_NOT_HERE = "This process keeps no search index; search through a server."


class UnservedIndex:
    @property
    def generation(self) -> int:
        return 0

    def applied_seqs(self) -> dict[str, int]:
        return {}  # no index here, so no lag to report

    @property
    def vector_model(self) -> str | None:
        return None

    async def sync(self) -> int:
        return 0

    async def keyword(self, query: str, filters: SearchFilters, limit: int) -> Hits:
        raise Unavailable(_NOT_HERE)

    async def vector(
        self,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        model: str | None = None,
    ) -> Hits:
        raise Unavailable(_NOT_HERE)

    def snippet(self, query: str, text: str, max_chars: int = 240) -> str:
        return text[:max_chars]

    async def size(self) -> IndexSize:
        return IndexSize(segments=0, vector_bytes=0)

    async def health(self) -> ComponentStatus:
        return ComponentStatus(status="disabled", detail="no search index in this process", required=False)

    async def close(self) -> None:
        """Nothing to release."""

"""The `Reranker` protocol: reorder the fused top candidates with a stronger (slower) model.

Off by default: no cross-encoder model can be installed offline, so nothing implements it yet; the
seam is where one plugs in (`SearchService(reranker=...)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pam.search.results import SearchHit


class Reranker(Protocol):
    depth: int  # how many fused candidates it looks at

    def rerank(self, query: str, hits: Sequence[SearchHit]) -> list[SearchHit]: ...

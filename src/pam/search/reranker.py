"""The `Reranker` protocol: reorder the fused top candidates with a stronger (slower) model.

Off by default: no cross-encoder model can be installed offline. `OnnxCrossEncoder` loads one
from a configured directory (PAM_RERANKER_DIR) when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pam.search.service import SearchHit


class Reranker(Protocol):
    depth: int  # how many fused candidates it looks at

    def rerank(self, query: str, hits: Sequence[SearchHit]) -> list[SearchHit]: ...

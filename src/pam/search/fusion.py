"""Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009).

score(d) = sum over lists i containing d of weight_i / (k + rank_i(d)), rank counted from 1. Only ranks
matter, so BM25 scores and cosine similarities never have to be put on one scale. Ties are broken by the
best single rank, then by the segment id, so the same inputs always give the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from pam.errors import InvalidInput

DEFAULT_RRF_K = 60


def rrf_fuse(
    ranked_lists: Sequence[Sequence[str]],
    k: int = DEFAULT_RRF_K,
    limit: int = 10,
    weights: Sequence[float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse rankings of ids (best first) into one list of (id, fused score), best first.

    An id repeated within one list counts at its first (best) rank only.
    """
    if k < 0:
        raise InvalidInput("rrf k must not be negative")
    if limit < 0:
        raise InvalidInput("limit must not be negative")
    if weights is None:
        weights = [1.0] * len(ranked_lists)
    elif len(weights) != len(ranked_lists):
        raise InvalidInput("one weight per ranked list is required")
    scores: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    for ranking, weight in zip(ranked_lists, weights, strict=True):
        seen: set[str] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            if rank < best_rank.get(item, rank + 1):
                best_rank[item] = rank
    fused = sorted(scores.items(), key=lambda entry: (-entry[1], best_rank[entry[0]], entry[0]))
    return fused[:limit]

"""Coarse quantiser (IVF) for the vector matrix: k-means centroids that say which rows a query should score.

Only the *choice of rows* is approximate. The rows a query probes are scored exactly from the matrix's
float32 vectors, so a hit's score is its true cosine and the only error is a missed row (recall).

Why an index at all, and why this one (bench/engines_bench.py ``--ann``; 2-core AMD EPYC, AVX-512,
OpenBLAS SkylakeX kernel, on-CPU time of one thread; figures in bench/results/engines_ann.json):

- Exact float32 search is a memory-bandwidth-bound matrix-vector product: 13.4 ms at 100k rows and 145 ms
  at 1M, plus 1.5/19 ms for the top-k partition. Two BLAS threads halve the CPU time per thread (7.9/78 ms)
  but not the wall time on this shared, loaded machine (37/159 ms wall measured), and the target is one query
  thread, so threads are no answer.
- int8 first pass: numpy has no int8 BLAS; ``int8 @ int8`` took 17/169 ms, slower than float32.
  float16 took 150/1,490 ms. Both rejected.
- IVF with exact scoring of the probed rows: k-means (spherical: centroids are re-normalised) on a seeded
  sample, ``lists_per_sqrt_row * sqrt(n)`` lists, and a per-query *row budget* rather than a list count:
  lists are probed best-centroid-first until the budget of (filtered) rows is covered, so uneven list sizes
  and filters cost the same per query. Scoring gathered rows costs about twice a contiguous scan per row
  (random rows, 1M x 384: 0.5 us/row), so training also re-orders the matrix by list: probed rows then sit
  in runs and a chunked gather costs 5 ms per 50k rows instead of 22 ms.
- Recall depends on the data. Random unit vectors have no neighbourhood structure (every cosine is about
  0 +- 0.05) and no IVF setting short of scoring most rows finds their top-100 (recall@100 0.26 at 100k);
  embeddings of real text are clustered. At 100k, default settings, on-CPU p50 (exact in brackets):
  SciFact-derived vectors recall@10 0.989, recall@100 0.964, 2.8 ms (13.6 ms); Gaussian clusters 1.000,
  2.7 ms; real SciFact (5k, IVF forced on) recall@10 1.000 and the same nDCG@10 (0.647) as exact.
  At 1M (3,919 lists): SciFact-derived recall@10 0.991, recall@100 0.991, 7.5 ms CPU / 11.5 ms wall
  (exact 133 ms CPU / 199 ms wall); with a project filter 16.6 ms CPU, recall@100 0.991.
- Cost: training plus assignment made a 1M build of 20k-row batches take 151 s CPU (retrained at 60k,
  120k, ... 960k rows); memory is the matrix plus one int32 column and the centroids (+10 MB at 1M), with
  a transient copy of the vectors while training re-orders the rows.
- Filters: lists are probed until the budget of *filtered* rows is covered, so a project filter (25% of
  rows) costs 3.6 ms at 100k with recall@100 0.99; a filter leaving at most the budget runs exact over
  its rows (measured equal cost at 5-6% of 100k rows, the crossover: 1.6-1.8 ms either way).

Rows are assigned to their nearest centroid on insert; the centroids are retrained when the matrix has
grown by ``retrain_growth`` since the last training, so lists stay about the planned size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pam.errors import InvalidInput

_ASSIGN_CHUNK = 8192


@dataclass(frozen=True, slots=True)
class IvfSettings:
    """When the vector matrix builds an IVF index and how much each query scores.

    ``candidates_per_sqrt_row * sqrt(n)`` rows (never fewer than ``min_candidates`` nor ``candidates_per_hit``
    per requested hit) are scored per query: 10k of 100k rows, 32k of 1M. A budget growing like sqrt(n)
    because the measured need does: recall@100 >= 0.95 took ~8% of 100k rows but ~2% of 1M. A filter that
    leaves no more rows than the budget is answered exactly.
    """

    min_rows: int = 50_000
    lists_per_sqrt_row: float = 4.0
    candidates_per_sqrt_row: float = 32.0
    min_candidates: int = 4096
    candidates_per_hit: int = 8
    sample_per_list: int = 32
    iterations: int = 8
    retrain_growth: float = 2.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.min_rows < 1 or self.min_candidates < 1 or self.candidates_per_hit < 1:
            raise InvalidInput("IVF row counts must be positive")
        if self.candidates_per_sqrt_row <= 0.0 or self.lists_per_sqrt_row <= 0.0:
            raise InvalidInput("IVF candidates_per_sqrt_row and lists_per_sqrt_row must be positive")
        if self.sample_per_list < 1 or self.iterations < 1 or self.retrain_growth <= 1.0:
            raise InvalidInput("IVF training settings out of range")

    def budget(self, rows: int, limit: int) -> int:
        """How many candidate rows one query scores."""
        by_size = math.ceil(self.candidates_per_sqrt_row * math.sqrt(rows))
        return max(self.min_candidates, self.candidates_per_hit * limit, by_size)


def _normalise_rows(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: npt.NDArray[np.float32] = (matrix / norms).astype(np.float32, copy=False)
    return out


def _nearest(vectors: npt.NDArray[np.float32], centroids: npt.NDArray[np.float32]) -> npt.NDArray[np.int32]:
    # Chunked so the (rows x lists) score block stays a few tens of MB whatever the row count.
    out = np.empty(vectors.shape[0], dtype=np.int32)
    for start in range(0, vectors.shape[0], _ASSIGN_CHUNK):
        block = vectors[start : start + _ASSIGN_CHUNK] @ centroids.T
        out[start : start + _ASSIGN_CHUNK] = np.argmax(block, axis=1)
    return out


class IvfQuantiser:
    """Centroids (unit rows) and the row count they were trained on."""

    def __init__(self, centroids: npt.NDArray[np.float32], trained_rows: int) -> None:
        if centroids.ndim != 2 or centroids.shape[0] == 0:
            raise InvalidInput("an IVF quantiser needs at least one centroid")
        self.centroids = centroids
        self.trained_rows = trained_rows

    @property
    def lists(self) -> int:
        return int(self.centroids.shape[0])

    @classmethod
    def train(cls, vectors: npt.NDArray[np.float32], settings: IvfSettings) -> IvfQuantiser:
        """Spherical k-means on a seeded sample: the same rows and settings give the same centroids."""
        n = vectors.shape[0]
        if n == 0:
            raise InvalidInput("cannot train an IVF quantiser on no rows")
        lists = max(1, min(n, round(settings.lists_per_sqrt_row * math.sqrt(n))))
        rng = np.random.default_rng(settings.seed)
        picked = np.sort(rng.choice(n, min(n, lists * settings.sample_per_list), replace=False))
        sample = vectors[picked]
        centroids = sample[rng.choice(sample.shape[0], lists, replace=False)].copy()
        for _ in range(settings.iterations):
            assign = _nearest(sample, centroids)
            order = np.argsort(assign, kind="stable")
            counts = np.bincount(assign, minlength=lists)
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            filled = counts > 0
            sums = np.add.reduceat(sample[order], starts[filled], axis=0)
            centroids[filled] = _normalise_rows(sums)
            # An empty list takes a random sample row, so every list keeps earning its place.
            empty = np.flatnonzero(~filled)
            if empty.size:
                centroids[empty] = sample[rng.choice(sample.shape[0], empty.size, replace=False)]
        return cls(centroids, n)

    def assign(self, vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.int32]:
        """The nearest list of each (unit) row."""
        return _nearest(vectors, self.centroids)

    def probe(
        self, query: npt.NDArray[np.float32], list_rows: npt.NDArray[np.int64], budget: int
    ) -> npt.NDArray[np.bool_]:
        """table[list] is True for the lists to score: best centroids first until ``budget`` rows are covered.

        ``list_rows`` counts the rows a query may see in each list (after its filters), so a selective
        filter probes more lists for the same number of scored rows.
        """
        order = np.argsort(-(self.centroids @ query), kind="stable")
        covered = np.cumsum(list_rows[order])
        take = int(np.searchsorted(covered, budget)) + 1
        table = np.zeros(self.lists, dtype=np.bool_)
        table[order[:take]] = True
        return table

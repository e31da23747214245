"""`HnswGraph`: approximate nearest neighbours on faiss's HNSW, with filters inside the graph walk.

Why faiss (bench/ann_bench.py, bench/results/ann_libraries*.md): of the three well-kept libraries measured
side by side here (usearch, faiss, hnswlib), faiss is the one whose Python API filters *inside* the walk in
native code (`SearchParametersHNSW.sel`, an `IDSelectorBitmap`): hnswlib calls a Python function per visited
node, and usearch's Python API has no filtered search at all (over-fetching and filtering after starves
results). Unfiltered, the three cost about the same per query at equal recall.

The graph holds 8-bit scalar-quantised vectors (a quarter of float32's memory); callers re-score the
candidates exactly with their float32 vectors, so a hit's score is its true cosine and quantisation can only
cost recall, which over-fetching (`candidates`) buys back.

Labels are the caller's row numbers, in insertion order (faiss HNSW ids are sequential). HNSW cannot remove
a vector: a deleted row stays in the graph as a tombstone that the caller's filter bitmap excludes, and the
caller rebuilds the graph when tombstones grow too many (`VectorMatrix` compacts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss as _faiss
import numpy as np
import numpy.typing as npt

from pam.errors import InvalidInput

# faiss's bundled type stubs miss the HNSW search parameters and scalar-quantised HNSW: use it untyped.
faiss: Any = _faiss
# Every search runs on the calling thread: queries are parallel across requests, not inside one.
faiss.omp_set_num_threads(1)


_QUANTIZERS = {"sq8": faiss.ScalarQuantizer.QT_8bit, "fp16": faiss.ScalarQuantizer.QT_fp16}


@dataclass(frozen=True, slots=True)
class HnswSettings:
    """When the graph is built and how wide its searches are (measurements in bench/results/ann_libraries.md).

    ``links`` (HNSW's M) neighbours per node and ``build_breadth`` (efConstruction) candidates while
    inserting set graph quality; ``search_breadth`` (efSearch) candidates kept while walking sets recall
    per query. ``over_fetch`` times the requested hits are taken from the graph and re-scored exactly.
    Below ``min_rows`` rows, and for filters passing at most ``exact_rows`` rows, search is exact. A project
    with ``min_rows`` rows gets a graph of its own too, so a search in a few projects walks their graphs
    (no filter starving the walk); ``max_breadth`` caps how wide a filtered walk of the whole graph gets.
    """

    min_rows: int = 20_000
    links: int = 32
    build_breadth: int = 128
    search_breadth: int = 256
    over_fetch: float = 1.5
    exact_rows: int = 20_000
    train_rows: int = 50_000
    max_dead_share: float = 0.3
    max_breadth: int = 4096
    # The graph over every row is cut into graphs of at most this many consecutive rows, each walked in
    # turn: on dense clusters one graph of 1M rows found 0.60 of the exact top-100 where graphs of 100k
    # found 0.97 at the same breadth (bench/results/ann_libraries_1m.md).
    shard_rows: int = 250_000
    # How the graph stores its vectors: 8-bit codes (a quarter of float32) or float16 (half; walks
    # dense clusters of near-duplicates more faithfully, bench/results/ann_libraries_1m.md).
    codes: str = "sq8"

    def __post_init__(self) -> None:
        if (
            min(
                self.min_rows,
                self.links,
                self.build_breadth,
                self.search_breadth,
                self.train_rows,
                self.shard_rows,
            )
            < 1
        ):
            raise InvalidInput("HNSW settings must be positive")
        if self.codes not in _QUANTIZERS:
            raise InvalidInput(f"HNSW codes must be one of {', '.join(_QUANTIZERS)}")
        if self.over_fetch < 1.0 or not 0.0 < self.max_dead_share < 1.0 or self.exact_rows < 0:
            raise InvalidInput("HNSW over_fetch must be >= 1 and max_dead_share within (0, 1)")

    def candidates(self, limit: int) -> int:
        return max(limit, int(np.ceil(limit * self.over_fetch)))


class HnswGraph:
    def __init__(self, index: Any, settings: HnswSettings) -> None:
        self._index = index
        self.settings = settings

    @classmethod
    def build(
        cls,
        vectors: npt.NDArray[np.float32],
        settings: HnswSettings,
        train: npt.NDArray[np.float32] | None = None,
    ) -> HnswGraph:
        """A graph over `vectors` (labels 0..n-1); the quantiser is trained on a seeded sample of `train`
        (default: of `vectors`; a graph started with a handful of rows trains on the rows before them)."""
        if vectors.ndim != 2 or vectors.shape[0] == 0:
            raise InvalidInput("an HNSW graph needs at least one vector")
        train = vectors if train is None or train.shape[0] == 0 else train
        index = faiss.IndexHNSWSQ(
            vectors.shape[1], _QUANTIZERS[settings.codes], settings.links, faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = settings.build_breadth
        rng = np.random.default_rng(0)
        sample = rng.choice(train.shape[0], min(train.shape[0], settings.train_rows), replace=False)
        index.train(np.ascontiguousarray(train[np.sort(sample)]))
        graph = cls(index, settings)
        graph.add(vectors)
        return graph

    @property
    def size(self) -> int:
        """Vectors in the graph, tombstones included: the next label is this."""
        return int(self._index.ntotal)

    @property
    def nbytes(self) -> int:
        links = self._index.hnsw.neighbors.size() * 4 + self._index.hnsw.offsets.size() * 8
        return int(self.size * self._index.storage.sa_code_size() + links)

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        """Append `vectors` as the next labels."""
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(
        self,
        query: npt.NDArray[np.float32],
        count: int,
        allowed: npt.NDArray[np.uint8] | None,
        *,
        share: float = 1.0,
    ) -> npt.NDArray[np.int64]:
        """Up to `count` labels nearest to `query`, among those `allowed` admits.

        `allowed` is a little-endian bitmap over labels (`np.packbits(mask, bitorder="little")`) that
        passes about `share` of them. faiss bounds the walk by its breadth whether or not a visited node
        passes the filter, so the breadth grows as 1 / `share` (capped): a filter does not starve results.
        """
        breadth = max(self.settings.search_breadth, count) / max(share, 1e-3)
        params = faiss.SearchParametersHNSW()
        params.efSearch = int(min(breadth, self.settings.max_breadth))
        if allowed is not None:
            params.sel = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(allowed))
        _, labels = self._index.search(query.reshape(1, -1), count, params=params)
        found: npt.NDArray[np.int64] = labels[0][labels[0] >= 0]
        return found

    def to_bytes(self) -> npt.NDArray[np.uint8]:
        data: npt.NDArray[np.uint8] = faiss.serialize_index(self._index)
        return data

    @classmethod
    def load(cls, path: Path, settings: HnswSettings) -> HnswGraph:
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexHNSWSQ):
            raise InvalidInput("the stored vector graph is of another kind")
        return cls(index, settings)

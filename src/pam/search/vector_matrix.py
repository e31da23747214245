"""Vector search over an in-memory float32 matrix: exact below a size, an HNSW graph above it, filters inside.

Rows are appended and never moved, so a row number is also the vector's label in the HNSW graph
(`pam.search.vector_graph`). A deleted row becomes a tombstone (`_live` is False): every search excludes it,
and when tombstones pass `HnswSettings.max_dead_share` of the rows the matrix is compacted and the graph
rebuilt. Replacing a document keeps the rows whose segment ids stay (segment ids change with content), so
re-applying an unchanged document touches no graph.

A search computes the mask of rows its filters pass (`pam.search.vector_codes`; cached per filter until the
next write). Few rows (at most `exact_rows`, or below `min_rows` in all): exact scores over exactly those rows.
Otherwise the graph is walked with the mask as its filter, inside the walk, and the candidates are re-scored
exactly from the float32 rows: a hit's score is its true cosine.

Thread-safe: a lock serialises writes and searches (the index writes from a worker thread).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from pam.errors import InvalidInput
from pam.search.filters import SearchFilters, SegmentMeta
from pam.search.vector_codes import RowCodes
from pam.search.vector_graph import HnswGraph, HnswSettings

_MIN_CAPACITY = 1024
# Below this share of selected rows, gathering them first beats scoring every row and discarding.
_GATHER_SHARE = 0.25
# Rows gathered per block: a block (3 MB at 384 dims) stays in cache between the copy and the product.
_GATHER_CHUNK = 2048
_MASK_CACHE = 32
_DEFAULT_ANN = HnswSettings()


def _score_rows(
    vecs: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], query: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    scores = np.empty(rows.size, dtype=np.float32)
    for start in range(0, rows.size, _GATHER_CHUNK):
        part = rows[start : start + _GATHER_CHUNK]
        scores[start : start + part.size] = np.take(vecs, part, axis=0) @ query
    return scores


class LabelledGraph:
    """An HNSW graph over some of the matrix's rows: label i is row ``rows[i]`` (tombstones stay labels)."""

    def __init__(self, graph: HnswGraph, rows: npt.NDArray[np.int64]) -> None:
        self.graph = graph
        self.rows = rows

    @classmethod
    def build(
        cls, vectors: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], ann: HnswSettings
    ) -> LabelledGraph:
        return cls(HnswGraph.build(vectors[rows], ann), rows.copy())

    def add(self, vectors: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]) -> None:
        self.graph.add(vectors[rows])
        self.rows = np.concatenate([self.rows, rows])

    @property
    def size(self) -> int:
        return int(self.rows.size)

    @property
    def nbytes(self) -> int:
        return self.graph.nbytes + self.rows.nbytes


# Each shard's candidates: this many times its even share of the request, and at least this many.
SHARD_SHARE = 2
SHARD_MIN_CANDIDATES = 40


class ShardedGraph:
    """The graph over every row, as graphs of at most ``shard_rows`` consecutive rows (label i of the shard
    starting at row r is row r + i). Rows only ever append, so new rows fill the last shard, then start
    another. A search walks every shard with its slice of the filter and merges the candidates, which the
    caller re-scores exactly: smaller graphs lose fewer neighbours in dense clusters than one large one."""

    def __init__(self, ann: HnswSettings, shards: list[HnswGraph] | None = None) -> None:
        self.ann = ann
        self.shards = shards or []

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], rows: int, ann: HnswSettings) -> ShardedGraph:
        graph = cls(ann)
        graph.add(vectors, np.arange(rows, dtype=np.int64))
        return graph

    def add(self, vectors: npt.NDArray[np.float32], rows: npt.NDArray[np.int64]) -> None:
        """Append ``rows`` (consecutive, starting at ``size``) to the last shard, opening new ones as needed."""
        limit = self.ann.shard_rows
        done = 0
        while done < rows.size:
            if self.shards and self.shards[-1].size < limit:
                take = min(limit - self.shards[-1].size, rows.size - done)
                self.shards[-1].add(vectors[rows[done : done + take]])
            else:
                take = min(limit, rows.size - done)
                first = int(rows[done])
                # A shard opened by a small write trains its codes on the rows before it as well.
                train = vectors[max(0, first + take - self.ann.train_rows) : first + take]
                self.shards.append(HnswGraph.build(vectors[rows[done : done + take]], self.ann, train))
            done += take

    @property
    def size(self) -> int:
        return sum(shard.size for shard in self.shards)

    @property
    def nbytes(self) -> int:
        return sum(shard.nbytes for shard in self.shards)

    def search(
        self, query: npt.NDArray[np.float32], count: int, mask: npt.NDArray[np.bool_] | None
    ) -> npt.NDArray[np.int64]:
        """Candidate rows from every shard, among the rows ``mask`` passes (None: all). Each shard gives twice
        its even share of ``count`` (a shard rarely holds more than that of the nearest), so the walks stay
        narrow as shards are added; the caller re-scores the union exactly."""
        if len(self.shards) > 1:
            count = max(SHARD_MIN_CANDIDATES, -(-count * SHARD_SHARE // len(self.shards)))
        found = []
        start = 0
        for shard in self.shards:
            bits, share = None, 1.0
            if mask is not None:
                part = mask[start : start + shard.size]
                passing = int(np.count_nonzero(part))
                if passing == 0:
                    start += shard.size
                    continue
                share = passing / shard.size
                if passing < shard.size:
                    bits = np.packbits(part, bitorder="little")
            found.append(shard.search(query, count, bits, share=share) + start)
            start += shard.size
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


class VectorMatrix:
    def __init__(self, dim: int, ann: HnswSettings | None = _DEFAULT_ANN) -> None:
        """``ann=None`` keeps every search exact whatever the size."""
        if dim <= 0:
            raise InvalidInput("dim must be positive")
        self.dim = dim
        self.ann = ann
        # The graph over every row (in shards), and one per project big enough (by project code).
        self.graph: ShardedGraph | None = None
        self.project_graphs: dict[int, LabelledGraph] = {}
        self._n = 0  # rows in use, tombstones included
        self._count = 0  # live rows
        self._vecs = np.zeros((_MIN_CAPACITY, dim), dtype=np.float32)
        self._live = np.zeros(_MIN_CAPACITY, dtype=np.bool_)
        self.codes = RowCodes(_MIN_CAPACITY)
        self._ids: list[str | None] = []
        self._row_of: dict[str, int] = {}
        self._lock = threading.RLock()
        self._version = 0  # bumped by every write: cached masks are for one version
        self._masks: OrderedDict[SearchFilters, tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8], int]]
        self._masks = OrderedDict()
        self._bitmaps: OrderedDict[tuple[int, SearchFilters], tuple[npt.NDArray[np.uint8], float, int]]
        self._bitmaps = OrderedDict()

    def __len__(self) -> int:
        return self._count

    @property
    def rows(self) -> int:
        """Rows in use, tombstones included (the graph's labels)."""
        return self._n

    @property
    def nbytes(self) -> int:
        n = self._n
        graphs = sum(g.nbytes for g in self._graphs())
        return int(self._vecs[:n].nbytes + self._live[:n].nbytes + self.codes.nbytes(n) + graphs)

    def _graphs(self) -> list[ShardedGraph | LabelledGraph]:
        return ([] if self.graph is None else [self.graph]) + list(self.project_graphs.values())

    # ---- writes --------------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: npt.ArrayLike, metas: Sequence[SegmentMeta]) -> None:
        """Insert rows, or update them in place; vectors are L2-normalised here (zero vectors stay zero).

        A known id keeps its row when its vector is unchanged (only its attributes are rewritten);
        a changed vector becomes a new row (the graph cannot move a node).
        """
        matrix = self._normalised(ids, vectors, metas)
        with self._lock:
            rows = np.empty(len(ids), dtype=np.int64)
            fresh: list[int] = []
            for i, segment_id in enumerate(ids):
                row = self._row_of.get(segment_id)
                if row is not None and not np.array_equal(self._vecs[row], matrix[i]):
                    self._kill(row)
                    row = None
                if row is None:
                    row = self._append(segment_id)
                    fresh.append(i)
                rows[i] = row
            self._vecs[rows] = matrix
            self.codes.write(rows, metas)
            self._version += 1
            if fresh:
                self._add_to_graphs(rows[fresh])
            self._maintain()

    def _add_to_graphs(self, rows: npt.NDArray[np.int64]) -> None:
        if self.graph is not None:
            self.graph.add(self._vecs, rows)
        projects = self.codes.columns["project"][rows]
        for code, graph in self.project_graphs.items():
            mine = rows[projects == code]
            if mine.size:
                graph.add(self._vecs, mine)

    def _normalised(
        self, ids: Sequence[str], vectors: npt.ArrayLike, metas: Sequence[SegmentMeta]
    ) -> npt.NDArray[np.float32]:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dim or not len(ids) == len(metas) == matrix.shape[0]:
            raise InvalidInput(f"expected {len(ids)} vectors of dimension {self.dim} with one meta each")
        if not np.isfinite(matrix).all():
            raise InvalidInput("vectors must be finite")
        if len(set(ids)) != len(ids):
            raise InvalidInput("segment ids must be unique within one upsert")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out: npt.NDArray[np.float32] = matrix / norms
        return out

    def replace_documents(
        self,
        document_ids: Iterable[str],
        ids: Sequence[str],
        vectors: npt.ArrayLike,
        metas: Sequence[SegmentMeta],
    ) -> None:
        """These documents now have exactly these segments: others of theirs go, unchanged ones stay put."""
        with self._lock:
            keep = set(ids)
            doomed = [
                row
                for row in self.codes.document_rows(document_ids, self._n).tolist()
                if self._live[row] and self._ids[row] not in keep
            ]
            self._delete_rows(doomed)
            if ids:
                self.upsert(ids, vectors, metas)

    def delete(self, ids: Iterable[str]) -> None:
        with self._lock:
            self._delete_rows(
                [row for segment_id in ids if (row := self._row_of.get(segment_id)) is not None]
            )

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        with self._lock:
            self._delete_rows(self.codes.document_rows(document_ids, self._n).tolist())

    def _delete_rows(self, rows: Iterable[int]) -> None:
        killed = False
        for row in rows:
            if self._live[row]:
                self._kill(row)
                killed = True
        if killed:
            self._version += 1
            self._maintain()

    def _kill(self, row: int) -> None:
        segment_id = self._ids[row]
        if segment_id is not None:
            self._row_of.pop(segment_id, None)
        self._ids[row] = None
        self._live[row] = False
        self._count -= 1

    def _append(self, segment_id: str) -> int:
        if self._n == self._vecs.shape[0]:
            self._resize(self._n * 2)
        row = self._n
        self._n += 1
        self._count += 1
        self._ids.append(segment_id)
        self._row_of[segment_id] = row
        self._live[row] = True
        return row

    def _resize(self, capacity: int) -> None:
        vecs = np.zeros((capacity, self.dim), dtype=np.float32)
        vecs[: self._n] = self._vecs[: self._n]
        self._vecs = vecs
        self._live = np.resize(self._live, capacity)
        self._live[self._n :] = False
        self.codes.resize(capacity)

    def _maintain(self) -> None:
        """Build the graph once the matrix is big enough; compact when tombstones are too many."""
        ann = self.ann
        if ann is None:
            return
        dead = self._n - self._count
        if self._n > _MIN_CAPACITY and dead > ann.max_dead_share * self._n:
            self._compact()
        if self._count < ann.min_rows:
            return
        live = self._live[: self._n]
        if self.graph is None:
            self.graph = ShardedGraph.build(self._vecs, self._n, ann)
        projects = self.codes.columns["project"][: self._n]
        sizes = np.bincount(projects[live])
        for code in np.flatnonzero(sizes >= ann.min_rows).tolist():
            # A project holding nearly everything gains nothing from a graph of its own.
            if code not in self.project_graphs and sizes[code] < 0.9 * self._count:
                rows = np.flatnonzero(live & (projects == code)).astype(np.int64)
                self.project_graphs[code] = LabelledGraph.build(self._vecs, rows, ann)

    def _compact(self) -> None:
        keep = np.flatnonzero(self._live[: self._n])
        self._vecs[: keep.size] = self._vecs[keep]
        self.codes.copy_rows(keep)
        self._ids = [self._ids[int(r)] for r in keep]
        self._row_of = {segment_id: row for row, segment_id in enumerate(self._ids) if segment_id is not None}
        self._live[: keep.size] = True
        self._live[keep.size : self._n] = False
        self._n = keep.size
        self.graph = None  # graphs are rebuilt over the new row numbers by _maintain
        self.project_graphs = {}
        self._version += 1

    # ---- reads ---------------------------------------------------------------------------------------

    def search(
        self, query_vec: npt.ArrayLike, filters: SearchFilters, limit: int, *, exact: bool = False
    ) -> list[tuple[str, float]]:
        """Segment ids and cosine similarities, best first (ties by id); ``exact`` skips the graph."""
        query = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim or not np.isfinite(query).all():
            raise InvalidInput(f"query vector must be {self.dim} finite numbers")
        norm = float(np.linalg.norm(query))
        if limit <= 0 or norm == 0.0 or filters.matches_nothing():
            return []
        query = query / norm
        with self._lock:
            if self._count == 0:
                return []
            mask, bits, selected = self._selection(filters)
            if selected == 0:
                return []
            graphs = None if exact else self._graphs_for(filters, selected, limit)
            if graphs is not None:
                rows = self._walk(graphs, filters, mask, bits, query, limit)
                scores = _score_rows(self._vecs, rows, query)
            elif selected == self._n:
                rows, scores = None, self._vecs[: self._n] @ query
            else:
                rows = np.flatnonzero(mask)
                scores = (
                    _score_rows(self._vecs, rows, query)
                    if selected < _GATHER_SHARE * self._n
                    else (self._vecs[: self._n] @ query)[rows]
                )
            k = min(limit, scores.size)
            if k == 0:
                return []
            top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
            picked = top if rows is None else rows[top]
            hits = [(self._ids[int(r)], float(s)) for r, s in zip(picked, scores[top], strict=True)]
        out = [(i, s) for i, s in hits if i is not None]
        out.sort(key=lambda hit: (-hit[1], hit[0]))
        return out

    def _graphs_for(
        self, filters: SearchFilters, selected: int, limit: int
    ) -> list[ShardedGraph | LabelledGraph] | None:
        """The graphs to walk for `filters`, or None for an exact search."""
        ann = self.ann
        if ann is None or self.graph is None or selected <= max(ann.exact_rows, limit):
            return None
        if filters.project_ids is None:
            return [self.graph]
        interner = self.codes.interners["project"]
        codes = [c for p in filters.project_ids if (c := interner.code_of.get(p)) is not None]
        # A few projects with graphs of their own: walk those (no filter starving the walk).
        if codes and len(codes) <= 4 and all(c in self.project_graphs for c in codes):
            return [self.project_graphs[c] for c in codes]
        return [self.graph]

    def _walk(
        self,
        graphs: list[ShardedGraph | LabelledGraph],
        filters: SearchFilters,
        mask: npt.NDArray[np.bool_],
        bits: npt.NDArray[np.uint8] | None,
        query: npt.NDArray[np.float32],
        limit: int,
    ) -> npt.NDArray[np.int64]:
        """Candidate rows from each graph, the filter applied inside each walk."""
        ann = self.ann
        assert ann is not None
        count = ann.candidates(limit)
        found = []
        for graph in graphs:
            if isinstance(graph, ShardedGraph):
                found.append(graph.search(query, count, None if bits is None else mask))
            else:
                graph_bits, share = self._graph_bitmap(graph, filters, mask)
                labels = graph.graph.search(query, count, graph_bits, share=share)
                found.append(graph.rows[labels])
        return found[0] if len(found) == 1 else np.unique(np.concatenate(found))

    def _graph_bitmap(
        self, graph: LabelledGraph, filters: SearchFilters, mask: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.uint8] | None, float]:
        """The row mask over a project graph's labels (None: all pass) and the share passing; cached."""
        key = (id(graph), filters)
        cached = self._bitmaps.get(key)
        if cached is not None and cached[2] == self._version:
            bits, share, _ = cached
        else:
            passing = mask[graph.rows]
            count = int(np.count_nonzero(passing))
            share = count / max(1, passing.size)
            everything = count == passing.size
            bits = np.zeros(0, dtype=np.uint8) if everything else np.packbits(passing, bitorder="little")
            self._bitmaps[key] = (bits, share, self._version)
            if len(self._bitmaps) > _MASK_CACHE:
                self._bitmaps.popitem(last=False)
        return (None if bits.size == 0 else bits), share

    def _selection(
        self, filters: SearchFilters
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8] | None, int]:
        """(row mask, its bitmap for the graph or None for "every row", rows selected), cached per version."""
        cached = self._masks.get(filters)
        if cached is not None and cached[2] == self._version:
            self._masks.move_to_end(filters)
            mask, bits, _ = cached
            return mask, (None if bits.size == 0 else bits), int(np.count_nonzero(mask))
        n = self._n
        restricted = self.codes.mask(filters, n)
        if restricted is None and self._count == n:
            mask, bits = np.ones(n, dtype=np.bool_), np.zeros(0, dtype=np.uint8)
        else:
            live = self._live[:n]
            mask = live if restricted is None else restricted & live
            bits = np.packbits(mask, bitorder="little")
        self._masks[filters] = (mask, bits, self._version)
        if len(self._masks) > _MASK_CACHE:
            self._masks.popitem(last=False)
        return mask, (None if bits.size == 0 else bits), int(np.count_nonzero(mask))

    # ---- persistence (pam.search.vector_store) -------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A copy of everything needed to restore this matrix (the lock is held only while copying)."""
        with self._lock:
            n = self._n
            return {
                "vectors": self._vecs[:n].copy(),
                "live": self._live[:n].copy(),
                "updated": self.codes.updated[:n].copy(),
                "columns": {name: column[:n].copy() for name, column in self.codes.columns.items()},
                "ids": [i or "" for i in self._ids],
                "codes": self.codes.state(),
                "graph": None if self.graph is None else [shard.to_bytes() for shard in self.graph.shards],
                "project_graphs": {
                    code: (g.graph.to_bytes(), g.rows.copy()) for code, g in self.project_graphs.items()
                },
            }

    @classmethod
    def restore(cls, dim: int, ann: HnswSettings | None, saved: dict[str, Any]) -> VectorMatrix:
        matrix = cls(dim, ann)
        n = int(saved["vectors"].shape[0])
        capacity = max(_MIN_CAPACITY, n)
        matrix._vecs = np.zeros((capacity, dim), dtype=np.float32)
        matrix._vecs[:n] = saved["vectors"]
        matrix._live = np.zeros(capacity, dtype=np.bool_)
        matrix._live[:n] = saved["live"]
        matrix.codes = RowCodes(capacity, saved["codes"])
        for name, column in saved["columns"].items():
            matrix.codes.columns[name][:n] = column
        matrix.codes.updated[:n] = saved["updated"]
        matrix._ids = [i if live else None for i, live in zip(saved["ids"], saved["live"], strict=True)]
        matrix._row_of = {i: row for row, i in enumerate(matrix._ids) if i is not None}
        matrix._n, matrix._count = n, int(np.count_nonzero(saved["live"]))
        shards: list[HnswGraph] | None = saved["graph"] if ann is not None else None
        # Else not the graph of these rows (or not cut this way): rebuilt by _maintain.
        whole = shards is not None and sum(s.size for s in shards) == n
        if ann is not None and shards is not None and whole and all(s.size <= ann.shard_rows for s in shards):
            matrix.graph = ShardedGraph(ann, shards)
            for code, (project_graph, rows) in saved["project_graphs"].items():
                if project_graph.size == rows.size and (rows.size == 0 or rows.max() < n):
                    matrix.project_graphs[int(code)] = LabelledGraph(project_graph, rows)
        matrix._maintain()
        return matrix

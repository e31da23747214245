"""Exact cosine search over an in-memory float32 matrix, with filters applied before the top-k.

Rows are kept dense (a delete moves the last row into the hole), so a search is one BLAS matrix-vector
product over exactly the live rows. Each row carries small integer codes for its project, source type,
source, document, path and tag set; a ``SearchFilters`` becomes a boolean mask from lookup tables over
those codes, so restricting to one project among a million rows costs a few milliseconds of numpy.

Interned strings (projects, paths, tag sets) are never forgotten while the matrix lives; they are few
(about one path per document) and a restart rebuilds the matrix from the database anyway.

From ``IvfSettings.min_rows`` rows on (50k by default), a search probes an IVF index instead of scoring
every row: see ``pam.search.vector_ivf`` for the measurements behind that. Below it, and whenever a filter
leaves no more rows than the IVF would score anyway, the search is exact. Each row's list is one more code
column, so deletes and moves keep it consistent for free; training re-orders the rows by list so the
probed rows are read in runs.

Not thread-safe for writes: the owner serialises ``upsert``/``delete*`` against searches.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from pam.errors import InvalidInput
from pam.search.filters import SearchFilters, SegmentMeta, epoch_micros
from pam.search.vector_ivf import IvfQuantiser, IvfSettings

_MIN_CAPACITY = 1024
# Below this share of selected rows, gathering them first beats scoring every row and discarding.
_GATHER_SHARE = 0.25
# Rows gathered per block: a block (3 MB at 384 dims) stays in cache between the copy and the product.
_GATHER_CHUNK = 2048
_DEFAULT_ANN = IvfSettings()
_CODE_COLUMNS = ("project", "source_type", "source", "document", "path", "tagset", "ivf_list")
_INTERNED = ("project", "source_type", "source", "document", "path")


class _Interner:
    def __init__(self) -> None:
        self.code_of: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str) -> int:
        found = self.code_of.get(value)
        if found is None:
            found = len(self.values)
            self.code_of[value] = found
            self.values.append(value)
        return found

    def table_for(self, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        return _lookup_table(len(self.values), (c for v in values if (c := self.code_of.get(v)) is not None))


def _lookup_table(size: int, codes: Iterable[int]) -> npt.NDArray[np.bool_]:
    """table[code] is True for the wanted codes, so ``table[column]`` is the row mask."""
    table = np.zeros(size + 1, dtype=np.bool_)
    table[list(codes)] = True
    return table


def _score_rows(
    live: npt.NDArray[np.float32], rows: npt.NDArray[np.int64], query: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    scores = np.empty(rows.size, dtype=np.float32)
    for start in range(0, rows.size, _GATHER_CHUNK):
        part = rows[start : start + _GATHER_CHUNK]
        scores[start : start + part.size] = np.take(live, part, axis=0) @ query
    return scores


class VectorMatrix:
    def __init__(self, dim: int, ann: IvfSettings | None = _DEFAULT_ANN) -> None:
        """``ann=None`` keeps every search exact whatever the size."""
        if dim <= 0:
            raise InvalidInput("dim must be positive")
        self.dim = dim
        self._ann = ann
        self._quantiser: IvfQuantiser | None = None
        # Live rows per IVF list, kept in step with the "ivf_list" column.
        self._list_sizes = np.zeros(0, dtype=np.int64)
        self._n = 0
        self._vecs = np.zeros((_MIN_CAPACITY, dim), dtype=np.float32)
        self._codes = {name: np.zeros(_MIN_CAPACITY, dtype=np.int32) for name in _CODE_COLUMNS}
        self._updated = np.zeros(_MIN_CAPACITY, dtype=np.int64)
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._interners = {name: _Interner() for name in _INTERNED}
        self._tagset_code_of: dict[frozenset[str], int] = {}
        self._tagset_tags: list[frozenset[str]] = []
        # Distinct paths in sorted order, so a prefix is one contiguous slice found by bisection.
        self._sorted_paths: list[str] = []
        self._sorted_path_codes: list[int] = []

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        ivf = 0 if self._quantiser is None else self._quantiser.centroids.nbytes + self._list_sizes.nbytes
        return int(
            self._vecs.nbytes + self._updated.nbytes + sum(a.nbytes for a in self._codes.values()) + ivf
        )

    @property
    def ivf_lists(self) -> int:
        """Number of IVF lists, 0 while searches are exact."""
        return 0 if self._quantiser is None or not self._ann_active() else self._quantiser.lists

    # ---- writes --------------------------------------------------------------------------------------

    def upsert(self, ids: Sequence[str], vectors: npt.ArrayLike, metas: Sequence[SegmentMeta]) -> None:
        """Insert or replace rows; vectors are L2-normalised here (zero vectors stay zero)."""
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.dim or not len(ids) == len(metas) == matrix.shape[0]:
            raise InvalidInput(f"expected {len(ids)} vectors of dimension {self.dim} with one meta each")
        if not np.isfinite(matrix).all():
            raise InvalidInput("vectors must be finite")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        matrix = matrix / norms
        before = self._n
        rows = np.fromiter(
            (self._row_of[i] if i in self._row_of else self._append_row(i) for i in ids), np.int64, len(ids)
        )
        # Whole-batch assignments: per-row Python work here made 1M inserts take minutes.
        self._vecs[rows] = matrix
        codes = self._codes
        for column, attr in (
            ("project", "project_id"),
            ("source_type", "source_type"),
            ("source", "source_id"),
            ("document", "document_id"),
        ):
            code = self._interners[column].code
            codes[column][rows] = [code(getattr(m, attr)) for m in metas]
        codes["path"][rows] = [self._path_code(m.path) for m in metas]
        codes["tagset"][rows] = [self._tagset_code(m.tags) for m in metas]
        self._updated[rows] = [epoch_micros(m.updated_at) for m in metas]
        if self._quantiser is not None:
            touched = np.unique(rows)
            lists = self._codes["ivf_list"]
            np.subtract.at(self._list_sizes, lists[touched[touched < before]], 1)
            lists[touched] = self._quantiser.assign(self._vecs[touched])
            self._list_sizes += np.bincount(lists[touched], minlength=self._quantiser.lists)
        self._maybe_train()

    def _maybe_train(self) -> None:
        settings = self._ann
        if settings is None or self._n < settings.min_rows:
            return
        if self._quantiser is not None and self._n < settings.retrain_growth * self._quantiser.trained_rows:
            return
        n = self._n
        quantiser = IvfQuantiser.train(self._vecs[:n], settings)
        lists = quantiser.assign(self._vecs[:n])
        order = np.argsort(lists, kind="stable")
        self._reorder(order)
        self._codes["ivf_list"][:n] = lists[order]
        self._list_sizes = np.bincount(lists, minlength=quantiser.lists).astype(np.int64)
        self._quantiser = quantiser

    def _reorder(self, order: npt.NDArray[np.int64]) -> None:
        """Row ``i`` becomes old row ``order[i]``, in every column."""
        n = self._n
        self._vecs[:n] = np.take(self._vecs[:n], order, axis=0)
        for column in self._codes.values():
            column[:n] = column[:n][order]
        self._updated[:n] = self._updated[:n][order]
        self._ids = [self._ids[int(r)] for r in order]
        self._row_of = {segment_id: row for row, segment_id in enumerate(self._ids)}

    def _append_row(self, segment_id: str) -> int:
        if self._n == self._vecs.shape[0]:
            self._grow(self._n * 2)
        row = self._n
        self._n += 1
        self._ids.append(segment_id)
        self._row_of[segment_id] = row
        return row

    def _grow(self, capacity: int) -> None:
        vecs = np.zeros((capacity, self.dim), dtype=np.float32)
        vecs[: self._n] = self._vecs[: self._n]
        self._vecs = vecs
        for name, column in self._codes.items():
            self._codes[name] = np.resize(column, capacity)
        self._updated = np.resize(self._updated, capacity)

    def _path_code(self, path: str) -> int:
        interner = self._interners["path"]
        known = path in interner.code_of
        code = interner.code(path)
        if not known:
            at = bisect.bisect_left(self._sorted_paths, path)
            self._sorted_paths.insert(at, path)
            self._sorted_path_codes.insert(at, code)
        return code

    def _tagset_code(self, tags: Sequence[str]) -> int:
        tagset = frozenset(tags)
        code = self._tagset_code_of.get(tagset)
        if code is None:
            code = len(self._tagset_tags)
            self._tagset_code_of[tagset] = code
            self._tagset_tags.append(tagset)
        return code

    def delete(self, ids: Iterable[str]) -> None:
        rows = [row for segment_id in ids if (row := self._row_of.get(segment_id)) is not None]
        self._delete_rows(rows)

    def delete_documents(self, document_ids: Iterable[str]) -> None:
        table = self._interners["document"].table_for(document_ids)
        rows = np.flatnonzero(table[self._codes["document"][: self._n]])
        self._delete_rows(rows.tolist())

    def _delete_rows(self, rows: Iterable[int]) -> None:
        doomed = sorted(set(rows), reverse=True)
        if self._quantiser is not None and doomed:
            np.subtract.at(self._list_sizes, self._codes["ivf_list"][doomed], 1)
        # Highest rows first: the last row is then never one still waiting to be deleted.
        for row in doomed:
            last = self._n - 1
            del self._row_of[self._ids[row]]
            if row != last:
                moved_id = self._ids[last]
                self._ids[row] = moved_id
                self._row_of[moved_id] = row
                self._vecs[row] = self._vecs[last]
                for column in self._codes.values():
                    column[row] = column[last]
                self._updated[row] = self._updated[last]
            self._ids.pop()
            self._n = last

    # ---- reads ---------------------------------------------------------------------------------------

    def search(
        self, query_vec: npt.ArrayLike, filters: SearchFilters, limit: int, *, exact: bool = False
    ) -> list[tuple[str, float]]:
        """Segment ids and cosine similarities, best first (ties by id); ``exact`` skips the IVF index."""
        query = np.asarray(query_vec, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim or not np.isfinite(query).all():
            raise InvalidInput(f"query vector must be {self.dim} finite numbers")
        norm = float(np.linalg.norm(query))
        if self._n == 0 or limit <= 0 or norm == 0.0 or filters.matches_nothing():
            return []
        query = query / norm
        live = self._vecs[: self._n]
        mask = self._mask(filters)
        rows: npt.NDArray[np.int64] | None = None
        selected = self._n if mask is None else int(np.count_nonzero(mask))
        if selected == 0:
            return []
        if (
            not exact
            and self._ann is not None
            and self._ann_active()
            and selected > self._ann.budget(self._n, limit)
        ):
            rows = self._probe_rows(query, mask, self._ann.budget(self._n, limit))
            scores = _score_rows(live, rows, query)
        elif mask is None:
            scores = live @ query
        else:
            rows = np.flatnonzero(mask)
            scores = (
                _score_rows(live, rows, query) if selected < _GATHER_SHARE * self._n else (live @ query)[rows]
            )
        k = min(limit, scores.size)
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        picked = top if rows is None else rows[top]
        hits = [(self._ids[int(r)], float(s)) for r, s in zip(picked, scores[top], strict=True)]
        hits.sort(key=lambda hit: (-hit[1], hit[0]))
        return hits

    def _ann_active(self) -> bool:
        return self._quantiser is not None and self._ann is not None and self._n >= self._ann.min_rows

    def _probe_rows(
        self, query: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_] | None, budget: int
    ) -> npt.NDArray[np.int64]:
        """The rows (passing ``mask``) in the lists an IVF probe picks for ``budget`` candidates."""
        quantiser = self._quantiser
        assert quantiser is not None
        lists = self._codes["ivf_list"][: self._n]
        if mask is None:
            visible = self._list_sizes
        else:
            visible = np.bincount(lists[mask], minlength=quantiser.lists).astype(np.int64)
        wanted = quantiser.probe(query, visible, budget)[lists]
        return np.flatnonzero(wanted if mask is None else wanted & mask)

    def _mask(self, filters: SearchFilters) -> npt.NDArray[np.bool_] | None:
        n = self._n
        mask: npt.NDArray[np.bool_] | None = None

        def restrict(part: npt.NDArray[np.bool_]) -> None:
            nonlocal mask
            mask = part if mask is None else mask & part

        for column, allowed in (
            ("project", filters.project_ids),
            ("source_type", filters.source_types),
            ("source", filters.source_ids),
        ):
            if allowed is not None:
                restrict(self._interners[column].table_for(allowed)[self._codes[column][:n]])
        if filters.tags is not None:
            wanted = filters.tags
            table = _lookup_table(
                len(self._tagset_tags),
                (code for code, tagset in enumerate(self._tagset_tags) if not tagset.isdisjoint(wanted)),
            )
            restrict(table[self._codes["tagset"][:n]])
        if filters.path_prefix:
            prefix = filters.path_prefix
            lo = hi = bisect.bisect_left(self._sorted_paths, prefix)
            while hi < len(self._sorted_paths) and self._sorted_paths[hi].startswith(prefix):
                hi += 1
            table = _lookup_table(len(self._sorted_paths), self._sorted_path_codes[lo:hi])
            restrict(table[self._codes["path"][:n]])
        if filters.updated_after is not None:
            restrict(self._updated[:n] >= epoch_micros(filters.updated_after))
        if filters.updated_before is not None:
            restrict(self._updated[:n] <= epoch_micros(filters.updated_before))
        return mask

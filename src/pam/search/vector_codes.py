"""The filterable attributes of the vector matrix's rows as small integer codes, and filters as row masks.

Each row carries codes for its project, source type, source, document, path and tag set, and its update
time; a ``SearchFilters`` becomes a boolean mask from lookup tables over those codes, so restricting to one
project among a million rows costs a few milliseconds of numpy (and masks are cached by the matrix).
Interned strings are never forgotten while the matrix lives; they are few (about one path per document).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from pam.search.filters import SearchFilters, SegmentMeta, epoch_micros

CODE_COLUMNS = ("project", "source_type", "source", "document", "path", "tagset")
INTERNED = ("project", "source_type", "source", "document", "path")
_ATTRIBUTES = (
    ("project", "project_id"),
    ("source_type", "source_type"),
    ("source", "source_id"),
    ("document", "document_id"),
)


class Interner:
    def __init__(self, values: Sequence[str] = ()) -> None:
        self.values: list[str] = list(values)
        self.code_of: dict[str, int] = {v: i for i, v in enumerate(self.values)}

    def code(self, value: str) -> int:
        found = self.code_of.get(value)
        if found is None:
            found = len(self.values)
            self.code_of[value] = found
            self.values.append(value)
        return found

    def table_for(self, values: Iterable[str]) -> npt.NDArray[np.bool_]:
        return lookup_table(len(self.values), (c for v in values if (c := self.code_of.get(v)) is not None))


def lookup_table(size: int, codes: Iterable[int]) -> npt.NDArray[np.bool_]:
    """table[code] is True for the wanted codes, so ``table[column]`` is the row mask."""
    table = np.zeros(size + 1, dtype=np.bool_)
    table[list(codes)] = True
    return table


class RowCodes:
    """Code columns (grown by the matrix) plus the interners and tag sets that give codes meaning."""

    def __init__(self, capacity: int, state: dict[str, Any] | None = None) -> None:
        self.columns = {name: np.zeros(capacity, dtype=np.int32) for name in CODE_COLUMNS}
        self.updated = np.zeros(capacity, dtype=np.int64)
        saved = state or {}
        self.interners = {name: Interner(saved.get(name, ())) for name in INTERNED}
        self.tagsets: list[frozenset[str]] = [frozenset(t) for t in saved.get("tagsets", ())]
        self._tagset_code_of = {tags: i for i, tags in enumerate(self.tagsets)}
        # Distinct paths in sorted order, so a prefix is one contiguous slice found by bisection.
        paths = self.interners["path"].values
        order = sorted(range(len(paths)), key=paths.__getitem__)
        self._sorted_paths = [paths[i] for i in order]
        self._sorted_path_codes = order

    def state(self) -> dict[str, Any]:
        """The interned values (what `RowCodes(capacity, state)` restores), JSON-ready."""
        return {
            **{name: self.interners[name].values for name in INTERNED},
            "tagsets": [sorted(t) for t in self.tagsets],
        }

    def resize(self, capacity: int) -> None:
        for name, column in self.columns.items():
            self.columns[name] = np.resize(column, capacity)
        self.updated = np.resize(self.updated, capacity)

    def nbytes(self, rows: int) -> int:
        return sum(c[:rows].nbytes for c in self.columns.values()) + self.updated[:rows].nbytes

    def write(self, rows: npt.NDArray[np.int64], metas: Sequence[SegmentMeta]) -> None:
        for column, attr in _ATTRIBUTES:
            code = self.interners[column].code
            self.columns[column][rows] = [code(getattr(m, attr)) for m in metas]
        self.columns["path"][rows] = [self._path_code(m.path) for m in metas]
        self.columns["tagset"][rows] = [self._tagset_code(m.tags) for m in metas]
        self.updated[rows] = [epoch_micros(m.updated_at) for m in metas]

    def copy_rows(self, keep: npt.NDArray[np.int64]) -> None:
        """Row i becomes old row keep[i] (compaction)."""
        for name, column in self.columns.items():
            self.columns[name][: keep.size] = column[keep]
        self.updated[: keep.size] = self.updated[keep]

    def _path_code(self, path: str) -> int:
        interner = self.interners["path"]
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
            code = len(self.tagsets)
            self._tagset_code_of[tagset] = code
            self.tagsets.append(tagset)
        return code

    def document_rows(self, document_ids: Iterable[str], rows: int) -> npt.NDArray[np.int64]:
        table = self.interners["document"].table_for(document_ids)
        return np.flatnonzero(table[self.columns["document"][:rows]])

    def mask(self, filters: SearchFilters, rows: int) -> npt.NDArray[np.bool_] | None:
        """Rows (of the first `rows`) passing `filters`; None when nothing is restricted."""
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
                interner = self.interners[column]
                if len(interner.values) and all(v in allowed for v in interner.values):
                    continue  # every value present is allowed: no restriction (the common "all my projects")
                restrict(interner.table_for(allowed)[self.columns[column][:rows]])
        if filters.tags is not None:
            wanted = filters.tags
            table = lookup_table(
                len(self.tagsets),
                (c for c, tagset in enumerate(self.tagsets) if not tagset.isdisjoint(wanted)),
            )
            restrict(table[self.columns["tagset"][:rows]])
        if filters.path_prefix:
            prefix = filters.path_prefix
            lo = hi = bisect.bisect_left(self._sorted_paths, prefix)
            while hi < len(self._sorted_paths) and self._sorted_paths[hi].startswith(prefix):
                hi += 1
            table = lookup_table(len(self._sorted_paths), self._sorted_path_codes[lo:hi])
            restrict(table[self.columns["path"][:rows]])
        if filters.updated_after is not None:
            restrict(self.updated[:rows] >= epoch_micros(filters.updated_after))
        if filters.updated_before is not None:
            restrict(self.updated[:rows] <= epoch_micros(filters.updated_before))
        return mask

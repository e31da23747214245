"""A small corpus and a uniform way to drive both engines, so filter tests run against each."""

from __future__ import annotations

import re
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from pam.search.filters import IndexedSegment, SearchFilters
from pam.search.keyword_tantivy import TantivyKeywordIndex
from pam.search.vector_matrix import VectorMatrix

DIM = 64
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def sid(n: int) -> str:
    return str(uuid.UUID(int=n))


def bag_vector(text: str) -> np.ndarray:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vec = np.zeros(DIM, dtype=np.float32)
    for word in re.findall(r"\w+", text.lower()):
        vec[zlib.crc32(word.encode()) % DIM] += 1.0
    return vec


def make_segment(n: int, content: str, **fields: object) -> IndexedSegment:
    seg = IndexedSegment(
        segment_id=sid(n),
        document_id=f"doc{n}",
        project_id="p1",
        source_type="file",
        source_id="s1",
        path=f"docs/{n}.md",
        tags=(),
        updated_at=BASE + timedelta(days=n),
        title="",
        section_path="",
        content=content,
    )
    return replace(seg, **fields)  # type: ignore[arg-type]


@dataclass
class Engine:
    """Either engine behind one face: add segments, search, delete."""

    name: str
    add: Callable[[Sequence[IndexedSegment]], None]
    search: Callable[[str, SearchFilters, int], list[tuple[str, float]]]
    delete_segments: Callable[[Sequence[str]], None]
    delete_documents: Callable[[Sequence[str]], None]

    def ids(self, query: str, filters: SearchFilters | None = None, limit: int = 100) -> list[str]:
        return [s for s, _ in self.search(query, filters or SearchFilters(), limit)]


def keyword_engine(index: TantivyKeywordIndex) -> Engine:
    seq = [0]

    def commit() -> None:
        seq[0] += 1
        index.commit(seq[0])

    def add(segs: Sequence[IndexedSegment]) -> None:
        index.upsert(segs)
        commit()

    def delete_segments(ids: Sequence[str]) -> None:
        index.delete_segments(ids)
        commit()

    def delete_documents(ids: Sequence[str]) -> None:
        index.delete_documents(ids)
        commit()

    return Engine("keyword", add, index.search, delete_segments, delete_documents)


def vector_engine(matrix: VectorMatrix) -> Engine:
    def add(segs: Sequence[IndexedSegment]) -> None:
        vectors = np.stack([bag_vector(f"{s.title} {s.content}") for s in segs])
        matrix.upsert([s.segment_id for s in segs], vectors, [s.meta for s in segs])

    def search(query: str, filters: SearchFilters, limit: int) -> list[tuple[str, float]]:
        return [(s, score) for s, score in matrix.search(bag_vector(query), filters, limit) if score > 0]

    return Engine("vector", add, search, matrix.delete, matrix.delete_documents)


@pytest.fixture(params=["keyword", "vector"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "keyword":
        index = TantivyKeywordIndex(tmp_path / "kw")
        try:
            yield keyword_engine(index)
        finally:
            index.close()
    else:
        yield vector_engine(VectorMatrix(DIM))


@pytest.fixture
def memory_index() -> Iterator[TantivyKeywordIndex]:
    index = TantivyKeywordIndex(None)
    try:
        yield index
    finally:
        index.close()

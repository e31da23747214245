"""VectorMatrix: exactness against brute force through growth and deletes, and input validation."""

from __future__ import annotations

import numpy as np
import pytest

from pam.errors import InvalidInput
from pam.search.filters import SearchFilters, SegmentMeta
from pam.search.vector_matrix import VectorMatrix

from .conftest import BASE, sid

ALL = SearchFilters()


def meta(n: int, project: str = "p1") -> SegmentMeta:
    return SegmentMeta(f"doc{n // 10}", project, "file", "s1", f"docs/{n // 10}.md", (), BASE)


def brute_force(vectors: dict[str, np.ndarray], query: np.ndarray, limit: int) -> list[str]:
    q = query / np.linalg.norm(query)
    scored = sorted(((-float(v @ q / np.linalg.norm(v)), i) for i, v in vectors.items()))
    return [i for _, i in scored[:limit]]


def test_exact_through_growth_and_deletes() -> None:
    rng = np.random.default_rng(3)
    matrix = VectorMatrix(16)
    live: dict[str, np.ndarray] = {}
    for batch in range(5):
        ids = [sid(batch * 1000 + i) for i in range(700)]
        vecs = rng.standard_normal((700, 16)).astype(np.float32)
        matrix.upsert(ids, vecs, [meta(batch * 1000 + i) for i in range(700)])
        live.update(zip(ids, vecs, strict=True))
        doomed = [ids[i] for i in rng.choice(700, 200, replace=False)]
        matrix.delete(doomed)
        for d in doomed:
            del live[d]
    assert len(matrix) == len(live) == 2500
    assert matrix.nbytes >= 2500 * 16 * 4
    for _ in range(5):
        query = rng.standard_normal(16).astype(np.float32)
        assert [i for i, _ in matrix.search(query, ALL, 20)] == brute_force(live, query, 20)


def test_delete_documents_removes_all_their_rows() -> None:
    matrix = VectorMatrix(4)
    ids = [sid(n) for n in range(30)]
    matrix.upsert(ids, np.ones((30, 4)), [meta(n) for n in range(30)])
    matrix.delete_documents(["doc1", "unknown"])
    assert len(matrix) == 20
    remaining = {i for i, _ in matrix.search(np.ones(4), ALL, 100)}
    assert remaining == {sid(n) for n in range(30) if n // 10 != 1}


def test_scores_are_cosine_and_ties_break_by_id() -> None:
    matrix = VectorMatrix(2)
    matrix.upsert([sid(3), sid(1), sid(2)], [[2.0, 0.0], [5.0, 0.0], [0.0, 1.0]], [meta(1)] * 3)
    hits = matrix.search([1.0, 0.0], ALL, 3)
    assert [i for i, _ in hits] == [sid(1), sid(3), sid(2)]
    assert hits[0][1] == pytest.approx(1.0)
    assert hits[2][1] == pytest.approx(0.0)


def test_selective_filter_uses_only_allowed_rows() -> None:
    rng = np.random.default_rng(5)
    matrix = VectorMatrix(8)
    ids = [sid(n) for n in range(400)]
    vecs = rng.standard_normal((400, 8))
    matrix.upsert(ids, vecs, [meta(n, "rare" if n % 50 == 0 else "common") for n in range(400)])
    hits = matrix.search(vecs[1], SearchFilters(project_ids=frozenset({"rare"})), 3)
    assert len(hits) == 3
    assert all(int(i.replace("-", ""), 16) % 50 == 0 for i, _ in hits)


@pytest.mark.parametrize(
    ("ids", "vectors"),
    [
        ([sid(1)], [[1.0, 2.0]]),  # wrong dimension
        ([sid(1), sid(2)], [[1.0, 2.0, 3.0]]),  # count mismatch
        ([sid(1)], [[float("nan"), 1.0, 1.0]]),
        ([sid(1)], [[float("inf"), 1.0, 1.0]]),
    ],
)
def test_bad_vectors_are_rejected(ids: list[str], vectors: list[list[float]]) -> None:
    matrix = VectorMatrix(3)
    with pytest.raises(InvalidInput):
        matrix.upsert(ids, vectors, [meta(1)] * len(ids))
    assert len(matrix) == 0


def test_bad_and_degenerate_queries() -> None:
    matrix = VectorMatrix(3)
    matrix.upsert([sid(1)], [[1.0, 0.0, 0.0]], [meta(1)])
    with pytest.raises(InvalidInput):
        matrix.search([1.0, 0.0], ALL, 5)
    with pytest.raises(InvalidInput):
        matrix.search([float("nan"), 0.0, 0.0], ALL, 5)
    assert matrix.search([0.0, 0.0, 0.0], ALL, 5) == []
    assert matrix.search([1.0, 0.0, 0.0], ALL, 0) == []
    assert VectorMatrix(3).search([1.0, 0.0, 0.0], ALL, 5) == []
    with pytest.raises(InvalidInput):
        VectorMatrix(0)


def test_zero_vector_rows_are_kept_but_score_zero() -> None:
    matrix = VectorMatrix(2)
    matrix.upsert([sid(1), sid(2)], [[0.0, 0.0], [1.0, 1.0]], [meta(1), meta(2)])
    hits = matrix.search([1.0, 1.0], ALL, 5)
    assert [i for i, _ in hits] == [sid(2), sid(1)]
    assert hits[1][1] == 0.0

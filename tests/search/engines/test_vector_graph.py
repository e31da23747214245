"""VectorMatrix above its HNSW threshold: recall against exact, filters inside the walk, incremental writes,
tombstones and compaction, and the snapshot on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from pam.errors import InvalidInput
from pam.search import vector_store
from pam.search.filters import SearchFilters, SegmentMeta
from pam.search.vector_graph import HnswSettings
from pam.search.vector_matrix import VectorMatrix

from .conftest import BASE, sid

ALL = SearchFilters()
DIM = 32
# Small enough to build in a second or two on a busy machine; exact below 200 selected rows.
SMALL_FIELDS = {"min_rows": 1_500, "links": 16, "build_breadth": 64, "search_breadth": 96, "exact_rows": 200}
SMALL = HnswSettings(**SMALL_FIELDS)
CENTRES = np.random.default_rng(7).standard_normal((40, DIM)).astype(np.float32)


def clustered(rng: np.random.Generator, n: int) -> npt.NDArray[np.float32]:
    labels = rng.integers(0, len(CENTRES), n)
    return (CENTRES[labels] + 0.4 * rng.standard_normal((n, DIM))).astype(np.float32)


def meta(n: int) -> SegmentMeta:
    # 10 segments per document; projects p0..p9, so one project is 10% of the rows.
    return SegmentMeta(f"doc{n // 10}", f"p{(n // 10) % 10}", "file", "s1", f"docs/{n // 10}.md", (), BASE)


def build(vectors: npt.NDArray[np.float32], settings: HnswSettings = SMALL) -> VectorMatrix:
    matrix = VectorMatrix(DIM, ann=settings)
    for start in range(0, len(vectors), 500):  # batches, as the indexer sends them
        rows = range(start, min(start + 500, len(vectors)))
        matrix.upsert([sid(n) for n in rows], vectors[start : rows.stop], [meta(n) for n in rows])
    return matrix


def exact(
    vectors: npt.NDArray[np.float32], allowed: list[int], query: npt.NDArray[np.float32], k: int
) -> list[str]:
    unit = vectors[allowed] / np.linalg.norm(vectors[allowed], axis=1, keepdims=True)
    scores = unit @ (query / np.linalg.norm(query))
    return [sid(allowed[int(i)]) for i in np.argsort(-scores, kind="stable")[:k]]


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [i for i, _ in hits]


def recall(found: list[str], truth: list[str]) -> float:
    return len(set(found) & set(truth)) / len(truth)


@pytest.fixture(scope="module")
def data() -> tuple[npt.NDArray[np.float32], VectorMatrix]:
    vectors = clustered(np.random.default_rng(11), 4_000)
    return vectors, build(vectors)


def test_graph_is_built_above_the_threshold_and_recall_holds(
    data: tuple[npt.NDArray[np.float32], VectorMatrix],
) -> None:
    vectors, matrix = data
    assert matrix.graph is not None and matrix.graph.size == 4_000
    queries = clustered(np.random.default_rng(12), 20)
    everyone = list(range(len(vectors)))
    found = [recall(ids(matrix.search(q, ALL, 50)), exact(vectors, everyone, q, 50)) for q in queries]
    assert np.mean(found) >= 0.95


def test_memory_counts_the_graph(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    # /api/stats reports it: the graph's 8-bit codes and links come on top of the float32 rows.
    vectors, matrix = data
    assert matrix.graph is not None
    assert matrix.graph.nbytes >= len(vectors) * DIM
    assert matrix.nbytes >= vectors.nbytes + matrix.graph.nbytes


def test_scores_are_exact_cosines(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    vectors, matrix = data
    query = clustered(np.random.default_rng(13), 1)[0]
    for segment_id, score in matrix.search(query, ALL, 10):
        row = vectors[int(segment_id.replace("-", ""), 16)]
        assert score == pytest.approx(
            float(row @ query / np.linalg.norm(row) / np.linalg.norm(query)), abs=1e-5
        )


# Projects of 400 rows: below the threshold (the whole graph, filtered), and above it (its own graph).
@pytest.mark.parametrize("per_project_graph", [False, True])
def test_a_one_project_filter_is_applied_inside_the_walk(
    data: tuple[npt.NDArray[np.float32], VectorMatrix], per_project_graph: bool
) -> None:
    vectors, matrix = data
    if per_project_graph:
        matrix = build(vectors, HnswSettings(min_rows=300, links=16, build_breadth=64, search_breadth=96))
        assert len(matrix.project_graphs) == 10
    else:
        assert not matrix.project_graphs
    one = SearchFilters(project_ids=frozenset({"p3"}))
    allowed = [n for n in range(len(vectors)) if (n // 10) % 10 == 3]
    queries = clustered(np.random.default_rng(14), 20)
    scores = []
    for q in queries:
        hits = ids(matrix.search(q, one, 50))
        assert len(hits) == 50  # not starved by the 90% of rows the filter rejects
        assert all(((int(h.replace("-", ""), 16) // 10) % 10) == 3 for h in hits)
        scores.append(recall(hits, exact(vectors, allowed, q, 50)))
    assert np.mean(scores) >= 0.95


def test_a_selective_filter_is_answered_exactly(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    vectors, matrix = data
    query = clustered(np.random.default_rng(15), 1)[0]
    one_doc = SearchFilters(path_prefix="docs/7.md")
    assert ids(matrix.search(query, one_doc, 5)) == exact(vectors, list(range(70, 80)), query, 5)


def test_incremental_adds_and_deletes_without_rebuild() -> None:
    rng = np.random.default_rng(16)
    vectors = clustered(rng, 3_000)
    matrix = build(vectors)
    graph = matrix.graph
    assert graph is not None
    extra = clustered(rng, 300)
    matrix.upsert([sid(10_000 + i) for i in range(300)], extra, [meta(10_000 + i) for i in range(300)])
    assert matrix.graph is graph and graph.size == 3_300  # appended, not rebuilt
    matrix.delete_documents([f"doc{d}" for d in range(0, 50)])  # 500 rows
    assert matrix.graph is graph and len(matrix) == 2_800
    live = [n for n in range(3_000) if n // 10 >= 50]
    pool = np.concatenate([vectors, np.zeros((7_000, DIM), np.float32), extra])
    for q in clustered(rng, 10):
        hits = ids(matrix.search(q, ALL, 30))
        assert not any(int(h.replace("-", ""), 16) < 500 for h in hits)  # tombstones are never returned
        truth = exact(pool, live + list(range(10_000, 10_300)), q, 30)
        assert recall(hits, truth) >= 0.9


def test_replacing_a_document_keeps_unchanged_rows_in_place() -> None:
    vectors = clustered(np.random.default_rng(17), 2_000)
    matrix = build(vectors)
    rows_before = matrix.rows
    metas = [meta(n) for n in range(10, 20)]
    matrix.replace_documents(["doc1"], [sid(n) for n in range(10, 20)], vectors[10:20], metas)
    assert matrix.rows == rows_before  # the same vectors: no new rows, no graph insertions
    matrix.replace_documents(["doc1"], [sid(n) for n in range(10, 15)], vectors[10:15], metas[:5])
    assert len(matrix) == 1_995
    assert set(ids(matrix.search(vectors[17], ALL, 3))).isdisjoint({sid(n) for n in range(15, 20)})


def test_many_deletes_compact_rows_and_rebuild_the_graph() -> None:
    vectors = clustered(np.random.default_rng(18), 3_000)
    matrix = build(vectors)
    matrix.delete_documents([f"doc{d}" for d in range(0, 150)])  # half the rows
    assert matrix.rows == len(matrix) == 1_500
    assert matrix.graph is not None and matrix.graph.size == 1_500
    query = vectors[2_500]
    assert ids(matrix.search(query, ALL, 1)) == [sid(2_500)]


def test_snapshot_restores_rows_filters_and_graph(
    tmp_path: Path, data: tuple[npt.NDArray[np.float32], VectorMatrix]
) -> None:
    _, matrix = data
    vector_store.save(tmp_path / "vectors", matrix, "model-a", 42)
    assert vector_store.load(tmp_path / "vectors", "model-b", DIM, SMALL) is None  # another model's
    saved = vector_store.load(tmp_path / "vectors", "model-a", DIM, SMALL)
    assert saved is not None and saved.seq == 42
    restored = saved.matrix
    assert restored.graph is not None and restored.graph.size == matrix.rows
    one = SearchFilters(project_ids=frozenset({"p3"}))
    for q in clustered(np.random.default_rng(19), 5):
        assert restored.search(q, ALL, 20) == matrix.search(q, ALL, 20)
        assert restored.search(q, one, 20) == matrix.search(q, one, 20)


def test_a_damaged_snapshot_is_ignored(tmp_path: Path) -> None:
    matrix = build(clustered(np.random.default_rng(20), 100))
    vector_store.save(tmp_path / "vectors", matrix, "m", 1)
    (tmp_path / "vectors" / "arrays.npz").write_bytes(b"not an archive")
    assert vector_store.load(tmp_path / "vectors", "m", DIM, SMALL) is None


def test_exact_matrix_never_builds_a_graph() -> None:
    vectors = clustered(np.random.default_rng(21), 2_000)
    matrix = build(vectors, settings=SMALL)
    exact_matrix = VectorMatrix(DIM, ann=None)
    exact_matrix.upsert([sid(n) for n in range(2_000)], vectors, [meta(n) for n in range(2_000)])
    assert matrix.graph is not None and exact_matrix.graph is None
    q = vectors[5]
    assert ids(exact_matrix.search(q, ALL, 10)) == exact(vectors, list(range(2_000)), q, 10)


@pytest.mark.parametrize(
    "bad", [{"min_rows": 0}, {"links": 0}, {"over_fetch": 0.5}, {"max_dead_share": 1.0}, {"exact_rows": -1}]
)
def test_bad_settings_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        HnswSettings(**bad)  # type: ignore[arg-type]


def test_the_graph_can_hold_float16_vectors_instead_of_8_bit_codes() -> None:
    vectors = clustered(np.random.default_rng(21), 3_000)
    matrix = build(vectors, HnswSettings(**{**SMALL_FIELDS, "codes": "fp16"}))
    assert matrix.graph is not None and matrix.graph.nbytes >= len(vectors) * DIM * 2
    queries = clustered(np.random.default_rng(22), 20)
    everyone = list(range(len(vectors)))
    found = [recall(ids(matrix.search(q, ALL, 50)), exact(vectors, everyone, q, 50)) for q in queries]
    assert np.mean(found) >= 0.95
    with pytest.raises(InvalidInput):
        HnswSettings(codes="pq4")


def test_the_graph_over_every_row_is_cut_into_shards_that_are_walked_and_restored(tmp_path: Path) -> None:
    settings = HnswSettings(**{**SMALL_FIELDS, "shard_rows": 1_000})
    vectors = clustered(np.random.default_rng(23), 3_500)
    matrix = build(vectors, settings)  # 500 rows per write: the graph starts at 1,500 and grows by appends
    assert matrix.graph is not None and [s.size for s in matrix.graph.shards] == [1_000, 1_000, 1_000, 500]
    queries = clustered(np.random.default_rng(24), 20)
    everyone = list(range(len(vectors)))
    found = [recall(ids(matrix.search(q, ALL, 50)), exact(vectors, everyone, q, 50)) for q in queries]
    assert np.mean(found) >= 0.95
    # A filter (here: everything but the first 300 documents) is applied inside each shard's walk.
    matrix.delete_documents([f"doc{d}" for d in range(0, 30)])
    alive = list(range(300, len(vectors)))
    found = [recall(ids(matrix.search(q, ALL, 50)), exact(vectors, alive, q, 50)) for q in queries]
    assert np.mean(found) >= 0.95
    vector_store.save(tmp_path / "vectors", matrix, "m", 7)
    saved = vector_store.load(tmp_path / "vectors", "m", DIM, settings)
    assert saved is not None and saved.matrix.graph is not None
    assert [s.size for s in saved.matrix.graph.shards] == [1_000, 1_000, 1_000, 500]
    for q in queries[:5]:
        assert saved.matrix.search(q, ALL, 20) == matrix.search(q, ALL, 20)

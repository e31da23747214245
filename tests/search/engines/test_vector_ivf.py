"""VectorMatrix above its IVF threshold: recall against exact, filters inside the probe, write consistency."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from pam.errors import InvalidInput
from pam.search.filters import SearchFilters, SegmentMeta
from pam.search.vector_ivf import IvfQuantiser, IvfSettings
from pam.search.vector_matrix import VectorMatrix

from .conftest import BASE, sid

ALL = SearchFilters()
DIM = 32
# Small enough to train in well under a second; about 10% of the rows scored per query.
SMALL = IvfSettings(min_rows=2_000, candidates_per_sqrt_row=7.0, min_candidates=64, candidates_per_hit=2)


# Shared by data and queries, so queries fall near the data as real ones do.
CENTRES = np.random.default_rng(7).standard_normal((40, DIM)).astype(np.float32)


def clustered(rng: np.random.Generator, n: int) -> npt.NDArray[np.float32]:
    centres = CENTRES
    labels = rng.integers(0, len(centres), n)
    return (centres[labels] + 0.4 * rng.standard_normal((n, DIM))).astype(np.float32)


def meta(n: int) -> SegmentMeta:
    return SegmentMeta(f"doc{n // 10}", f"p{n % 4}", "file", "s1", f"docs/{n // 10}.md", (), BASE)


def build(vectors: npt.NDArray[np.float32], settings: IvfSettings = SMALL) -> VectorMatrix:
    matrix = VectorMatrix(DIM, ann=settings)
    for start in range(0, len(vectors), 1_000):  # batches, as the indexer sends them
        rows = range(start, min(start + 1_000, len(vectors)))
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


@pytest.fixture(scope="module")
def data() -> tuple[npt.NDArray[np.float32], VectorMatrix]:
    vectors = clustered(np.random.default_rng(11), 6_000)
    return vectors, build(vectors)


def test_recall_against_exact_on_clustered_data(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    vectors, matrix = data
    assert matrix.ivf_lists == round(4.0 * np.sqrt(4_000))  # trained at 2,000 rows, retrained at 4,000
    queries = clustered(np.random.default_rng(12), 40)
    everyone = list(range(len(vectors)))
    for k in (10, 100):
        recall = np.mean(
            [
                len(set(ids(matrix.search(q, ALL, k))) & set(exact(vectors, everyone, q, k))) / k
                for q in queries
            ]
        )
        assert recall >= 0.95, (k, recall)


def test_scores_are_exact_cosines(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    vectors, matrix = data
    query = vectors[17]
    for segment_id, score in matrix.search(query, ALL, 20):
        row = vectors[int(segment_id.replace("-", ""), 16)]
        cosine = float(row @ query / np.linalg.norm(row) / np.linalg.norm(query))
        assert score == pytest.approx(cosine, abs=1e-5)


def test_filter_applies_before_truncation(data: tuple[npt.NDArray[np.float32], VectorMatrix]) -> None:
    vectors, matrix = data
    project = SearchFilters(project_ids=frozenset({"p2"}))  # a quarter of the rows, far above the budget
    allowed = [n for n in range(len(vectors)) if n % 4 == 2]
    queries = clustered(np.random.default_rng(13), 20)
    recalls = []
    for q in queries:
        hits = ids(matrix.search(q, project, 100))
        assert len(hits) == 100
        assert all(int(h.replace("-", ""), 16) % 4 == 2 for h in hits)
        recalls.append(len(set(hits) & set(exact(vectors, allowed, q, 100))) / 100)
    assert np.mean(recalls) >= 0.95


def test_selective_filter_and_large_limit_fall_back_to_exact(
    data: tuple[npt.NDArray[np.float32], VectorMatrix],
) -> None:
    vectors, matrix = data
    one_doc = SearchFilters(source_ids=frozenset({"s1"}), path_prefix="docs/12.md")  # ten rows
    query = vectors[5]
    assert ids(matrix.search(query, one_doc, 5)) == exact(vectors, list(range(120, 130)), query, 5)
    # A limit whose budget covers every row is answered exactly.
    everyone = list(range(len(vectors)))
    assert ids(matrix.search(query, ALL, 3_000)) == exact(vectors, everyone, query, 3_000)


def test_upsert_and_delete_keep_the_index_consistent() -> None:
    rng = np.random.default_rng(21)
    vectors = clustered(rng, 5_000)
    matrix = build(vectors)
    assert matrix.ivf_lists > 0
    live = dict(enumerate(vectors))
    doomed = rng.choice(5_000, 700, replace=False).tolist()
    matrix.delete([sid(n) for n in doomed])
    matrix.delete_documents(["doc3", "doc499"])
    for n in doomed + list(range(30, 40)) + list(range(4_990, 5_000)):
        live.pop(n, None)
    moved = [n for n in rng.choice(5_000, 300, replace=False).tolist() if n in live]
    new_vectors = clustered(rng, len(moved))  # replaced rows usually change list
    matrix.upsert([sid(n) for n in moved], new_vectors, [meta(n) for n in moved])
    live.update(zip(moved, new_vectors, strict=True))
    assert len(matrix) == len(live)
    order = sorted(live)
    everything = np.stack([live[n] for n in order])
    # A row is always in the list of its nearest centroid, which its own vector probes first.
    for n in rng.choice(order, 200, replace=False).tolist():
        hits = matrix.search(live[n], ALL, 10)
        assert hits[0][0] == sid(n) or hits[0][1] == pytest.approx(1.0)
        assert not {h for h, _ in hits} & {sid(d) for d in doomed}
    queries = clustered(rng, 20)
    recall = np.mean(
        [
            len(set(ids(matrix.search(q, ALL, 100))) & {sid(order[int(i)]) for i in top}) / 100
            for q in queries
            for top in [
                np.argsort(-(everything / np.linalg.norm(everything, axis=1, keepdims=True)) @ q)[:100]
            ]
        ]
    )
    assert recall >= 0.95


def test_retrains_when_grown_and_exact_below_threshold() -> None:
    rng = np.random.default_rng(31)
    vectors = clustered(rng, 5_500)
    matrix = build(vectors[:1_999])
    assert matrix.ivf_lists == 0
    query = vectors[3]
    assert ids(matrix.search(query, ALL, 50)) == exact(vectors, list(range(1_999)), query, 50)
    matrix.upsert(
        [sid(n) for n in range(1_999, 2_500)], vectors[1_999:2_500], [meta(n) for n in range(1_999, 2_500)]
    )
    first = matrix.ivf_lists
    assert first == round(4.0 * np.sqrt(2_500))
    matrix.upsert(
        [sid(n) for n in range(2_500, 5_500)], vectors[2_500:], [meta(n) for n in range(2_500, 5_500)]
    )
    assert matrix.ivf_lists == round(4.0 * np.sqrt(5_500))  # >= 2 x 2,500: retrained for the new size
    matrix.delete([sid(n) for n in range(1_999, 5_500)])
    assert matrix.ivf_lists == 0  # shrunk below the threshold: exact again
    assert ids(matrix.search(query, ALL, 50)) == exact(vectors, list(range(1_999)), query, 50)


def test_same_data_and_seed_give_same_results() -> None:
    vectors = clustered(np.random.default_rng(41), 3_000)
    one, two = build(vectors), build(vectors)
    for q in clustered(np.random.default_rng(42), 10):
        assert one.search(q, ALL, 30) == two.search(q, ALL, 30)
    trained = IvfQuantiser.train(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), SMALL)
    again = IvfQuantiser.train(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), SMALL)
    assert np.array_equal(trained.centroids, again.centroids)


def test_exact_matrix_never_builds_an_index() -> None:
    vectors = clustered(np.random.default_rng(51), 2_500)
    matrix = build(vectors, settings=SMALL)
    exact_matrix = VectorMatrix(DIM, ann=None)
    exact_matrix.upsert([sid(n) for n in range(2_500)], vectors, [meta(n) for n in range(2_500)])
    assert matrix.ivf_lists > 0 and exact_matrix.ivf_lists == 0
    assert matrix.nbytes > exact_matrix.nbytes  # the centroids are counted


@pytest.mark.parametrize(
    "bad",
    [
        {"min_rows": 0},
        {"candidates_per_sqrt_row": 0.0},
        {"lists_per_sqrt_row": -1.0},
        {"retrain_growth": 1.0},
        {"iterations": 0},
        {"min_candidates": 0},
    ],
)
def test_bad_settings_are_rejected(bad: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        IvfSettings(**bad)  # type: ignore[arg-type]


def test_degenerate_training_input() -> None:
    with pytest.raises(InvalidInput):
        IvfQuantiser.train(np.zeros((0, DIM), dtype=np.float32), SMALL)
    # Identical rows: empty lists are reseeded, every row still lands in a list.
    same = np.ones((50, DIM), dtype=np.float32) / np.sqrt(DIM)
    quantiser = IvfQuantiser.train(same, IvfSettings(min_rows=1, lists_per_sqrt_row=1.0))
    assert quantiser.lists == 7
    assert quantiser.assign(same).max() < 7

"""Approximate vector search libraries side by side: usearch, faiss (HNSW) and hnswlib, on this machine.

Run: .venv/bin/python bench/ann_bench.py [--sizes 100000] [--libs faiss,hnswlib,usearch] [--ef 64,128,256,512]

Every library gets the same SciFact-derived vectors (bench/engines_bench.py ``ann_vectors``: the real SciFact
MiniLM vectors, grown by mixing two documents plus noise; queries are the real test queries), the same graph
(M = 32 links per node, 128 candidates while building, inner product on unit vectors) and one thread. For
each search breadth (ef) it reports recall@100 against exact search and the p50/p95 of on-CPU time per query
(``time.thread_time``: what the query costs, whatever else the shared machine runs; wall time beside it),
unfiltered and with a one-project filter that passes 10% of the rows, applied *inside* the search where the
library can (faiss: an ``IDSelectorBitmap`` in ``SearchParametersHNSW``; hnswlib: a ``filter`` callable;
usearch's Python API has no filtered search, so it is measured by over-fetching 10x and filtering after,
which is what "starves" results). Build time (CPU and wall) and memory are reported per library.
Results: bench/results/ann_libraries.json and .md.
"""

# ruff: noqa: E402  (BLAS/OpenMP threads must be pinned before numpy and the libraries load)
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench import common
from bench.engines_bench import CACHE, ann_vectors

M = 32
EF_CONSTRUCTION = 128
DEPTH = 100
PROJECTS = 10  # a one-project filter passes 10% of the rows


def _timed(fn: Callable[[int], object], n: int) -> dict[str, float]:
    cpu, wall = [], []
    for i in range(n):
        c0, w0 = time.thread_time(), time.perf_counter()
        fn(i)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return {
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 3),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 3),
        "wall_p50_ms": round(float(np.percentile(wall, 50)), 3),
    }


def _recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    return float(
        np.mean([len(np.intersect1d(f, t)) / max(1, len(t)) for f, t in zip(found, truth, strict=True)])
    )


class Faiss:
    name = "faiss HNSWFlat"

    def __init__(self, vecs: np.ndarray) -> None:
        import faiss

        faiss.omp_set_num_threads(1)
        self.faiss = faiss
        self.vecs = vecs
        self.index = self._make(vecs.shape[1])
        self.index.hnsw.efConstruction = EF_CONSTRUCTION
        self.index.add(vecs)

    def _make(self, dim: int) -> Any:
        return self.faiss.IndexHNSWFlat(dim, M, self.faiss.METRIC_INNER_PRODUCT)

    def search(self, q: np.ndarray, ef: int, allowed: np.ndarray | None) -> np.ndarray:
        params = self.faiss.SearchParametersHNSW(efSearch=max(ef, DEPTH))
        if allowed is not None:
            params.sel = self._selector(allowed)
        _, ids = self.index.search(q.reshape(1, -1), DEPTH, params=params)
        return ids[0][ids[0] >= 0]

    def _selector(self, allowed: np.ndarray) -> Any:
        if not hasattr(self, "_bits") or self._bits_of is not allowed:
            self._bits = np.packbits(allowed, bitorder="little")
            self._bits_of = allowed
            self._sel = self.faiss.IDSelectorBitmap(len(allowed), self.faiss.swig_ptr(self._bits))
        return self._sel


class FaissSQ8(Faiss):
    """8-bit scalar-quantised vectors in the graph (a quarter of the memory); candidates re-scored exactly."""

    name = "faiss HNSWSQ8+rescore"
    over_fetch = 1.5

    def _make(self, dim: int) -> Any:
        index = self.faiss.IndexHNSWSQ(
            dim, self.faiss.ScalarQuantizer.QT_8bit, M, self.faiss.METRIC_INNER_PRODUCT
        )
        index.train(self.vecs[: min(len(self.vecs), 100_000)])
        return index

    def search(self, q: np.ndarray, ef: int, allowed: np.ndarray | None) -> np.ndarray:
        wanted = int(DEPTH * self.over_fetch)
        params = self.faiss.SearchParametersHNSW(efSearch=max(ef, wanted))
        if allowed is not None:
            params.sel = self._selector(allowed)
        _, ids = self.index.search(q.reshape(1, -1), wanted, params=params)
        found = ids[0][ids[0] >= 0]
        exact = self.vecs[found] @ q
        return found[np.argsort(-exact)[:DEPTH]]


class Hnswlib:
    name = "hnswlib"

    def __init__(self, vecs: np.ndarray) -> None:
        import hnswlib

        self.index = hnswlib.Index(space="ip", dim=vecs.shape[1])
        self.index.init_index(max_elements=len(vecs), ef_construction=EF_CONSTRUCTION, M=M)
        self.index.set_num_threads(1)
        self.index.add_items(vecs, np.arange(len(vecs)), num_threads=1)

    def search(self, q: np.ndarray, ef: int, allowed: np.ndarray | None) -> np.ndarray:
        self.index.set_ef(max(ef, DEPTH))
        predicate = None if allowed is None else (lambda label: bool(allowed[label]))
        labels, _ = self.index.knn_query(q, k=DEPTH, num_threads=1, filter=predicate)
        return np.asarray(labels[0], dtype=np.int64)


class Usearch:
    name = "usearch f32"

    def __init__(self, vecs: np.ndarray) -> None:
        from usearch.index import Index

        self.index = Index(
            ndim=vecs.shape[1], metric="ip", dtype="f32", connectivity=M, expansion_add=EF_CONSTRUCTION
        )
        self.index.add(np.arange(len(vecs)), vecs, threads=1)

    def search(self, q: np.ndarray, ef: int, allowed: np.ndarray | None) -> np.ndarray:
        self.index.expansion_search = max(ef, DEPTH)
        if allowed is None:
            return np.asarray(self.index.search(q, DEPTH, threads=1).keys, dtype=np.int64)
        # No filtered search in the Python API: over-fetch and filter after (results can starve).
        keys = np.asarray(self.index.search(q, DEPTH * 10, threads=1).keys, dtype=np.int64)
        return keys[allowed[keys]][:DEPTH]


class Ours:
    """PAM's VectorMatrix (faiss HNSW SQ8 + exact re-scoring, a graph per big project) with its defaults."""

    name = "ours (VectorMatrix)"
    codes = "sq8"

    def __init__(self, vecs: np.ndarray) -> None:
        from datetime import UTC, datetime

        from pam.search.filters import SearchFilters, SegmentMeta
        from pam.search.vector_graph import HnswSettings
        from pam.search.vector_matrix import VectorMatrix

        when = datetime(2024, 1, 1, tzinfo=UTC)
        settings = HnswSettings(links=M, build_breadth=EF_CONSTRUCTION, codes=self.codes)
        self.matrix = VectorMatrix(vecs.shape[1], settings)
        for start in range(0, len(vecs), 50_000):
            rows = range(start, min(start + 50_000, len(vecs)))
            self.matrix.upsert(
                [str(r) for r in rows],
                vecs[start : rows.stop],
                [
                    SegmentMeta(
                        f"d{r // 8}", f"p{(r // 8) % PROJECTS}", "file", "s", f"d{r // 8}.md", (), when
                    )
                    for r in rows
                ],
            )
        self.everything = SearchFilters()
        self.one_project = SearchFilters(project_ids=frozenset({"p0"}))
        self.settings = HnswSettings

    def search(self, q: np.ndarray, ef: int, allowed: np.ndarray | None) -> np.ndarray:
        from dataclasses import replace

        for graph in self.matrix._graphs():
            for hnsw in getattr(graph, "shards", None) or [graph.graph]:  # type: ignore[union-attr]
                hnsw.settings = replace(hnsw.settings, search_breadth=ef)
        flt = self.everything if allowed is None else self.one_project
        return np.asarray([int(i) for i, _ in self.matrix.search(q, flt, DEPTH)], dtype=np.int64)


class OursFp16(Ours):
    """The same with float16 vectors in the graph instead of 8-bit codes."""

    name = "ours (VectorMatrix, fp16 graph)"
    codes = "fp16"


LIBRARIES = {
    "ours": Ours,
    "ours_fp16": OursFp16,
    "faiss": Faiss,
    "faiss_sq8": FaissSQ8,
    "hnswlib": Hnswlib,
    "usearch": Usearch,
}


def _exact(vecs: np.ndarray, q: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    scores = vecs @ q
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    top = np.argpartition(-scores, DEPTH)[:DEPTH]
    return top[np.isfinite(scores[top])]


def _scifact_base() -> tuple[np.ndarray, int]:
    """The SciFact abstracts' vectors: the whole cache, or the parts embedded so far (how many is reported)."""
    whole = CACHE / "scifact_vectors.npy"
    if whole.exists():
        base = np.load(whole)
    else:
        base = np.concatenate([np.load(p) for p in sorted(CACHE.glob("scifact_vectors.part*.npy"))])
    return base, len(base)


def derived_vectors(
    size: int, queries_n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """engines_bench's SciFact-derived vectors (two real abstracts mixed, plus noise), from `_scifact_base`."""
    base, used = _scifact_base()
    queries = np.load(CACHE / "scifact_test_query_vectors.npy")[:queries_n]
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    out[: min(size, len(base))] = base[:size]
    for start in range(len(base), size, 100_000):
        count = min(100_000, size - start)
        weight = rng.uniform(0.5, 1.0, (count, 1)).astype(np.float32)
        mixed = weight * base[rng.integers(0, len(base), count)]
        mixed += (1 - weight) * base[rng.integers(0, len(base), count)]
        mixed += 0.02 * rng.standard_normal((count, base.shape[1]), dtype=np.float32)
        out[start : start + count] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out, queries, used


def run_size(size: int, libs: list[str], efs: list[int], queries_n: int, kind: str) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    base_docs = None
    if kind == "scifact":
        vecs, queries, base_docs = derived_vectors(size, queries_n, rng)
    else:
        vecs, queries = ann_vectors(kind, size, queries_n, rng)
    allowed = (
        np.arange(size) // 8
    ) % PROJECTS == 0  # 8 segments per document, documents spread over projects
    truth = {
        "none": [_exact(vecs, q, None) for q in queries],
        "project_10pct": [_exact(vecs, q, allowed) for q in queries],
    }
    exact_cost = _timed(lambda i: _exact(vecs, queries[i], None), min(30, queries_n))
    report: dict[str, Any] = {
        "segments": size,
        "vectors": kind,
        "scifact_abstracts_mixed": base_docs,
        "queries": queries_n,
        "exact_numpy": exact_cost,
        "libraries": {},
    }
    print(f"{size}: exact numpy {exact_cost}", flush=True)
    for lib in libs:
        c0, w0 = time.process_time(), time.perf_counter()
        engine = LIBRARIES[lib](vecs)
        build = {"cpu_s": round(time.process_time() - c0, 1), "wall_s": round(time.perf_counter() - w0, 1)}
        if isinstance(engine, Ours):
            build["bytes_per_segment"] = round(engine.matrix.nbytes / size, 1)
            build["project_graphs"] = len(engine.matrix.project_graphs)
        rows = []
        for ef in efs:
            for label, mask in (("none", None), ("project_10pct", allowed)):
                found = [engine.search(q, ef, mask) for q in queries]
                cost = _timed(lambda i, m=mask, e=ef, g=engine: g.search(queries[i], e, m), queries_n)
                row = {
                    "ef": ef,
                    "filter": label,
                    "recall@100": round(_recall(found, truth[label]), 4),
                    **cost,
                }
                rows.append(row)
                print(f"  {engine.name:<16} {row}", flush=True)
        report["libraries"][lib] = {"name": engine.name, "build": build, "runs": rows}
        del engine
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--libs", default="ours,faiss,faiss_sq8,hnswlib,usearch")
    parser.add_argument("--ef", default="64,128,256,512")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--kind", default="scifact", help="scifact (derived; needs the cached vectors) or clustered"
    )
    parser.add_argument("--out", default="ann_libraries")
    args = parser.parse_args()
    efs = [int(e) for e in args.ef.split(",")]
    libs = args.libs.split(",")
    report = {
        "settings": {"M": M, "ef_construction": EF_CONSTRUCTION, "depth": DEPTH, "threads": 1},
        "sizes": [run_size(int(s), libs, efs, args.queries, args.kind) for s in args.sizes.split(",")],
    }
    table = common.markdown_table(
        ["segments", "library", "build cpu s", "ef", "filter", "recall@100", "cpu p50 ms", "cpu p95 ms"],
        [
            [
                size["segments"],
                lib["name"],
                lib["build"]["cpu_s"],
                r["ef"],
                r["filter"],
                r["recall@100"],
                r["cpu_p50_ms"],
                r["cpu_p95_ms"],
            ]
            for size in report["sizes"]
            for lib in size["libraries"].values()
            for r in lib["runs"]
        ],
    )
    common.write(args.out, report, table)


if __name__ == "__main__":
    main()

"""Our embedded search against peer engines, side by side in one process on the same data.

Run: .venv/bin/python -m bench.peers_bench [--sizes 100000,1000000] [--queries 300] [--budget 20]

Engines (same texts, same vectors, same queries for every engine):
- ours: TantivyKeywordIndex (keyword), VectorMatrix (exact float32 cosine), hybrid = keyword top-100 +
  vector top-100 fused by rrf_fuse (k=60, top-100);
- bm25s (Lucene BM25 k1=1.5 b=0.75, English stop words, PyStemmer English: the setup of the documented 0.686);
- SQLite FTS5 (stdlib sqlite3; porter unicode61; an OR of the quoted query words ranked by bm25()), also with
  English stop words dropped from the query;
- LanceDB: its native FTS index (create_fts_index: stemming, stop words, folding), exact vector search (no
  vector index, dot distance on unit vectors), and query_type="hybrid" with RRFReranker(K=60), limit 100.
Data: SciFact (title + text, one segment per abstract, cached MiniLM-int8 vectors from engines_bench) for
quality and latency; synthetic 100k / 1M segments (words drawn from the SciFact unigram distribution, random
unit 384-d vectors, SciFact test queries with random query vectors) for latency, build time and memory.
Latency: top-100, query embedding excluded, BLAS pinned to one thread and LanceDB's compute pool to one CPU.
Three clocks per query: wall, this thread's CPU, and the whole process's CPU. Thread CPU misses work that
an engine hands to its own threads (LanceDB runs each hybrid leg in a Python worker thread and queries on a
tokio pool), so the ours/theirs CPU ratios use process CPU; on this shared, loaded machine CPU time is the
steadier figure and wall time is reported beside it. Measurements stop after --budget seconds (at least 20
queries), so slow engines at 1M are sampled, not skipped.
Results: bench/results/peers.json and peers.md.
"""

# ruff: noqa: E402  (thread pools must be pinned before numpy / lancedb are imported)
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("LANCE_CPU_THREADS", "1")
os.environ.setdefault("LANCEDB_LOG", "error")  # else one deprecation warning per query floods the output
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may download; fail loudly if anything tries

import argparse
import contextlib
import ctypes
import gc
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bm25s
import lancedb
import numpy as np
import pyarrow as pa
import Stemmer
from lancedb.rerankers import RRFReranker

from bench.common import markdown_table, write
from bench.engines_bench import (
    BASE_TIME,
    CACHE,
    MiniLmEmbedder,
    ann_vectors,
    dir_size,
    evaluate,
    load_scifact,
    rss,
    scifact_unigrams,
)
from pam.search.analyzer import DEFAULT_ANALYZER
from pam.search.filters import IndexedSegment, SearchFilters
from pam.search.fusion import rrf_fuse
from pam.search.keyword_tantivy import TantivyKeywordIndex
from pam.search.vector_matrix import VectorMatrix

DEPTH = 100
RRF_K = 60
DIM = 384
NO_FILTER = SearchFilters()
STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN)
BUILD_LIMIT_S = 300.0
Timing = dict[str, float]


def trim_heap() -> None:
    """Give freed memory back to the OS so the next engine's RSS growth is its own."""
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(fn: Callable[[int], object], n: int, budget_s: float, min_n: int = 20) -> Timing:
    fn(0)  # warm caches once
    wall, thr, proc = [], [], []
    started = time.perf_counter()
    for i in range(n):
        w0, t0, p0 = time.perf_counter_ns(), time.thread_time_ns(), time.process_time_ns()
        fn(i)
        proc.append(time.process_time_ns() - p0)
        thr.append(time.thread_time_ns() - t0)
        wall.append(time.perf_counter_ns() - w0)
        if i + 1 >= min_n and time.perf_counter() - started > budget_s:
            break
    out: Timing = {"queries": float(len(wall))}
    for label, values in (("wall", wall), ("thread_cpu", thr), ("cpu", proc)):
        arr = np.asarray(values) / 1e6
        out[f"{label}_p50_ms"] = float(np.percentile(arr, 50))
        out[f"{label}_p95_ms"] = float(np.percentile(arr, 95))
    return out


# ---- engines: each builds from (texts, vectors) and answers with row numbers ----------------------------


class Ours:
    def __init__(self, texts: Sequence[str], vecs: np.ndarray, path: Path | None) -> None:
        self.ids = [str(uuid.UUID(int=i + 1)) for i in range(len(texts))]
        self.row_of = {s: i for i, s in enumerate(self.ids)}
        t0 = time.perf_counter()
        self.kw = TantivyKeywordIndex(
            path, analyzer=DEFAULT_ANALYZER, writer_heap_bytes=1_000_000_000, writer_threads=2
        )
        self.vm = VectorMatrix(vecs.shape[1])
        kw_s = vec_s = 0.0
        for start in range(0, len(texts), 20_000):
            t1 = time.perf_counter()
            segs = [
                IndexedSegment(
                    self.ids[row],
                    f"doc{row // 8}",
                    f"p{row % 4}",
                    "file",
                    "src",
                    f"src/doc{row // 8}.md",
                    (),
                    BASE_TIME,
                    "",
                    "",
                    texts[row],
                )
                for row in range(start, min(start + 20_000, len(texts)))
            ]
            self.kw.upsert(segs)
            t2 = time.perf_counter()
            self.vm.upsert(
                [s.segment_id for s in segs], vecs[start : start + len(segs)], [s.meta for s in segs]
            )
            kw_s += t2 - t1
            vec_s += time.perf_counter() - t2
        t1 = time.perf_counter()
        self.kw.commit(1)
        # Waits for merges (they would steal CPU from the timings) and frees the writer's heap, which
        # is not search memory; the in-RAM index stays searchable.
        self.kw.close()
        if path is not None:
            self.kw = TantivyKeywordIndex(path, analyzer=DEFAULT_ANALYZER)
        kw_s += time.perf_counter() - t1
        self.build_s = {"keyword": kw_s, "vector": vec_s, "total": time.perf_counter() - t0}

    def keyword(self, text: str) -> list[str]:
        return [s for s, _ in self.kw.search(text, NO_FILTER, DEPTH)]

    @property
    def approximate(self) -> bool:
        """True when VectorMatrix answers from its HNSW graph (not every row scored) at this size."""
        return self.vm.graph is not None

    def vector(self, vec: np.ndarray, exact: bool = False) -> list[str]:
        if exact:
            return [s for s, _ in self.vm.search(vec, NO_FILTER, DEPTH, exact=True)]
        return [s for s, _ in self.vm.search(vec, NO_FILTER, DEPTH)]

    def hybrid(self, text: str, vec: np.ndarray, exact: bool = False) -> list[str]:
        lists = [self.keyword(text), self.vector(vec, exact)]
        return [s for s, _ in rrf_fuse(lists, k=RRF_K, limit=DEPTH)]

    def rows(self, ids: list[str]) -> list[int]:
        return [self.row_of[s] for s in ids]

    def close(self) -> None:
        self.kw.close()


class Bm25s:
    def __init__(self, texts: Sequence[str]) -> None:
        self.stemmer = Stemmer.Stemmer("english")
        t0 = time.perf_counter()
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
        self.retriever.index(tokens, show_progress=False)
        self.build_s = {"total": time.perf_counter() - t0}
        self.nbytes = int(sum(a.nbytes for a in self.retriever.scores.values() if isinstance(a, np.ndarray)))

    def keyword(self, text: str) -> list[int]:
        q = bm25s.tokenize(
            [text], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False
        )
        if not q or not q[0] or not any(t in self.retriever.vocab_dict for t in q[0]):
            return []
        docs, _ = self.retriever.retrieve(q, k=DEPTH, show_progress=False, n_threads=0)
        return [int(d) for d in docs[0]]


def fts5_query(text: str, drop_stopwords: bool) -> str:
    # Every word quoted: user text can never become FTS5 syntax (NEAR, *, AND/OR/NOT, column filters).
    words = dict.fromkeys(re.findall(r"\w+", text.lower()))
    if drop_stopwords:
        words = dict.fromkeys(w for w in words if w not in STOPWORDS)
    return " OR ".join(f'"{w}"' for w in words)


class Fts5:
    def __init__(self, texts: Sequence[str], path: Path) -> None:
        t0 = time.perf_counter()
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA mmap_size=4294967296;"
            "PRAGMA cache_size=-262144;"
            "CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='porter unicode61 remove_diacritics 2');"
        )
        self.complete = True
        with self.db:
            for start in range(0, len(texts), 50_000):
                self.db.executemany(
                    "INSERT INTO fts(rowid, body) VALUES (?, ?)",
                    ((i, texts[i]) for i in range(start, min(start + 50_000, len(texts)))),
                )
                if time.perf_counter() - t0 > BUILD_LIMIT_S:
                    self.complete = False
                    self.rows_indexed = min(start + 50_000, len(texts))
                    break
            else:
                self.rows_indexed = len(texts)
        self.build_s = {"total": time.perf_counter() - t0}
        self.path = path

    def keyword(self, text: str, drop_stopwords: bool = False) -> list[int]:
        match = fts5_query(text, drop_stopwords)
        if not match:
            return []
        sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?"
        return [r for (r,) in self.db.execute(sql, (match, DEPTH))]

    def close(self) -> None:
        self.db.close()


# From this many rows LanceDB gets a vector index (IVF partitions, an HNSW graph with 8-bit codes in each: the
# closest of its index types to ours), searched with the same breadth as ours (ef 128) in enough partitions
# for recall@100 >= 0.95 on these vectors; below it LanceDB scans every row, which is faster at that size.
LANCE_INDEX_MIN_ROWS = 100_000
LANCE_PARTITION_ROWS = 250_000
LANCE_EF = 128


class Lance:
    def __init__(self, texts: Sequence[str], vecs: np.ndarray, path: Path, nprobes: int = 0) -> None:
        t0 = time.perf_counter()
        self.db = lancedb.connect(str(path))
        self.table: Any = None
        for start in range(0, len(texts), 100_000):
            end = min(start + 100_000, len(texts))
            batch = pa.table(
                {
                    "id": pa.array(np.arange(start, end, dtype=np.int64)),
                    "body": pa.array(texts[start:end], type=pa.string()),
                    "vector": pa.FixedSizeListArray.from_arrays(
                        pa.array(np.ascontiguousarray(vecs[start:end]).reshape(-1)), vecs.shape[1]
                    ),
                }
            )
            if self.table is None:
                self.table = self.db.create_table("segments", data=batch, mode="overwrite")
            else:
                self.table.add(batch)
        t1 = time.perf_counter()
        # Native (non-tantivy) FTS index; its defaults stem, drop English stop words, lower-case and fold.
        with warnings.catch_warnings():
            # Deprecated for create_index(config=FTS()) in 0.25 but still the documented hybrid recipe.
            warnings.simplefilter("ignore")
            self.table.create_fts_index("body", use_tantivy=False, replace=True)
        t2 = time.perf_counter()
        self.partitions = 0
        if len(texts) >= LANCE_INDEX_MIN_ROWS:
            self.partitions = max(1, len(texts) // LANCE_PARTITION_ROWS)
            self.table.create_index(
                metric="dot",
                vector_column_name="vector",
                index_type="IVF_HNSW_SQ",
                num_partitions=self.partitions,
                m=16,
                ef_construction=128,
            )
        self.nprobes = nprobes or self.partitions
        self.build_s = {
            "write": t1 - t0,
            "fts_index": t2 - t1,
            "vector_index": time.perf_counter() - t2,
            "total": time.perf_counter() - t0,
        }
        self.reranker = RRFReranker(K=RRF_K)

    def keyword(self, text: str) -> list[int]:
        res = self.table.search(text, query_type="fts").select(["id"]).limit(DEPTH).to_arrow()
        return res["id"].to_pylist()  # type: ignore[no-any-return]

    def vector(self, vec: np.ndarray, exact: bool = False) -> list[int]:
        query = self.table.search(vec, query_type="vector", vector_column_name="vector").distance_type("dot")
        if exact:
            query = query.bypass_vector_index()
        elif self.partitions:
            query = query.nprobes(self.nprobes).ef(LANCE_EF)
        res = query.select(["id"]).limit(DEPTH).to_arrow()
        return res["id"].to_pylist()  # type: ignore[no-any-return]

    def hybrid(self, text: str, vec: np.ndarray) -> list[int]:
        query = (
            self.table.search(query_type="hybrid", vector_column_name="vector", fts_columns="body")
            .vector(vec)
            .text(text)
            .distance_type("dot")
        )
        if self.partitions:
            query = query.nprobes(self.nprobes).ef(LANCE_EF)
        res = query.rerank(self.reranker).select(["id"]).limit(DEPTH).to_arrow(timeout=timedelta(minutes=5))
        return res["id"].to_pylist()  # type: ignore[no-any-return]


# ---- one workload through every engine ---------------------------------------------------------------------


@dataclass
class Workload:
    """The same texts, vectors and queries for every engine. Engines answer with row numbers."""

    name: str
    texts: Sequence[str]
    vecs: np.ndarray
    qtexts: Sequence[str]
    qvecs: np.ndarray
    timed_queries: int
    budget_s: float
    workdir: Path
    on_disk: bool  # ours: tantivy in a directory (scale, as in production) or in RAM (SciFact)
    collect_runs: bool
    latency: dict[str, Timing] = field(default_factory=dict)
    runs: dict[str, list[list[int]]] = field(default_factory=dict)
    memory: dict[str, dict[str, int]] = field(default_factory=dict)
    build_s: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    quality: dict[str, float] = field(default_factory=dict)

    def record(self, label: str, fn: Callable[[int], list[int]]) -> None:
        if self.collect_runs:
            self.runs[label] = [fn(i) for i in range(len(self.qtexts))]
        self.latency[label] = measure(fn, self.timed_queries, self.budget_s)
        t = self.latency[label]
        print(
            f"  {self.name} {label}: wall p50 {t['wall_p50_ms']:.2f} p95 {t['wall_p95_ms']:.2f}"
            f" cpu p50 {t['cpu_p50_ms']:.2f} p95 {t['cpu_p95_ms']:.2f} ms ({int(t['queries'])} q)",
            flush=True,
        )

    def built(self, engine: str, build_s: dict[str, float], memory: dict[str, int]) -> None:
        self.build_s[engine] = build_s
        self.memory[engine] = memory
        print(f"  {self.name} {engine} built in {build_s['total']:.1f} s, memory {memory}", flush=True)


def bench_ours(w: Workload) -> None:
    trim_heap()
    r0 = rss()
    path = w.workdir / "kw" if w.on_disk else None
    ours = Ours(w.texts, w.vecs, path)
    mem = {"rss_delta_bytes": rss() - r0, "vector_nbytes": ours.vm.nbytes}
    if path is not None:
        mem["disk_bytes"] = dir_size(path)
    w.built("ours", ours.build_s, mem)
    w.record("ours keyword", lambda i: ours.rows(ours.keyword(w.qtexts[i])))
    w.record("ours vector", lambda i: ours.rows(ours.vector(w.qvecs[i])))
    w.record("ours hybrid", lambda i: ours.rows(ours.hybrid(w.qtexts[i], w.qvecs[i])))
    if ours.approximate:
        # Default search probes an IVF index here: also time the exact path (what LanceDB's flat search
        # does) and say how much of the exact top-100 the default finds.
        w.record("ours vector exact", lambda i: ours.rows(ours.vector(w.qvecs[i], True)))
        w.record("ours hybrid exact", lambda i: ours.rows(ours.hybrid(w.qtexts[i], w.qvecs[i], True)))
        found = [
            len(set(ours.vector(v)) & set(ours.vector(v, True))) / DEPTH
            for v in w.qvecs[: min(100, len(w.qvecs))]
        ]
        w.quality["ours vector recall@100 vs exact"] = float(np.mean(found))
        w.quality["ours graph rows"] = float(0 if ours.vm.graph is None else ours.vm.graph.size)
    ours.close()
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def bench_bm25s(w: Workload) -> None:
    trim_heap()
    r0 = rss()
    bm = Bm25s(w.texts)
    w.built("bm25s", bm.build_s, {"rss_delta_bytes": rss() - r0, "index_nbytes": bm.nbytes})
    w.record("bm25s keyword", lambda i: bm.keyword(w.qtexts[i]))


def bench_fts5(w: Workload) -> None:
    trim_heap()
    r0 = rss()
    path = w.workdir / f"{w.name}.sqlite"
    fts = Fts5(w.texts, path)
    w.built("fts5", fts.build_s, {"rss_delta_bytes": rss() - r0, "disk_bytes": path.stat().st_size})
    if not fts.complete:
        w.notes.append(
            f"FTS5 build passed {BUILD_LIMIT_S:.0f} s after {fts.rows_indexed:,} of {len(w.texts):,} rows and "
            "stopped there; its latencies are on that partial index"
        )
    w.record("fts5 keyword", lambda i: fts.keyword(w.qtexts[i]))
    w.record("fts5 keyword -stopwords", lambda i: fts.keyword(w.qtexts[i], True))
    fts.close()
    path.unlink()


def bench_lance(w: Workload) -> None:
    trim_heap()
    r0 = rss()
    path = w.workdir / f"{w.name}_lance"
    lance = Lance(w.texts, w.vecs, path)
    w.built("lancedb", lance.build_s, {"rss_delta_bytes": rss() - r0, "disk_bytes": dir_size(path)})
    if lance.build_s["total"] > BUILD_LIMIT_S:
        w.notes.append(
            f"LanceDB build took {lance.build_s['total']:.0f} s, over the {BUILD_LIMIT_S:.0f} s bound"
        )
    w.record("lancedb keyword", lambda i: lance.keyword(w.qtexts[i]))
    w.record("lancedb vector", lambda i: lance.vector(w.qvecs[i]))
    w.record("lancedb hybrid", lambda i: lance.hybrid(w.qtexts[i], w.qvecs[i]))
    if lance.partitions:
        found = [
            len(set(lance.vector(v)) & set(lance.vector(v, True))) / DEPTH
            for v in w.qvecs[: min(100, len(w.qvecs))]
        ]
        w.quality["lancedb vector recall@100 vs exact"] = float(np.mean(found))
        w.quality["lancedb ivf partitions / probed"] = float(lance.partitions)
    w.memory["lancedb"]["rss_after_queries_bytes"] = rss() - r0
    shutil.rmtree(path, ignore_errors=True)


ENGINES = {"ours": bench_ours, "bm25s": bench_bm25s, "fts5": bench_fts5, "lancedb": bench_lance}


def run_all(w: Workload, engines: Sequence[str] = tuple(ENGINES)) -> dict[str, Any]:
    for name in engines:
        ENGINES[name](w)
    return {
        "latency": w.latency,
        "build_s": w.build_s,
        "memory": w.memory,
        "notes": w.notes,
        "approximate_vector": w.quality,
    }


# ---- SciFact: quality and latency at ~5k -----------------------------------------------------------------


def scifact(queries_n: int, budget_s: float, workdir: Path) -> dict[str, Any]:
    corpus, queries, qrels = load_scifact()
    doc_ids = [d["_id"] for d in corpus]
    qids = list(queries)
    qtexts = [queries[q] for q in qids]
    embedder = MiniLmEmbedder(threads=1)
    # The cached vectors embed "title text", one per abstract (engines_bench's cache).
    doc_vecs = embedder.cached(CACHE / "scifact_vectors.npy", [f"{d['title']} {d['text']}" for d in corpus])
    qvecs = embedder.cached(CACHE / "scifact_test_query_vectors.npy", qtexts)
    n = min(queries_n, len(qids))
    emb = measure(lambda i: embedder.embed([qtexts[i]]), n, budget_s)
    print(f"  query embedding: {emb}", flush=True)
    w = Workload(
        "scifact",
        # One "title text" string per segment for every engine. (pam eval hands tantivy the title and the
        # text as two values of one field; BM25 scores that exactly like the concatenation.)
        [f"{d['title']} {d['text']}" for d in corpus],
        doc_vecs,
        qtexts,
        qvecs,
        n,
        budget_s,
        workdir,
        on_disk=False,
        collect_runs=True,
    )
    out = run_all(w)
    out.update({"corpus": len(corpus), "queries": len(qids), "query_embedding": emb})

    def docs(rows: list[list[int]]) -> dict[str, list[str]]:
        return {q: [doc_ids[r] for r in rows[i]] for i, q in enumerate(qids)}

    out["quality"] = {label: evaluate(docs(rows), qrels) for label, rows in w.runs.items()}
    # Which keyword list fuses best with our vector list (same RRF k=60, 100 + 100): separates the
    # effect of the keyword ranking from the fusion itself when the hybrids differ.
    vec = w.runs["ours vector"]
    out["fusion_check"] = {
        f"rrf({kw} + ours vector)": evaluate(
            docs(
                [
                    [
                        int(r)
                        for r, _ in rrf_fuse([list(map(str, k)), list(map(str, v))], k=RRF_K, limit=DEPTH)
                    ]
                    for k, v in zip(w.runs[kw], vec, strict=True)
                ]
            ),
            qrels,
        )
        for kw in ("ours keyword", "bm25s keyword", "fts5 keyword", "lancedb keyword")
    }
    return out


# ---- synthetic scale --------------------------------------------------------------------------------------


def synthetic(size: int, rng: np.random.Generator, vectors: str) -> tuple[list[str], np.ndarray]:
    words, probs = scifact_unigrams()
    texts: list[str] = []
    for start in range(0, size, 50_000):
        lengths = rng.integers(60, 240, min(50_000, size - start))
        idx = rng.choice(len(words), size=int(lengths.sum()), p=probs).tolist()
        offset = 0
        for length in lengths.tolist():
            texts.append(" ".join([words[w] for w in idx[offset : offset + length]]))
            offset += length
    if vectors == "scifact":
        # SciFact vectors plus mixtures of two of them: clustered like real embeddings (engines_bench --ann).
        return texts, ann_vectors("scifact", size, 0, rng)[0]
    vecs = np.empty((size, DIM), dtype=np.float32)
    for start in range(0, size, 100_000):
        part = rng.standard_normal((min(100_000, size - start), DIM), dtype=np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
        vecs[start : start + len(part)] = part
    return texts, vecs


def scale(
    size: int,
    qtexts: list[str],
    budget_s: float,
    workdir: Path,
    rng: np.random.Generator,
    vectors: str,
    engines: Sequence[str] = tuple(ENGINES),
) -> dict[str, Any]:
    t0 = time.perf_counter()
    texts, vecs = synthetic(size, rng, vectors)
    if vectors == "scifact":
        qvecs = np.load(CACHE / "scifact_test_query_vectors.npy")[: len(qtexts)]
    else:
        qvecs = rng.standard_normal((len(qtexts), DIM), dtype=np.float32)
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
    generate_s = time.perf_counter() - t0
    print(f"  {size}: generated in {generate_s:.0f} s", flush=True)
    w = Workload(
        f"s{size}",
        texts,
        vecs,
        qtexts,
        qvecs,
        len(qtexts),
        budget_s,
        workdir,
        on_disk=True,
        collect_runs=False,
    )
    return {"segments": size, "generate_s": generate_s, **run_all(w, engines)}


# ---- report -----------------------------------------------------------------------------------------------

PAIRS = [  # (ours, theirs)
    ("ours keyword", "bm25s keyword"),
    ("ours keyword", "fts5 keyword"),
    ("ours keyword", "fts5 keyword -stopwords"),
    ("ours keyword", "lancedb keyword"),
    ("ours vector", "lancedb vector"),
    ("ours hybrid", "lancedb hybrid"),
    ("ours vector exact", "lancedb vector"),
    ("ours hybrid exact", "lancedb hybrid"),
]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def render(report: dict[str, Any]) -> str:
    md = ["# Peer engines, side by side (same data, same process)\n"]
    md.append(
        "Top-100, one query at a time, query embedding excluded. `cpu` = process CPU time per query (counts "
        "engines' worker threads); `wall` = elapsed. Ratio = ours / theirs: below 1 means we are faster "
        "(latency) or, for nDCG, above 1 means we rank better.\n"
    )
    sci = report.get("scifact")
    if sci is not None:
        md.append(f"\n## SciFact ({sci['corpus']} segments, {sci['queries']} test queries)\n")
        rows = []
        for label, q in sci["quality"].items():
            t = sci["latency"][label]
            rows.append(
                [
                    label,
                    f"{q['ndcg@10']:.3f}",
                    f"{q['recall@100']:.3f}",
                    f"{q['mrr@10']:.3f}",
                    f"{t['wall_p50_ms']:.2f}",
                    f"{t['wall_p95_ms']:.2f}",
                    f"{t['cpu_p50_ms']:.2f}",
                    f"{t['cpu_p95_ms']:.2f}",
                ]
            )
        md.append(
            markdown_table(
                ["engine / mode", "nDCG@10", "R@100", "MRR@10", "wall p50", "wall p95", "cpu p50", "cpu p95"],
                rows,
            )
        )
        md.append(
            "\nFusion check (nDCG@10 of RRF k=60 of each keyword engine's top-100 with our vector top-100): "
        )
        md.append(", ".join(f"{k} {v['ndcg@10']:.3f}" for k, v in sci["fusion_check"].items()) + ".\n")
        e = sci["query_embedding"]
        md.append(
            f"\nQuery embedding (MiniLM-L6 int8, ONNX, 1 thread): wall p50 {e['wall_p50_ms']:.2f} ms, p95 "
            f"{e['wall_p95_ms']:.2f} ms; cpu p50 {e['cpu_p50_ms']:.2f} ms.\n"
        )
    sections = ([("SciFact", sci)] if sci is not None else []) + [
        (f"{s['segments']:,} segments", s) for s in report["scale"]
    ]
    rows = []
    for name, sec in sections:
        lat = sec["latency"]
        for ours, theirs in PAIRS:
            if ours not in lat or theirs not in lat:
                continue
            a, b = lat[ours], lat[theirs]
            nd = ""
            if "quality" in sec:
                nd = ratio(sec["quality"][ours]["ndcg@10"], sec["quality"][theirs]["ndcg@10"])
            rows.append(
                [
                    name,
                    f"{ours} / {theirs}",
                    f"{a['wall_p50_ms']:.2f} / {b['wall_p50_ms']:.2f}",
                    ratio(a["wall_p50_ms"], b["wall_p50_ms"]),
                    ratio(a["wall_p95_ms"], b["wall_p95_ms"]),
                    f"{a['cpu_p50_ms']:.2f} / {b['cpu_p50_ms']:.2f}",
                    ratio(a["cpu_p50_ms"], b["cpu_p50_ms"]),
                    ratio(a["cpu_p95_ms"], b["cpu_p95_ms"]),
                    nd,
                ]
            )
    md.append("\n## Ratios ours / theirs\n")
    md.append(
        markdown_table(
            [
                "data",
                "pair",
                "wall p50 ms",
                "wall p50 ratio",
                "wall p95 ratio",
                "cpu p50 ms",
                "cpu p50 ratio",
                "cpu p95 ratio",
                "nDCG@10 ratio",
            ],
            rows,
        )
    )
    md.append("\n## Latency at scale (ms)\n")
    rows = []
    for s in report["scale"]:
        for label, t in s["latency"].items():
            rows.append(
                [
                    f"{s['segments']:,}",
                    label,
                    int(t["queries"]),
                    f"{t['wall_p50_ms']:.2f}",
                    f"{t['wall_p95_ms']:.2f}",
                    f"{t['cpu_p50_ms']:.2f}",
                    f"{t['cpu_p95_ms']:.2f}",
                    f"{t['thread_cpu_p50_ms']:.2f}",
                ]
            )
    md.append(
        markdown_table(
            [
                "segments",
                "engine / mode",
                "queries",
                "wall p50",
                "wall p95",
                "cpu p50",
                "cpu p95",
                "thread cpu p50",
            ],
            rows,
        )
    )
    md.append("\n## Build time (s) and memory (MiB)\n")
    rows = []
    mib = 1 << 20
    for name, sec in sections:
        for engine, m in sec["memory"].items():
            build = sec.get("build_s", {}).get(engine, {}).get("total")
            disk = m.get("disk_bytes", m.get("keyword_disk_bytes"))
            held = m.get("vector_nbytes", m.get("index_nbytes"))
            rows.append(
                [
                    name,
                    engine,
                    f"{build:.1f}" if build is not None else "-",
                    f"{m['rss_delta_bytes'] / mib:.0f}",
                    f"{held / mib:.0f}" if held else "-",
                    f"{disk / mib:.0f}" if disk else "-",
                ]
            )
    md.append(
        markdown_table(
            ["data", "engine", "build s", "RSS growth", "arrays held (vectors / bm25s scores)", "on disk"],
            rows,
        )
    )
    for s in report["scale"]:
        approx = s.get("approximate_vector") or {}
        if "ours graph rows" in approx:
            md.append(
                f"\nAt {s['segments']:,} segments our vector search walks its HNSW graph "
                f"({approx['ours graph rows']:.0f} rows): recall@100 against our exact search "
                f"{approx['ours vector recall@100 vs exact']:.3f} on these vectors "
                f"({report['settings']['synthetic_vectors']}); the `exact` rows score every row.\n"
            )
        if "lancedb vector recall@100 vs exact" in approx:
            md.append(
                f"\nLanceDB searches its vector index (IVF_HNSW_SQ, {approx['lancedb ivf partitions / probed']:.0f} "
                f"partitions, all probed, ef {LANCE_EF}): recall@100 against its exact search "
                f"{approx['lancedb vector recall@100 vs exact']:.3f}.\n"
            )
    notes = [n for s in report["scale"] for n in s.get("notes", [])]
    if notes:
        md.append("\nNotes:\n" + "".join(f"- {n}\n" for n in notes))
    md.append(f"\nTotal run: {report['total_seconds']:.0f} s.\n")
    return "".join(md)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per latency measurement")
    parser.add_argument(
        "--vectors",
        choices=("random", "scifact"),
        default="random",
        help="synthetic segment vectors: random unit vectors, or SciFact-derived (clustered, real queries)",
    )
    parser.add_argument("--name", default="peers", help="results file name under bench/results/")
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="at the synthetic sizes: these engines only"
    )
    parser.add_argument("--skip-scifact", action="store_true", help="only the synthetic sizes")
    args = parser.parse_args()
    started = time.perf_counter()
    rng = np.random.default_rng(11)
    workdir = Path(tempfile.mkdtemp(prefix="pam_peers_bench_"))
    report: dict[str, Any] = {
        "settings": {
            "depth": DEPTH,
            "rrf_k": RRF_K,
            "blas_threads": 1,
            "lance_cpu_threads": os.environ["LANCE_CPU_THREADS"],
            "budget_s": args.budget,
            "synthetic_vectors": args.vectors,
            "versions": {
                "bm25s": bm25s.__version__,
                "lancedb": lancedb.__version__,
                "sqlite": sqlite3.sqlite_version,
                "pyarrow": pa.__version__,
            },
        }
    }
    try:
        if not args.skip_scifact:
            report["scifact"] = scifact(args.queries, args.budget, workdir)
            print(f"scifact done at {time.perf_counter() - started:.0f}s", flush=True)
        _, queries, _ = load_scifact()
        qtexts = list(queries.values())[: args.queries]
        report["scale"] = []
        for size in [int(s) for s in args.sizes.split(",") if s]:
            engines = [e for e in args.engines.split(",") if e]
            report["scale"].append(scale(size, qtexts, args.budget, workdir, rng, args.vectors, engines))
            trim_heap()
            print(f"size {size} done at {time.perf_counter() - started:.0f}s", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["total_seconds"] = time.perf_counter() - started
    write(args.name, report, render(report))


if __name__ == "__main__":
    main()

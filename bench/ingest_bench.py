"""Ingestion throughput on SciFact written as one file per document, against the bare embedder.

1. first ingestion: documents/s, segments/s, and pipeline throughput ÷ the bare embedder's on the same chunks;
2. re-ingestion of the unchanged folder: speed-up over the first run, segments embedded (must be 0);
3. ten files changed: files re-processed and chunks embedded (only the changed ones).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import SCIFACT, markdown_table, write
from pam.access import LOCAL_ADMIN
from pam.evaluation import beir
from pam.ingest.embedding_text import embedding_text
from pam.logs import configure_logging
from pam.services.container import Services
from pam.settings import Settings
from pam.store.models import IngestionTask, Segment


async def ingest(services: Services, folder: Path) -> tuple[IngestionTask, float]:
    started = time.perf_counter()
    task = await services.ingestion.start_folder(await services.auth.scope_of(LOCAL_ADMIN), None, str(folder))
    await services.ingestion.wait(task.id)
    elapsed = time.perf_counter() - started
    async with services.sessions() as s:
        done = await s.get(IngestionTask, task.id)
    assert done is not None and done.status == "completed"
    return done, elapsed


async def main(limit: int | None) -> dict[str, Any]:
    dataset = beir.load(SCIFACT)
    if limit:
        dataset = beir.BeirDataset(dataset.name, dict(list(dataset.corpus.items())[:limit]), {}, {})
    scratch = Path(tempfile.mkdtemp(prefix="pam-ingest-bench-"))
    folder = scratch / "corpus"
    beir.write_corpus(dataset, folder)
    settings = Settings(_env_file=None, data_dir=scratch / "data", ingest_roots=[scratch])  # type: ignore[call-arg]
    services = await Services.start(settings, run_tasks=False)
    try:
        first, first_s = await ingest(services, folder)
        async with services.sessions() as s:
            rows = (await s.execute(select(Segment.section_path, Segment.content))).all()
        # Exactly what the pipeline gave the model: each chunk with its section header.
        chunks = [embedding_text(path, content, services.embedder.count_tokens) for path, content in rows]
        started = time.perf_counter()
        await asyncio.to_thread(services.embedder.embed, chunks)
        bare_s = time.perf_counter() - started
        second, second_s = await ingest(services, folder)
        changed = sorted(folder.iterdir())[:10]
        for path in changed:
            path.write_text(
                path.read_text(encoding="utf-8") + "\nAn added closing sentence for the benchmark.\n"
            )
        third, third_s = await ingest(services, folder)
    finally:
        await services.close()
        shutil.rmtree(scratch, ignore_errors=True)
    pipeline_rate = len(chunks) / first_s
    bare_rate = len(chunks) / bare_s
    return {
        "documents": len(dataset.corpus),
        "segments": len(chunks),
        "first": {
            "seconds": round(first_s, 2),
            "docs_per_s": round(first.succeeded / first_s, 2),
            "segments_per_s": round(pipeline_rate, 2),
            "segments_embedded": first.segments_embedded,
        },
        "bare_embedder": {"seconds": round(bare_s, 2), "segments_per_s": round(bare_rate, 2)},
        "pipeline_vs_bare": round(pipeline_rate / bare_rate, 3),
        "unchanged": {
            "seconds": round(second_s, 2),
            "speedup": round(first_s / second_s, 1),
            "skipped": second.skipped,
            "segments_embedded": second.segments_embedded,
        },
        "ten_changed": {
            "seconds": round(third_s, 2),
            "reprocessed": third.succeeded,
            "skipped": third.skipped,
            "segments_embedded": third.segments_embedded,
            "segments_created": third.segments_created,
        },
    }


if __name__ == "__main__":
    configure_logging("warning", "console")
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else None
    r = asyncio.run(main(limit))
    table = markdown_table(
        ["run", "seconds", "docs/s", "segments/s", "segments embedded", "note"],
        [
            [
                "first ingestion",
                r["first"]["seconds"],
                r["first"]["docs_per_s"],
                r["first"]["segments_per_s"],
                r["first"]["segments_embedded"],
                f"pipeline ÷ bare embedder = {r['pipeline_vs_bare']} (target ≥ 0.8)",
            ],
            [
                "bare embedder, same chunks",
                r["bare_embedder"]["seconds"],
                "",
                r["bare_embedder"]["segments_per_s"],
                r["segments"],
                "",
            ],
            [
                "unchanged re-ingestion",
                r["unchanged"]["seconds"],
                "",
                "",
                r["unchanged"]["segments_embedded"],
                f"{r['unchanged']['speedup']}x faster (target ≥ 20x), {r['unchanged']['skipped']} skipped",
            ],
            [
                "10 files changed",
                r["ten_changed"]["seconds"],
                "",
                "",
                r["ten_changed"]["segments_embedded"],
                f"{r['ten_changed']['reprocessed']} re-processed, {r['ten_changed']['skipped']} skipped",
            ],
        ],
    )
    write("ingest", r, f"# Ingestion, SciFact ({r['documents']} files, {r['segments']} segments)\n\n" + table)

"""Segments already indexed before a load run: synthetic documents written straight into the database.

As bench/engines_bench.py makes them: text drawn from SciFact's unigram distribution (60-240 words), 8
segments per document, 4 projects, and SciFact-derived vectors (two real abstracts mixed plus noise) when the
cached SciFact vectors exist, else random unit vectors. Written with one outbox row per document, as
ingestion does, so every server's index catches up from the outbox at start (what is measured then is that
catch-up, not the loader). Works on SQLite (the embedded mode) and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from pam.store import embedding_spaces
from pam.store.db import create_engine, create_session_factory
from pam.store.models import Document, IndexOutbox, Project, Segment, Source

MODEL = "sentence-transformers/all-MiniLM-L6-v2:onnx-int8/section-header-v1"  # what the servers serve
PER_DOC = 8
PROJECTS = 4
BATCH_DOCS = 1_000
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def _words(scifact: Path) -> tuple[list[str], np.ndarray]:
    counts: dict[str, int] = {}
    with (scifact / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            for word in f"{doc.get('title', '')} {doc.get('text', '')}".lower().split():
                counts[word] = counts.get(word, 0) + 1
    words = sorted(counts)
    freq = np.asarray([counts[w] for w in words], dtype=np.float64)
    return words, freq / freq.sum()


def _vectors(cache: Path, count: int, rng: np.random.Generator) -> np.ndarray:
    whole = cache / "scifact_vectors.npy"
    parts = sorted(cache.glob("scifact_vectors.part*.npy"))
    if whole.exists() or parts:
        base = np.load(whole) if whole.exists() else np.concatenate([np.load(p) for p in parts])
        weight = rng.uniform(0.5, 1.0, (count, 1)).astype(np.float32)
        mixed = (
            weight * base[rng.integers(0, len(base), count)]
            + (1 - weight) * base[rng.integers(0, len(base), count)]
        )
        mixed += 0.02 * rng.standard_normal((count, base.shape[1]), dtype=np.float32)
    else:
        mixed = rng.standard_normal((count, 384), dtype=np.float32)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype("<f4")


async def preload(url: str, segments: int, scifact: Path, cache: Path) -> dict[str, float]:
    """Write about `segments` segments (whole documents of 8) into the migrated database at `url`."""
    rng = np.random.default_rng(3)
    words, probs = _words(scifact)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    started = datetime.now(UTC)
    try:
        async with sessions.begin() as s:
            await embedding_spaces.register(s, MODEL, 384, {"provider": "minilm"}, known_specs={})
            sources = []
            for p in range(PROJECTS):
                project = Project(name=f"preload-{p}")
                s.add(project)
                await s.flush()
                source = Source(project_id=project.id, type="folder", name=f"preload{p}", key=f"/preload{p}")
                s.add(source)
                await s.flush()
                sources.append((project.id, source.id))
        docs = segments // PER_DOC
        for first in range(0, docs, BATCH_DOCS):
            count = min(BATCH_DOCS, docs - first)
            vectors = _vectors(cache, count * PER_DOC, rng)
            lengths = rng.integers(60, 241, count * PER_DOC)
            drawn = rng.choice(len(words), int(lengths.sum()), p=probs)
            doc_rows, seg_rows, outbox = [], [], []
            cursor = 0
            for d in range(count):
                n = first + d
                project_id, source_id = sources[n % PROJECTS]
                doc_id, when = uuid.uuid4(), BASE_TIME + timedelta(minutes=n)
                doc_rows.append(
                    {
                        "id": doc_id,
                        "project_id": project_id,
                        "registered_source_id": source_id,
                        "source_type": "folder",
                        "source_id": f"doc{n}.md",
                        "title": f"Document {n}",
                        "uri": f"preload{n % PROJECTS}/dir{n % 97}/doc{n}.md",
                        "mime_type": "text/markdown",
                        "size_bytes": 1,
                        "content_hash": uuid.uuid4().hex,
                        "status": "active",
                        "tags": [],
                        "segment_count": PER_DOC,
                        "created_at": when,
                        "updated_at": when,
                    }
                )
                for pos in range(PER_DOC):
                    i = d * PER_DOC + pos
                    text = " ".join(words[w] for w in drawn[cursor : cursor + lengths[i]])
                    cursor += lengths[i]
                    seg_rows.append(
                        {
                            "id": uuid.uuid4(),
                            "document_id": doc_id,
                            "project_id": project_id,
                            "position": pos,
                            "content": text,
                            "content_hash": uuid.uuid4().hex,
                            "section_path": f"Document {n}",
                            "segment_type": "text",
                            "char_start": 0,
                            "char_end": len(text),
                            "token_count": int(lengths[i]),
                            "embedding": vectors[i].tobytes(),
                            "embedding_model": MODEL,
                            "embedding_dim": 384,
                            "meta": {},
                            "created_at": when,
                            "updated_at": when,
                        }
                    )
                outbox.append({"document_id": doc_id, "op": "upsert", "created_at": when})
            async with sessions.begin() as s:
                await s.execute(insert(Document), doc_rows)
                await s.execute(insert(Segment), seg_rows)
                await s.execute(insert(IndexOutbox), outbox)
    finally:
        await engine.dispose()
    return {"segments": docs * PER_DOC, "seconds": (datetime.now(UTC) - started).total_seconds()}


def run(url: str, segments: int, scifact: Path, cache: Path) -> dict[str, float]:
    return asyncio.run(preload(url, segments, scifact, cache))

"""A process killed with SIGKILL in the middle of an ingestion leaves nothing half-written, and a restart finishes it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from pam.api.app import create_app
from pam.search.filters import SearchFilters
from pam.store.models import Document, IndexOutbox, IngestionTask
from tests.conftest import make_settings, running_app

FILES = 300


def _write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i in range(FILES):
        (folder / f"note-{i:04d}.md").write_text(
            f"# Note {i}\n\nThe quarterly figure for region zeta{i:04d} is {i * 7} units.\n\n"
            f"## Details\n\nOwner of zeta{i:04d} is team {i % 13}; reviewed every {i % 5 + 1} weeks.\n",
            encoding="utf-8",
        )


def _processed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute("SELECT coalesce(max(processed), 0) FROM ingestion_tasks").fetchone()
            return int(row[0])
    except sqlite3.OperationalError:
        return 0


def _half_written(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT d.source_id FROM documents d LEFT JOIN segments s ON s.document_id = d.id "
            "WHERE d.status = 'active' GROUP BY d.id HAVING count(s.id) != d.segment_count"
        ).fetchall()
    return [r[0] for r in rows]


async def test_sigkill_mid_ingestion_then_restart_completes(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    _write_corpus(folder)
    data = tmp_path / "data"
    env = {
        **os.environ,
        "PAM_DATA_DIR": str(data),
        "PAM_INGEST_ROOTS": str(tmp_path),
        "PAM_EMBED_BATCH_SIZE": "8",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "pam.cli.main", "ingest", str(folder), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = data / "pam.db"
    deadline = time.monotonic() + 240
    while _processed(db) < 20:
        assert proc.poll() is None, "the ingestion finished before it could be killed"
        assert time.monotonic() < deadline, "the ingestion never got going"
        await asyncio.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    killed_at = _processed(db)
    assert 0 < killed_at < FILES
    assert _half_written(db) == []

    settings = make_settings(data, ingest_roots=[tmp_path])
    app = create_app(settings)
    async with running_app(app):
        services = app.state.services
        # The restart took the interrupted task over; wait for it to finish.
        for _ in range(600):
            async with services.sessions() as s:
                statuses = list(await s.scalars(select(IngestionTask.status)))
            if statuses and all(st in ("completed", "failed", "cancelled") for st in statuses):
                break
            await asyncio.sleep(0.2)
        assert statuses == ["completed"]
        generation = await services.sync_index()
        async with services.sessions() as s:
            active = await s.scalar(
                select(func.count()).select_from(Document).where(Document.status == "active")
            )
            latest = await s.scalar(select(func.max(IndexOutbox.seq)))
            project_ids = frozenset(str(p) for p in await s.scalars(select(Document.project_id).distinct()))
        assert active == FILES
        assert generation == latest
        # Documents written before the kill and after the restart are all searchable.
        for i in (0, FILES - 1):
            hits = await services.index.keyword(f"zeta{i:04d}", SearchFilters(project_ids=project_ids), 5)
            assert hits, f"note {i} is not searchable"
    assert _half_written(db) == []

"""`pam backup` while the server ingests, `pam restore` into another data dir: the restored server answers
every search exactly as the original did at the moment of the snapshot, with its tables, uploads and
signing secret."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from pam.ingest.parsers.base import ParsedDocument
from pam.services.backup import read_manifest
from tests.api.harness import Harness, start_harness, write
from tests.conftest import make_settings

WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "harbor", "iris", "jade"]
QUERIES = ["amber harbor budget", "cobalt rota", "which fjord owns the garnet plan", "jade iris 17"]


class GateParser:
    """Parses `.gate` files as Markdown once the test opens the gate: an ingestion held half-way."""

    extensions = (".gate",)
    mime_type = "text/markdown"
    mime_types = (mime_type,)

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entered = threading.Event()
        self.open = threading.Event()

    def parse(self, data: bytes, filename: str) -> ParsedDocument:
        self.entered.set()
        self.open.wait(timeout=300)
        parsed: ParsedDocument = self.inner.parse(data, filename.removesuffix(".gate") + ".md")
        return parsed


def corpus(folder: Path, count: int) -> None:
    files: dict[str, str | bytes] = {}
    for i in range(count):
        a, b = WORDS[i % 10], WORDS[(i * 3 + 1) % 10]
        files[f"note-{i:03d}.md"] = (
            f"# Note {i}: {a} and {b}\n\nThe {a} {b} budget for item {i} is {i * 17} units.\n\n"
            f"## Rota\n\nThe {b} rota of {a} team {i % 7} meets every {i % 5 + 1} weeks.\n"
        )
    files["note-500.gate"] = "# Held\n\nThe held note about amber harbor.\n"
    write(folder, files)


async def results(api: Harness, k: int = 100) -> dict[str, list[tuple[str, float]]]:
    """Every query in every mode: (segment id, score), ties ordered by id. When a full page ends in a
    tie, which of the tied hits made the page is the index's arbitrary choice: that last group is left
    out of the comparison."""
    found: dict[str, list[tuple[str, float]]] = {}
    for query in QUERIES:
        for mode in ("keyword", "vector", "hybrid"):
            hits = (await api.search(query, mode=mode, k=k))["results"]
            pairs = sorted(
                ((h["segment_id"], round(h["score"], 4)) for h in hits), key=lambda p: (-p[1], p[0])
            )
            if len(pairs) == k:
                pairs = [p for p in pairs if p[1] != pairs[-1][1]]
            found[f"{mode}: {query}"] = pairs
    return found


async def pam(data_dir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
    env["PAM_DATA_DIR"] = str(data_dir)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pam.cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def documents(api: Harness) -> int:
    total: int = (await api.client.get("/api/documents", params={"limit": 1})).json()["total"]
    return total


@pytest.mark.timeout(900)
async def test_a_backup_taken_during_ingestion_restores_the_snapshot(tmp_path: Path) -> None:
    original_dir, restored_dir, backup_dir = tmp_path / "a", tmp_path / "b", tmp_path / "backup"
    settings = make_settings(original_dir, ingest_roots=[tmp_path / "roots"], parse_timeout_s=600)
    async with start_harness(settings) as api:
        # Before: a table (DuckDB) and an upload.
        table = api.root.parent / "roots" / "figures"
        write(table, {"prices.csv": "product,price\nwidget,12.5\ngadget,99\n"})
        await api.ingest(table)
        upload = await api.client.post(
            "/api/ingest/upload", files=[("files", ("memo.md", b"# Memo\n\nThe cobalt memo.\n"))]
        )
        await api.wait(upload.json()["id"])

        # During: an ingestion held at its gate while the backup runs.
        gate = GateParser(api.services.parsers.for_filename("x.md"))
        api.services.parsers._by_extension[".gate"] = gate
        folder = api.root.parent / "roots" / "notes"
        corpus(folder, 80)
        task_id = (await api.client.post("/api/ingest/folder", json={"path": str(folder)})).json()["id"]
        while not gate.entered.is_set():
            await asyncio.sleep(0.1)
        count, stable_since = -1, time.monotonic()
        while time.monotonic() - stable_since < 2.0:  # whatever can commit past the gate has
            now = await documents(api)
            if now != count:
                count, stable_since = now, time.monotonic()
            await asyncio.sleep(0.2)
        await api.services.sync_index()
        at_snapshot = await results(api)
        await pam(original_dir, "backup", str(backup_dir))
        task = (await api.client.get(f"/api/ingest/tasks/{task_id}")).json()
        assert task["status"] == "running" and 0 < task["processed"] < task["total"], task

        gate.open.set()
        assert (await api.wait(task_id))["status"] == "completed"
        await api.services.sync_index()
        assert await documents(api) > count  # the original went on past the snapshot
        assert await results(api) != at_snapshot

    manifest = read_manifest(backup_dir)
    assert manifest.documents == count and manifest.uploads == 1 and manifest.secret
    assert len(manifest.tables) == 1
    assert not (backup_dir / "index").exists()  # rebuilt from the database instead

    await pam(restored_dir, "restore", str(backup_dir))
    # The snapshot's running task resumes on the restored server; its folder is not under this
    # server's roots, so it fails without touching the documents.
    elsewhere = make_settings(restored_dir, ingest_roots=[tmp_path / "elsewhere"])
    (tmp_path / "elsewhere").mkdir()
    async with start_harness(elsewhere) as restored:
        assert (await restored.wait(task_id))["status"] == "failed"
        await restored.services.sync_index()
        assert await documents(restored) == count
        assert await results(restored) == at_snapshot
        tables = (await restored.client.get("/api/data/tables")).json()["tables"]
        assert len(tables) == 1
        answer = await restored.client.post(
            "/api/data/query", json={"sql": f"SELECT max(price) FROM {tables[0]['name']}"}
        )
        assert answer.status_code == 200 and json.dumps(answer.json()["rows"]).count("99") == 1
        assert (restored_dir / "jwt_secret").read_bytes() == (original_dir / "jwt_secret").read_bytes()
        assert await restored.uris("cobalt memo")


async def test_restore_refuses_a_data_dir_in_use_without_force(tmp_path: Path) -> None:
    async with start_harness(make_settings(tmp_path / "a")) as api:
        write(api.folder(), {"x.md": "# X\n\nxylophone\n"})
    await pam(tmp_path / "a", "backup", str(tmp_path / "backup"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")} | {
        "PAM_DATA_DIR": str(tmp_path / "a")
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pam.cli.main",
        "restore",
        str(tmp_path / "backup"),
        env=env,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 1 and b"--force" in err
    await pam(tmp_path / "a", "restore", "--force", str(tmp_path / "backup"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("a.before-restore-")]
    # A second backup into a folder that is not empty is refused, and nothing half-written remains.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pam.cli.main",
        "backup",
        str(tmp_path / "backup"),
        env=env,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 1 and b"not empty" in err

"""Real `pam serve` and `pam worker` processes that a test kills with SIGKILL and starts again, a corpus
that changes between rounds, and the invariants every crash must leave intact."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.served import free_port

FINAL = ("completed", "failed", "cancelled")
TOKEN = re.compile(r"zq[a-z0-9]+")


class Process:
    """One `pam` command in its own process group, its output appended to `log`."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pam.cli.main", *args],
            env=env,
            cwd=log.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL, as when the machine dies: no clean-up of any kind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()


@dataclass
class Rig:
    """The processes of one deployment: a server, and in scale-out a worker, sharing `env`."""

    env: dict[str, str]
    workdir: Path
    with_worker: bool
    base: str = ""
    running: list[Process] = field(default_factory=list)

    def start(self, timeout_s: float = 180) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        log = self.workdir / "processes.log"
        self.running = [Process(["serve"], {**self.env, "PAM_PORT": str(port)}, log)]
        if self.with_worker:
            self.running.append(Process(["worker"], self.env, log))
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.running[0].process.poll() is None, "pam serve exited at start"
            assert time.monotonic() < deadline, "pam serve did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        for process in self.running:
            process.kill()
        self.running = []


class Corpus:
    """Markdown files, each with one token naming it and its version, changed a little each round."""

    def __init__(self, folder: Path, rng: random.Random, size: int) -> None:
        self.folder = folder
        self.rng = rng
        self.versions: dict[int, int] = {}
        folder.mkdir(parents=True)
        for i in range(size):
            self.write(i)

    def write(self, i: int) -> None:
        version = self.versions.get(i, -1) + 1
        self.versions[i] = version
        token = f"zq{i:04d}v{version}"
        sections = "".join(
            f"\n## Part {p}\n\nItem {i} part {p}: the {token} figure is {i * 31 + p} units, "
            f"reviewed by team {(i + p) % 9}.\n"
            for p in range(1 + i % 4)
        )
        (self.folder / f"doc-{i:04d}.md").write_text(f"# Document {i}\n\nAbout {token}.\n{sections}", "utf-8")

    def change(self) -> None:
        """Edit a few files, remove one, add one."""
        present = sorted(self.versions)
        for i in self.rng.sample(present, k=min(4, len(present))):
            self.write(i)
        gone = self.rng.choice(present)
        (self.folder / f"doc-{gone:04d}.md").unlink()
        del self.versions[gone]
        self.write(max(present) + 1)


async def all_tasks_final(base: str, timeout_s: float = 600) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while True:
            tasks = (await client.get("/api/ingest/tasks", params={"limit": 200})).json()["items"]
            if all(t["status"] in FINAL for t in tasks):
                return list(tasks)
            assert time.monotonic() < deadline, [t["status"] for t in tasks]
            await asyncio.sleep(0.5)


async def check_invariants(
    base: str, database_url: str, rng: random.Random, sample: int = 20
) -> dict[str, int]:
    """Every document whole or absent, no orphan segment, the index equal to the database."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            broken = (
                await conn.execute(
                    text(
                        "SELECT d.id, d.status, d.segment_count, count(s.id) FROM documents d "
                        "LEFT JOIN segments s ON s.document_id = d.id GROUP BY d.id, d.status, d.segment_count "
                        "HAVING (d.status = 'active' AND (count(s.id) != d.segment_count OR count(s.id) = 0)) "
                        "OR (d.status != 'active' AND count(s.id) > 0)"
                    )
                )
            ).all()
            orphans = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM segments s "
                        "WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = s.document_id)"
                    )
                )
            ).scalar_one()
            active_segments = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM segments s JOIN documents d ON d.id = s.document_id "
                        "WHERE d.status = 'active'"
                    )
                )
            ).scalar_one()
            head = (await conn.execute(text("SELECT coalesce(max(seq), 0) FROM index_outbox"))).scalar_one()
            docs = (
                await conn.execute(
                    text(
                        "SELECT d.id, d.status, s.content FROM documents d JOIN segments s ON s.document_id = d.id "
                        "WHERE d.status = 'active' AND s.position = "
                        "(SELECT min(position) FROM segments f WHERE f.document_id = d.id)"
                    )
                )
            ).all()
            deleted = (
                await conn.execute(text("SELECT count(*) FROM documents WHERE status = 'deleted'"))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert broken == [], f"documents not whole: {broken[:5]}"
    assert orphans == 0
    live_tokens = {m for _, _, content in docs for m in TOKEN.findall(content)}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        stats = (await client.get("/api/stats")).json()
        assert stats["index"]["generation"] == head, (stats["index"], head)
        if stats["index"]["segments"]:  # the embedded index counts its vectors; PostgreSQL's its rows
            assert stats["index"]["segments"] == active_segments, (stats["index"], active_segments)
        for doc_id, _, content in rng.sample(docs, k=min(sample, len(docs))):
            token = TOKEN.findall(content)[0]
            r = await client.post("/api/search", json={"query": token, "mode": "keyword", "k": 10})
            # SQLite stores ids as 32 hex digits, PostgreSQL as uuid: compare them as UUIDs.
            assert uuid.UUID(str(doc_id)) in {uuid.UUID(h["document_id"]) for h in r.json()["results"]}, token
        # Versions no document holds any more are found nowhere.
        for _ in range(sample):
            stale = f"zq{rng.randrange(0, 200):04d}v{rng.randrange(0, 3)}"
            if stale not in live_tokens:
                r = await client.post("/api/search", json={"query": stale, "mode": "keyword", "k": 10})
                assert r.json()["results"] == [], stale
    return {"active": len(docs), "deleted": int(deleted), "segments": int(active_segments), "seq": int(head)}

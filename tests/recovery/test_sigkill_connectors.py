"""A server killed with SIGKILL in the middle of a remote source's sync leaves no half-written document,
and the restarted server resumes the sync and completes it: every item indexed exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.connectors.remote_worlds import (
    DriveApiWorld,
    GitApiWorld,
    GitHubApiWorld,
    RemoteWorld,
    WebsiteApiWorld,
)
from tests.fakes.drive_api import FakeDrive
from tests.fakes.github_api import FakeGitHub
from tests.fakes.website import FakeWebsite
from tests.served import free_port

ITEMS = 40


@contextmanager
def remote_world(kind: str, root: Path) -> Iterator[RemoteWorld]:
    if kind == "git":
        world = GitApiWorld(root)
        try:
            yield world
        finally:
            world.close()
        return
    fake: Any = {"github": FakeGitHub, "google_drive": FakeDrive, "website": FakeWebsite}[kind]()
    made: Any = {"github": GitHubApiWorld, "google_drive": DriveApiWorld}.get(kind)
    world = made(fake) if made is not None else WebsiteApiWorld(fake, root)
    try:
        yield world
    finally:
        world.close()
        fake.close()


class Server:
    def __init__(self, workdir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
        env.update(
            PAM_DATA_DIR=str(workdir / "data"),
            PAM_PORT=str(self.port),
            PAM_EMBED_WORKERS="1",
            PAM_EMBED_BATCH_SIZE="4",
            PAM_CONNECTOR_BACKOFF_S="0.01",
        )
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pam.cli.main", "serve"],
            env=env,
            cwd=workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, "pam serve did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        self._log.close()


def db_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql).fetchall()


def half_written(db: Path) -> list[str]:
    rows = db_rows(
        db,
        "SELECT d.source_id FROM documents d LEFT JOIN segments s ON s.document_id = d.id "
        "WHERE d.status = 'active' GROUP BY d.id HAVING count(s.id) != d.segment_count",
    )
    return [r[0] for r in rows]


@pytest.mark.parametrize("kind", ["git", "github", "google_drive", "website"])
def test_sigkill_mid_sync_then_restart_resumes_and_completes(kind: str, tmp_path: Path) -> None:
    db = tmp_path / "data" / "pam.db"
    with remote_world(kind, tmp_path) as world:
        tag = uuid.uuid4().hex[:8]
        for i in range(ITEMS):
            world.add(f"item{i:02d}", f"Recovery item {i} about the kestrel{i}x{tag} procedure. " * 6)
        world.settle()
        if world.http is not None:
            world.http.delay_s = 0.03  # a slow service: the kill lands mid-sync
        server = Server(tmp_path, tmp_path / "first.log")
        try:
            r = httpx.post(
                f"{server.url}/api/sources", json={**world.body("recovering"), "sync": True}, timeout=30
            )
            assert r.status_code == 201, r.text
            source_id = r.json()["id"]
            deadline = time.monotonic() + 240
            while True:
                processed = db_rows(db, "SELECT coalesce(max(processed), 0) FROM ingestion_tasks")[0][0]
                if processed >= 5:
                    break
                assert time.monotonic() < deadline, "the sync never got going"
                time.sleep(0.05)
            server.kill()
        finally:
            server.stop()
        killed_at = db_rows(db, "SELECT max(processed) FROM ingestion_tasks")[0][0]
        assert 0 < killed_at < ITEMS, "killed mid-sync"
        assert half_written(db) == []

        if world.http is not None:
            world.http.delay_s = 0.0
        server = Server(tmp_path, tmp_path / "second.log")
        try:
            deadline = time.monotonic() + 240
            while True:
                tasks = httpx.get(f"{server.url}/api/ingest/tasks", timeout=30).json()["items"]
                if tasks and all(t["status"] in ("completed", "failed", "cancelled") for t in tasks):
                    break
                assert time.monotonic() < deadline, tasks
                time.sleep(0.3)
            assert [t["status"] for t in tasks] == ["completed"], tasks
            source = httpx.get(f"{server.url}/api/sources/{source_id}", timeout=30).json()
            assert source["documents"] == ITEMS and source["last_sync"]["status"] == "completed", source
            hits = httpx.post(
                f"{server.url}/api/search",
                json={"query": f"kestrel{ITEMS - 1}x{tag}", "mode": "keyword"},
                timeout=30,
            ).json()["results"]
            assert hits, "the last item is searchable after the resumed sync"
        finally:
            server.stop()
    assert half_written(db) == []
    created = db_rows(
        db,
        "SELECT document_id, count(*) FROM sync_log WHERE action = 'created' GROUP BY document_id",
    )
    assert len(created) == ITEMS and {n for _, n in created} == {1}, "each item written exactly once"

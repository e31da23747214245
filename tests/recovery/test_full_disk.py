"""A data dir on a file system that fills up mid-ingestion: the ingestion stops with a clear error, loses
nothing already committed, and resumes on its own when space returns.

The file system is a real one of 48 MB (tmpfs), mounted for the test: that needs root (CI runs as
root). Without it the test says so and is skipped; nothing here fakes a full disk.
"""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.harness import Harness, assert_error_body, start_harness, write
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the data dir needs root (CI runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Take all the space but `leave_bytes`."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    size = max(stat.f_bavail * stat.f_frsize - leave_bytes, 0)
    with filler.open("wb") as out:
        chunk = b"\0" * (1 << 20)
        try:
            while size > 0:
                out.write(chunk[: min(size, len(chunk))])
                size -= len(chunk)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def notes(folder: Path, prefix: str, count: int) -> None:
    write(
        folder,
        {
            f"{prefix}-{i:03d}.md": f"# {prefix} {i}\n\nThe {prefix}{i:03d}x figure is {i} units.\n\n"
            + "".join(f"## Part {p}\n\n{prefix} part {p} of {i}: {'lorem ipsum ' * 40}\n\n" for p in range(4))
            for i in range(count)
        },
    )


def whole(database: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute(
            "SELECT d.id FROM documents d LEFT JOIN segments s ON s.document_id = d.id "
            "WHERE d.status = 'active' GROUP BY d.id HAVING count(s.id) != d.segment_count"
        ).fetchall()


async def found(api: Harness, token: str) -> bool:
    return bool((await api.search(token, mode="keyword"))["results"])


@pytest.mark.timeout(900)
async def test_a_full_disk_stops_ingestion_loses_nothing_and_resumes(
    small_disk: Path, log_stream: io.StringIO
) -> None:
    roots = small_disk.parent / "roots"
    settings = make_settings(small_disk / "data", ingest_roots=[roots], embed_batch_size=4)
    async with start_harness(settings) as api:
        first = roots / "first"
        notes(first, "alpha", 10)
        assert (await api.ingest(first))["succeeded"] == 10

        second = roots / "second"
        notes(second, "beta", 60)
        filler = fill(small_disk, leave_bytes=400_000)
        r = await api.client.post("/api/ingest/folder", json={"path": str(second)})
        assert r.status_code == 202, r.text
        task_id = r.json()["id"]

        # The disk fills part-way: the task waits (never `failed`), saying why in the log.
        deadline = time.monotonic() + 300
        while "task_waiting_for_disk_space" not in log_stream.getvalue():
            task = (await api.client.get(f"/api/ingest/tasks/{task_id}")).json()
            assert task["status"] in ("pending", "running"), task
            assert time.monotonic() < deadline, "the disk never filled up"
            await asyncio.sleep(0.5)
        waiting = [json.loads(line) for line in log_stream.getvalue().splitlines() if "disk_space" in line]
        assert "disk is full" in waiting[0]["message"]
        stalled = (await api.client.get(f"/api/ingest/tasks/{task_id}")).json()
        assert stalled["status"] == "running" and stalled["processed"] < 60, stalled

        # Nothing committed is lost: the database is intact, every document whole, the first folder found.
        assert whole(settings.data_dir / "pam.db") == []
        assert await found(api, "alpha003x")
        # New writes are refused with a clear, documented error rather than a 500.
        upload = await api.client.post(
            "/api/ingest/upload", files=[("files", ("big.md", b"# Big\n\n" * 200_000))]
        )
        assert_error_body(upload, 507, "storage_full")

        # Space returns: the same task finishes on its own.
        filler.unlink()
        assert (await api.wait(task_id, timeout_s=300))["status"] == "completed"
        task = (await api.client.get(f"/api/ingest/tasks/{task_id}")).json()
        # Documents stored before the disk filled count as unchanged (skipped) when the run resumes.
        assert task["succeeded"] + task["skipped"] == 60 and task["failed"] == 0, task["errors"]
        await api.services.sync_index()
        assert whole(settings.data_dir / "pam.db") == []
        assert await found(api, "beta059x") and await found(api, "alpha009x")
        assert list(settings.data_dir.rglob("*.part")) == []  # the refused upload left nothing behind

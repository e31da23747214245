"""One real `pam serve` on the sample handbook for the tests of the doors other software uses (MCP over
stdio and streamable HTTP, the OpenAI-compatible API), each driven by that software's official client.

Session-scoped, and on part of the handbook (the metric definitions, the glossary, one data file):
ingested once with the real embedder, which takes minutes for the whole handbook on a busy machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from mcp import StdioServerParameters

from tests.served import served

ROOT = Path(__file__).resolve().parents[2]
HANDBOOK = ROOT / "examples" / "handbook"
HANDBOOK_PART = ("metrics", "onboarding/glossary.md", "data/kpi_targets.csv")
SEED_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Served:
    base: str
    data_dir: Path

    def stdio(self, *args: str, **env: str) -> StdioServerParameters:
        """`pam mcp` (this worktree's) on the same data dir as the running server."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")}
        clean.update(PAM_DATA_DIR=str(self.data_dir), PAM_EMBED_WORKERS="1", **env)
        return StdioServerParameters(
            command=sys.executable,
            args=["-m", "pam.cli.main", "mcp", *args],
            env=clean,
            cwd=self.data_dir.parent,
        )


def wait_for_seed(base: str, headers: dict[str, str] | None = None) -> None:
    """Until the first start's ingestion has finished and its documents are searchable."""
    deadline = time.monotonic() + SEED_TIMEOUT_S
    while True:
        tasks = httpx.get(f"{base}/api/ingest/tasks", headers=headers, timeout=10).json()["items"]
        if tasks and all(t["status"] in ("completed", "failed", "cancelled") for t in tasks):
            assert all(t["status"] == "completed" for t in tasks), tasks
            hits = httpx.post(
                f"{base}/api/search", json={"query": "daily active users"}, headers=headers, timeout=30
            )
            if hits.json()["results"]:
                return
        assert time.monotonic() < deadline, "the sample handbook was not ingested in time"
        time.sleep(0.5)


@pytest.fixture(scope="session")
def handbook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`pam serve` (embedded default, extractive answers) with the sample handbook ingested."""
    workdir = tmp_path_factory.mktemp("handbook")
    seed = workdir / "handbook"
    for part in HANDBOOK_PART:
        (seed / part).parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (HANDBOOK / part).is_dir() else shutil.copyfile
        copy(HANDBOOK / part, seed / part)
    with served(workdir, PAM_SEED_DIR=str(seed), PAM_INGEST_ROOTS=str(seed)) as base:
        wait_for_seed(base)
        yield Served(base, workdir / "data")

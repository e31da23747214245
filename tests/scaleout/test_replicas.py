"""Scale-out search on replicas: every server keeps its own index, fed from the PostgreSQL outbox.

Two real apps on one PostgreSQL, each with its own index directory: a document written through one is
searchable through the other within 2 s, a deletion too; a server joining from an empty disk says
"catching up" (503) until it has caught up, then serves the same results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from pam.search import embedded_index
from pam.search.embedded_index import EmbeddedIndex
from pam.store import migrate
from tests.api.harness import Harness, start_harness, write
from tests.conftest import make_settings

FRESHNESS_S = 2.0


@pytest.fixture
async def database(pg_database: str) -> str:
    await asyncio.to_thread(migrate.upgrade, pg_database)
    return pg_database


@asynccontextmanager
async def server(database: str, root: Path, name: str, **overrides: Any) -> AsyncIterator[Harness]:
    """One `pam serve`: the shared database and files, its own index directory."""
    settings = make_settings(
        root / name,
        database_url=database,
        task_queue="local",
        index_dir=root / name / "index",
        ingest_roots=[root / "files"],
        embed_workers=1,
        embed_threads=1,
        **overrides,
    )
    async with start_harness(settings) as harness:
        yield harness


def folder(root: Path, files: dict[str, str | bytes]) -> Path:
    path = root / "files" / f"f{time.monotonic_ns()}"
    path.mkdir(parents=True)
    write(path, files)
    return path


async def wait_until(check: Any, timeout_s: float) -> float:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < timeout_s, f"not within {timeout_s} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_writes_through_one_server_reach_the_other_within_two_seconds(
    database: str, tmp_path: Path
) -> None:
    async with server(database, tmp_path, "a") as a, server(database, tmp_path, "b") as b:
        for round_ in range(3):
            word = f"zanzibarite{round_}"
            await a.ingest(
                folder(tmp_path, {"note.md": f"# Note\n\nThe {word} ledger is reconciled weekly."})
            )

            async def b_finds_it(word: str = word) -> bool:
                return bool((await b.search(word, mode="keyword"))["results"])  # the word is in no other file

            assert await wait_until(b_finds_it, FRESHNESS_S) < FRESHNESS_S
        # A deletion through A leaves B's results as fast.
        found = (await a.search("zanzibarite0", mode="keyword"))["results"]
        r = await a.client.delete(f"/api/documents/{found[0]['document_id']}")
        assert r.status_code == 204, r.text

        async def b_lost_it() -> bool:
            return not (await b.search("zanzibarite0", mode="keyword"))["results"]

        await wait_until(b_lost_it, FRESHNESS_S)
        # Both servers answer the same, in every mode.
        for mode in ("keyword", "vector", "hybrid"):
            uris_a = await a.uris("reconciled ledger", mode=mode)
            uris_b = await b.uris("reconciled ledger", mode=mode)
            assert uris_a == uris_b and len(uris_a) == 2


async def test_a_server_joining_from_an_empty_disk_says_catching_up_until_it_has(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with server(database, tmp_path, "a") as a:
        await a.ingest(
            folder(
                tmp_path, {f"d{i}.md": f"# Doc {i}\n\nQuarterly okapi census number {i}." for i in range(5)}
            )
        )
        expected = await a.uris("okapi census", mode="hybrid")
        # Hold the newcomer's catch-up, as a large index would.
        release = asyncio.Event()
        load = EmbeddedIndex._load_vectors

        async def slow_load(self: EmbeddedIndex) -> Any:
            await release.wait()
            return await load(self)

        monkeypatch.setattr(EmbeddedIndex, "_load_vectors", slow_load)
        monkeypatch.setattr(embedded_index, "CATCH_UP_WAIT_S", 0.0)
        async with server(database, tmp_path, "b") as b:
            r = await b.client.get("/api/health")
            assert r.status_code == 503 and r.json()["status"] == "catching_up"
            assert r.json()["components"]["index"]["status"] == "catching_up"
            r = await b.client.post("/api/search", json={"query": "okapi census"})
            assert r.status_code == 503 and r.headers.get("retry-after")
            assert r.json()["error"]["code"] == "unavailable"
            release.set()

            async def healthy() -> bool:
                return (await b.client.get("/api/health")).status_code == 200

            await wait_until(healthy, 30)
            # The same hits (these five tie on every score, so their order is the index's insertion order).
            assert sorted(await b.uris("okapi census", mode="hybrid")) == sorted(expected)


async def test_a_restarted_server_loads_its_vectors_from_disk(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with server(database, tmp_path, "a") as a:
        await a.ingest(
            folder(tmp_path, {"pangolin.md": "# Pangolins\n\nThe pangolin survey covers six reserves."})
        )
    assert (tmp_path / "a" / "index" / "vectors" / "state.json").is_file()

    async def no_rebuild(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the vectors were read from the database again")

    monkeypatch.setattr(embedded_index.feed, "all_segments", no_rebuild)
    async with server(database, tmp_path, "a") as a:
        assert (await a.uris("pangolin survey", mode="vector"))[0].endswith("pangolin.md")

"""Randomised crashes: SIGKILL the server (and, scaled out, the worker) at random moments while folders
are ingested and documents deleted, 20 times in a row, starting it again each time. After the last
restart every task is final, every document is whole or absent, no segment is orphaned, and the index
equals the database (its counts, its position, and searches for what each document says).

Slow (minutes: each restart loads the model), so it runs in `make test-slow`, which CI runs too.
`PAM_CRASH_SEED` replays one run; the seed is printed.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import httpx
import pytest

from tests.recovery.crash_rig import Corpus, Rig, all_tasks_final, check_invariants
from tests.scaleout.processes import worker_env

pytestmark = pytest.mark.slow
ROUNDS = 20
FILES = 60


async def crash_rounds(rig: Rig, corpus: Corpus, rng: random.Random) -> None:
    for _ in range(ROUNDS):
        rig.start()
        async with httpx.AsyncClient(base_url=rig.base, timeout=30) as client:
            corpus.change()
            r = await client.post("/api/ingest/folder", json={"path": str(corpus.folder)})
            assert r.status_code == 202, r.text
            docs = (await client.get("/api/documents", params={"limit": 200})).json()["items"]
            for doc in rng.sample(docs, k=min(3, len(docs))):
                assert (await client.delete(f"/api/documents/{doc['id']}")).status_code in (204, 404)
            await asyncio.sleep(rng.uniform(0.0, 4.0))  # the kill lands anywhere in the ingestion
        rig.kill()


async def settle_and_check(rig: Rig, database_url: str, rng: random.Random) -> dict[str, int]:
    rig.start()
    try:
        tasks = await all_tasks_final(rig.base)
        assert len(tasks) >= ROUNDS
        async with httpx.AsyncClient(base_url=rig.base, timeout=30) as client:
            # One more sync of the folder: a clean run on top of whatever the crashes left.
            r = await client.post("/api/ingest/folder", json={"path": str(rig.workdir / "corpus")})
            assert r.status_code == 202
        await all_tasks_final(rig.base)
        await asyncio.sleep(3)  # the index follows the last commits
        return await check_invariants(rig.base, database_url, rng)
    finally:
        rig.kill()


def seeded() -> random.Random:
    seed = int(os.environ.get("PAM_CRASH_SEED", random.randrange(1 << 30)))
    print(f"\nPAM_CRASH_SEED={seed}")
    return random.Random(seed)


@pytest.mark.timeout(1800)
async def test_sigkill_the_embedded_server_20_times(tmp_path: Path) -> None:
    rng = seeded()
    corpus = Corpus(tmp_path / "corpus", rng, FILES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAM_")} | {
        "PAM_DATA_DIR": str(tmp_path / "data"),
        "PAM_INGEST_ROOTS": str(tmp_path),
        "PAM_EMBED_WORKERS": "1",
        "PAM_EMBED_BATCH_SIZE": "8",
        "PAM_LOG_FORMAT": "json",
    }
    rig = Rig(env, tmp_path, with_worker=False)
    await crash_rounds(rig, corpus, rng)
    figures = await settle_and_check(rig, f"sqlite+aiosqlite:///{tmp_path / 'data' / 'pam.db'}", rng)
    print(f"after {ROUNDS} kills: {figures}")


@pytest.mark.timeout(2400)
async def test_sigkill_server_and_worker_20_times_scaled_out(
    tmp_path: Path, scaleout_settings: object
) -> None:
    rng = seeded()
    corpus = Corpus(tmp_path / "corpus", rng, FILES)
    settings = scaleout_settings(ingest_roots=[tmp_path])  # type: ignore[operator]
    env = worker_env(settings) | {"PAM_EMBED_BATCH_SIZE": "8"}
    rig = Rig(env, tmp_path, with_worker=True)
    await crash_rounds(rig, corpus, rng)
    figures = await settle_and_check(rig, settings.database_url, rng)
    print(f"after {ROUNDS} kills of server and worker: {figures}")

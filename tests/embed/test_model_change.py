"""Changing the embedding model: everything is embedded again in the background while the old vectors
serve, then one switch; never a query vector against another model's vectors. In both index backends,
with the real app, the real MiniLM as the old model and an OpenAI-compatible server (fake, real wire) as
the new one, of another dimension.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from pam.search.filters import SearchFilters
from pam.settings import Settings
from pam.store import migrate
from pam.store.models import EmbeddingSpace, Segment, SegmentVector
from tests.api.harness import Harness, start_harness, write
from tests.conftest import make_settings
from tests.fakes.embeddings_server import FakeEmbeddingServer

NEW_MODEL = "fake-embed-large"  # asked for 48 dimensions, where MiniLM has 384
NEW_ID = f"{NEW_MODEL}@48/section-header-v1"  # the stored id: model, dimensions, input recipe
DOCS: dict[str, str | bytes] = {
    "dau.md": "# Daily active users\n\nDaily active users count distinct accounts with an event in a UTC day.",
    "late.md": "# Late pipeline\n\nWhen the nightly pipeline is late, page the data engineer on call.",
    "budget.md": "# Budget\n\nThe marketing budget for the spring campaign is forty thousand euros.",
}


@pytest.fixture
def server() -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer(api_key="sk-embed") as fake:
        yield fake


@pytest.fixture(params=["embedded", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "embedded":
        return {}
    url = request.getfixturevalue("pg_database")
    migrate.upgrade(url)  # a shared PostgreSQL is upgraded once, by `pam db upgrade`
    return {"database_url": url, "search_index": "postgres"}


def _settings(data_dir: Path, backend: dict[str, Any], **embed: Any) -> Settings:
    return make_settings(data_dir, embed_workers=1, embed_threads=1, **backend, **embed)


def _new_model(server: FakeEmbeddingServer) -> dict[str, Any]:
    return {
        "embed_provider": "openai",
        "embed_model": NEW_MODEL,
        "embed_base_url": server.base_url,
        "embed_api_key": "sk-embed",
        "embed_dimensions": 48,  # known without asking the server, which the test may hold
    }


async def _wait_for(check: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def _vector_uris(h: Harness, query: str) -> list[str]:
    return await h.uris(query, mode="vector", k=3)


async def _models_in_segments(h: Harness) -> dict[tuple[str | None, int | None], int]:
    async with h.services.sessions() as s:
        rows = await s.execute(
            select(Segment.embedding_model, Segment.embedding_dim, func.count()).group_by(
                Segment.embedding_model, Segment.embedding_dim
            )
        )
        return {(m, d): n for m, d, n in rows}


async def test_old_vectors_serve_until_the_new_model_is_complete_then_switch(
    tmp_path: Path, server: FakeEmbeddingServer, backend: dict[str, Any]
) -> None:
    data = tmp_path / "data"
    async with start_harness(_settings(data, backend)) as h:
        folder = h.folder()
        write(folder, DOCS)
        await h.ingest(folder)
        old_model = h.services.embeddings.active_model
        assert await _vector_uris(h, "how are daily active users counted?")
        assert h.services.index.vector_model == old_model

    server.hold()  # the new model answers nothing until released
    async with start_harness(_settings(data, backend, **_new_model(server))) as h:
        services = h.services
        # Building: queries and new documents still use the old model, whose vectors are complete.
        assert services.embeddings.changing and services.index.vector_model == old_model
        assert (await _vector_uris(h, "how are daily active users counted?"))[0].endswith("dau.md")
        late = h.folder("late")
        write(
            late, {"oncall.md": "# On call\n\nThe on-call rota for the data platform changes every Monday."}
        )
        await h.ingest(late)
        assert (await _vector_uris(h, "who is on call for the data platform?"))[0].endswith("oncall.md")
        health = (await h.client.get("/api/health")).json()["components"]["embedder"]
        assert f"re-embedding for {NEW_MODEL}" in health["detail"]
        assert set(await _models_in_segments(h)) == {(old_model, 384)}

        server.release()

        async def switched() -> bool:
            await services.sync_index()
            return services.index.vector_model == NEW_ID

        await _wait_for(switched)
        # Every segment now holds the new model's vector, recorded with its name and dimension.
        assert await _models_in_segments(h) == {(NEW_ID, 48): 4}
        async with services.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(SegmentVector)) == 0
            statuses = dict((await s.execute(select(EmbeddingSpace.model, EmbeddingSpace.status))).all())
        assert statuses[old_model] == "retired"
        assert (await _vector_uris(h, "who is on call for the data platform?"))[0].endswith("oncall.md")
        assert (await _vector_uris(h, "spring campaign marketing budget"))[0].endswith("budget.md")
        # The query was embedded by the new model: the server saw it.
        assert any(r.body.get("input") == ["spring campaign marketing budget"] for r in server.requests)
        health = (await h.client.get("/api/health")).json()["components"]["embedder"]
        assert health["status"] == "ok" and "re-embedding" not in health["detail"]


async def test_a_query_of_the_old_model_never_meets_the_new_vectors(
    tmp_path: Path, server: FakeEmbeddingServer, backend: dict[str, Any]
) -> None:
    data = tmp_path / "data"
    async with start_harness(_settings(data, backend)) as h:
        folder = h.folder()
        write(folder, DOCS)
        await h.ingest(folder)
        old_model = h.services.embeddings.active_model
        old_query = h.services.embedder.embed_query("daily active users")
    async with start_harness(_settings(data, backend, **_new_model(server))) as h:
        services = h.services

        async def switched() -> bool:
            await services.sync_index()
            return services.index.vector_model != old_model

        await _wait_for(switched)
        everything = SearchFilters()
        assert await services.index.vector(old_query, everything, 5, model=old_model) == []
        new_query = services.embedder.embed_query("daily active users")
        hits = await services.index.vector(new_query, everything, 5, model=services.index.vector_model)
        assert hits and np.isfinite([score for _, score in hits]).all()

"""A running app over HTTP for the API tests, plus the waits and parsers every API test needs.

One `Harness` per test module keeps app starts (each loads the real embedder) few; every test
writes its own folder with its own words, so tests sharing an app do not see each other's files.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from pam.api.app import create_app
from pam.services.container import Services
from pam.settings import Settings
from tests.conftest import running_app
from tests.deployments import DEPLOYMENTS, deployment

TERMINAL = ("completed", "failed", "cancelled")
# The machine is shared and the real model embeds every chunk: generous, but bounded.
TASK_TIMEOUT_S = 180.0


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    bodies: list[str] = field(default_factory=list)  # every response body, for leak checks

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    @property
    def root(self) -> Path:
        return self.settings.data_dir

    def folder(self, prefix: str = "docs") -> Path:
        """A fresh folder under the ingestion root."""
        path = self.root / f"{prefix}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        return path

    async def wait(self, task_id: str, timeout_s: float = TASK_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            r = await self.client.get(f"/api/ingest/tasks/{task_id}")
            assert r.status_code == 200, r.text
            task: dict[str, Any] = r.json()
            if task["status"] in TERMINAL:
                return task
            assert time.monotonic() < deadline, f"task still {task['status']} after {timeout_s} s"
            await asyncio.sleep(0.1)

    async def ingest(self, folder: Path, **body: Any) -> dict[str, Any]:
        """Ingest a folder, wait for the task and for the index to catch up; the task detail."""
        r = await self.client.post("/api/ingest/folder", json={"path": str(folder), **body})
        assert r.status_code == 202, r.text
        task = await self.wait(r.json()["id"])
        await self.services.sync_index()
        return task

    async def search(self, query: str, **body: Any) -> dict[str, Any]:
        r = await self.client.post("/api/search", json={"query": query, **body})
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    async def uris(self, query: str, **body: Any) -> list[str]:
        return [hit["uri"] for hit in (await self.search(query, **body))["results"]]


@asynccontextmanager
async def start_harness(settings: Settings) -> AsyncIterator[Harness]:
    app = create_app(settings)
    async with running_app(app) as client:
        harness = Harness(app, client, settings)

        async def keep(response: httpx.Response) -> None:
            await response.aread()
            harness.bodies.append(response.text)

        client.event_hooks["response"].append(keep)
        yield harness


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """(event name, decoded JSON data) of every event in an SSE body; comments are skipped."""
    events: list[tuple[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].strip())
        if name is not None:
            events.append((name, json.loads("\n".join(data)) if data else None))
    return events


def assert_error_body(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error


def llm_overrides(provider: str, model_server: Any) -> dict[str, Any]:
    """Settings that make the LLM provider (openai or anthropic) the fake model server."""
    connection: dict[str, Any] = (
        {"openai_api_key": SecretStr("test"), "openai_base_url": model_server.openai_base_url}
        if provider == "openai"
        else {"anthropic_api_key": SecretStr("test"), "anthropic_base_url": model_server.anthropic_base_url}
    )
    return {"llm_provider": provider, "llm_model": "fake", **connection}


# Every (provider, deployment) pair, for module fixtures of the LLM chat tests.
LLM_DEPLOYMENTS = [(p, d) for p in ("openai", "anthropic") for d in DEPLOYMENTS]


@asynccontextmanager
async def llm_harness(
    request: pytest.FixtureRequest, data_dir: Path, model_server: Any
) -> AsyncIterator[Harness]:
    """An app on the fake model server, in the deployment of `request.param` = (provider, deployment)."""
    provider, mode = request.param
    async with (
        deployment(mode, data_dir, request, **llm_overrides(provider, model_server)) as settings,
        start_harness(settings) as harness,
    ):
        yield harness

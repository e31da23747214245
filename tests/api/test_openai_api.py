"""The OpenAI-compatible API's own rules, over raw HTTP: stored conversations, errors in OpenAI's shape,
and a stream that holds no database connection. (`tests/doors` drives it with the official SDK.)"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pam.api.app import create_app
from tests.api.harness import Harness, llm_overrides, start_harness, write
from tests.conftest import make_settings
from tests.fakes.model_script import Delay, HttpError, Text, ToolUse
from tests.fakes.model_server import FakeModelServer
from tests.served import serving_in_loop

OTTERS = {
    "otters.md": "# Otters\n\n## Sleep\n\nSea otters hold hands while they sleep, so they do not drift apart."
}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(make_settings(tmp_path / "data")) as harness:
        await harness.ingest(write_folder(harness))
        yield harness


def write_folder(h: Harness) -> Path:
    folder = h.folder()
    write(folder, dict(OTTERS))
    return folder


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


async def complete(h: Harness, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    r = await h.client.post("/v1/chat/completions", json={"model": "pam", "messages": messages, **extra})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_each_turn_continues_the_conversation_it_follows(api: Harness) -> None:
    first = [user("Why do sea otters hold hands?")]
    one = await complete(api, first)
    answer = one["choices"][0]["message"]["content"]
    assert "\n\nSources:\n[1] Otters — Sleep — otters.md" in answer
    two = await complete(api, [*first, {"role": "assistant", "content": answer}, user("While they sleep?")])
    assert two["pam"]["conversation_id"] == one["pam"]["conversation_id"]
    # Clients reformat what they send back; a Sources list and whitespace do not start a new thread.
    reformatted = "  " + answer.split("\n\nSources:")[0].replace(" ", "  ") + "\n"
    second_answer = two["choices"][0]["message"]["content"]
    three = await complete(
        api,
        [
            *first,
            {"role": "assistant", "content": reformatted},
            user("While they sleep?"),
            {"role": "assistant", "content": [{"type": "text", "text": second_answer}]},
            user("Do they drift?"),
        ],
    )
    assert three["pam"]["conversation_id"] == one["pam"]["conversation_id"]
    stored = (await api.client.get(f"/api/conversations/{one['pam']['conversation_id']}")).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 3
    # A history that differs from every stored one (an edited answer) is a conversation of its own.
    edited = await complete(api, [*first, {"role": "assistant", "content": "Something else."}, user("Sure?")])
    assert edited["pam"]["conversation_id"] != one["pam"]["conversation_id"]
    detail = (await api.client.get(f"/api/conversations/{edited['pam']['conversation_id']}")).json()
    assert [(m["role"], m["content"]) for m in detail["messages"][:3]] == [
        ("user", "Why do sea otters hold hands?"),
        ("assistant", "Something else."),
        ("user", "Sure?"),
    ]


async def test_a_completion_is_stored_before_its_response(api: Harness) -> None:
    for stream in (False, True):
        r = await api.client.post(
            "/v1/chat/completions",
            json={"model": "pam", "messages": [user("Otters asleep?")], "stream": stream},
        )
        if stream:
            chunks = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
            conversation = next(c["pam"] for c in chunks if c.get("pam"))["conversation_id"]
        else:
            conversation = r.json()["pam"]["conversation_id"]
        stored = (await api.client.get(f"/api/conversations/{conversation}")).json()["messages"]
        assert [(m["role"], m["status"]) for m in stored] == [("user", "complete"), ("assistant", "complete")]


async def test_requests_a_knowledge_base_cannot_serve_are_refused_in_openai_shape(api: Harness) -> None:
    for body, status, code in (
        ({"model": "pam", "messages": [user("hi")], "n": 2}, 422, "invalid_input"),
        ({"model": "pam", "messages": [{"role": "system", "content": "Be nice."}]}, 400, "invalid_input"),
        ({"model": "pam", "messages": [user("   ")]}, 400, "invalid_input"),
        ({"model": "pam/missing", "messages": [user("hi")]}, 404, "model_not_found"),
        ({"model": "pam", "messages": [{"role": "robot", "content": "hi"}]}, 422, "invalid_input"),
        ({"messages": [user("hi")]}, 422, "invalid_input"),
        # Text no store can keep: refused up front (by the schema), streamed or not.
        ({"model": "pam", "messages": [user("otters\x00?")]}, 422, "invalid_input"),
        ({"model": "pam", "messages": [user("otters\ud800?")], "stream": True}, 422, "invalid_input"),
        (
            {"model": "pam", "messages": [{"role": "assistant", "content": "a\x00"}, user("b")]},
            422,
            "invalid_input",
        ),
    ):
        # As JSON text with \u escapes (httpx's own encoder would refuse the lone surrogate).
        sent = json.dumps(body).encode()
        r = await api.client.post(
            "/v1/chat/completions", content=sent, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert error["code"] == code and error["message"] and error["type"] and error["param"] is None
    unknown = await api.client.get("/v1/embeddings")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "not_found_error"
    # Settings OpenAI clients send along are accepted, and change nothing.
    tuned = await complete(api, [user("Otters?")], temperature=0.2, max_tokens=10, tools=[], user="me")
    assert tuned["choices"][0]["finish_reason"] == "stop"


async def test_a_failing_model_is_an_openai_error_whole_or_streamed(
    tmp_path: Path, model_server: FakeModelServer
) -> None:
    settings = make_settings(tmp_path / "data", **llm_overrides("openai", model_server))
    async with start_harness(settings) as api:
        model_server.set_script([[HttpError(500)], [HttpError(500)]])
        whole = await api.client.post(
            "/v1/chat/completions", json={"model": "pam", "messages": [user("Otters?")]}
        )
        assert whole.status_code == 503 and whole.headers["retry-after"] == "10"
        assert whole.json()["error"]["code"] == "llm_unavailable"
        assert whole.json()["error"]["type"] == "server_error"
        streamed = await api.client.post(
            "/v1/chat/completions", json={"model": "pam", "messages": [user("Otters?")], "stream": True}
        )
        lines = [line for line in streamed.text.splitlines() if line.startswith("data: ")]
        assert lines[-1] == "data: [DONE]"
        error = json.loads(lines[-2][6:])["error"]
        assert error["code"] == "llm_unavailable" and "Traceback" not in streamed.text


@pytest.mark.timeout(120)
async def test_a_paused_completion_stream_holds_no_connection_with_a_pool_of_one(
    tmp_path: Path, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [
            [ToolUse("search_knowledge", {"query": "otters"})],
            [Text("Otters hold hands [1] "), Delay(60), Text("while they sleep.")],
        ]
    )
    settings = make_settings(
        tmp_path / "data", db_pool_size=1, db_max_overflow=0, **llm_overrides("openai", model_server)
    )
    folder = settings.data_dir / "docs"
    write(folder, dict(OTTERS))
    async with (
        serving_in_loop(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        task = (await client.post("/api/ingest/folder", json={"path": str(folder)})).json()
        while (await client.get(f"/api/ingest/tasks/{task['id']}")).json()["status"] != "completed":
            await asyncio.sleep(0.1)
        first_text = asyncio.Event()

        async def completion() -> None:
            body = {"model": "pam", "messages": [user("Otters?")], "stream": True}
            async with client.stream("POST", "/v1/chat/completions", json=body) as r:
                async for line in r.aiter_lines():
                    if "Otters hold hands" in line:
                        first_text.set()

        streaming = asyncio.create_task(completion())
        await asyncio.wait_for(first_text.wait(), timeout=30)
        models = await asyncio.wait_for(client.get("/v1/models"), timeout=10)
        listing = await asyncio.wait_for(client.get("/api/documents"), timeout=10)
        assert models.status_code == 200 and listing.json()["total"] == 1
        assert not streaming.done()
        streaming.cancel()
        await asyncio.gather(streaming, return_exceptions=True)

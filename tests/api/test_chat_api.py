"""Chat over HTTP with the default extractive provider: answers with citations, the SSE contract,
follow-ups by conversation id, stored conversations, and errors for unknown conversations."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.api.harness import Harness, assert_error_body, parse_sse, start_harness
from tests.deployments import DEPLOYMENTS, deployment

pytestmark = pytest.mark.asyncio(loop_scope="module")
HANDBOOK = Path(__file__).resolve().parents[2] / "examples" / "handbook"
SAMPLE = ["metrics/dau.md", "metrics/retention.md", "onboarding/glossary.md"]
DAU_QUESTION = "How do we count daily active users? Which actions make someone count as active?"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("chat") / "data"
    async with deployment(request.param, data_dir, request) as settings, start_harness(settings) as harness:
        folder = harness.folder("handbook")
        for rel in SAMPLE:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(HANDBOOK / rel, folder / rel)
        task = await harness.ingest(folder)
        assert task["succeeded"] == len(SAMPLE), task["errors"]
        yield harness


async def stream(api: Harness, body: dict[str, Any]) -> list[tuple[str, Any]]:
    r = await api.client.post("/api/chat/stream", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    return parse_sse(r.text)


async def test_chat_answers_with_citations_to_the_right_document(api: Harness) -> None:
    r = await api.client.post("/api/chat", json={"message": DAU_QUESTION})

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["provider"] == "extractive" and body["answer"].strip()
    assert body["citations"] and "metrics/dau.md" in {c["uri"] for c in body["citations"]}
    assert [c["number"] for c in body["citations"]] == list(range(1, len(body["citations"]) + 1))
    for citation in body["citations"]:
        assert f"[{citation['number']}]" in body["answer"]
        segment = (await api.client.get(f"/api/segments/{citation['segment_id']}")).json()
        assert segment["document_id"] == citation["document_id"]
        assert segment["content"][citation["quote_start"] : citation["quote_end"]] == citation["quote"]
    uuid.UUID(body["conversation_id"])


async def test_stream_sends_conversation_status_tokens_citations_then_one_done(api: Harness) -> None:
    events = await stream(api, {"message": DAU_QUESTION})

    names = [name for name, _ in events]
    assert names[0] == "conversation" and names.count("conversation") == 1
    uuid.UUID(events[0][1]["conversation_id"])
    assert names.count("done") == 1 and names[-1] == "done" and "error" not in names
    assert "token" in names and "citation" in names and "status" in names
    first_token = names.index("token")
    assert all(name == "status" for name in names[1 : names.index("status") + 1])
    assert "status" not in names[first_token:]
    assert set(names[first_token:-1]) <= {"token", "citation"}
    for _, status in (e for e in events if e[0] == "status"):
        assert set(status) >= {"stage", "message"}
    text = "".join(data["text"] for name, data in events if name == "token")
    citations = [data for name, data in events if name == "citation"]
    assert "metrics/dau.md" in {c["uri"] for c in citations}
    for citation in citations:
        assert f"[{citation['number']}]" in text
    done = events[-1][1]
    assert done["provider"] == "extractive" and done["usage"]["citations"] == len(citations)
    assert isinstance(done["latency_ms"], int)


async def test_a_follow_up_with_only_the_conversation_id_continues_it(api: Harness) -> None:
    first = (await api.client.post("/api/chat", json={"message": DAU_QUESTION})).json()
    conversation_id = first["conversation_id"]

    events = await stream(
        api, {"message": "And how is retention defined?", "conversation_id": conversation_id}
    )

    assert events[0] == (
        "conversation",
        {"conversation_id": conversation_id, "message_id": events[0][1]["message_id"]},
    )
    assert [n for n, _ in events][-1] == "done"
    detail = (await api.client.get(f"/api/conversations/{conversation_id}")).json()
    messages = detail["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == DAU_QUESTION
    assert messages[1]["content"] == first["answer"] and messages[1]["status"] == "complete"
    assert [c["segment_id"] for c in messages[1]["citations"]] == [
        c["segment_id"] for c in first["citations"]
    ]
    assert messages[3]["citations"] and messages[3]["provider"] == "extractive"
    assert messages[3]["id"] == events[0][1]["message_id"]
    listed = (await api.client.get("/api/conversations", params={"limit": 100})).json()
    assert conversation_id in {c["id"] for c in listed["items"]}


async def test_deleting_a_conversation_removes_it(api: Harness) -> None:
    conversation_id = (await api.client.post("/api/chat", json={"message": "What is a DAU?"})).json()[
        "conversation_id"
    ]

    r = await api.client.delete(f"/api/conversations/{conversation_id}")

    assert r.status_code == 204
    assert_error_body(await api.client.get(f"/api/conversations/{conversation_id}"), 404, "not_found")
    listed = (await api.client.get("/api/conversations", params={"limit": 100})).json()
    assert conversation_id not in {c["id"] for c in listed["items"]}
    assert_error_body(await api.client.delete(f"/api/conversations/{conversation_id}"), 404, "not_found")


async def test_an_unknown_conversation_is_an_error_event_with_no_done(api: Harness) -> None:
    events = await stream(api, {"message": "Hello again", "conversation_id": str(uuid.uuid4())})

    assert [name for name, _ in events] == ["error"]
    assert events[0][1]["code"] == "not_found" and events[0][1]["message"]


async def test_an_unknown_conversation_is_404_elsewhere(api: Harness) -> None:
    unknown = str(uuid.uuid4())
    r = await api.client.post("/api/chat", json={"message": "Hello", "conversation_id": unknown})
    assert_error_body(r, 404, "not_found")
    assert_error_body(await api.client.get(f"/api/conversations/{unknown}"), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [{}, {"message": ""}, {"message": "x" * 8001}, {"message": "hi", "conversation_id": "nope"}],
    ids=["missing", "empty", "too-long", "bad-id"],
)
async def test_malformed_chat_bodies_are_422(api: Harness, body: dict[str, object]) -> None:
    assert_error_body(await api.client.post("/api/chat", json=body), 422, "invalid_input")
    assert_error_body(await api.client.post("/api/chat/stream", json=body), 422, "invalid_input")


async def test_a_question_with_nothing_relevant_still_ends_with_done(api: Harness) -> None:
    events = await stream(api, {"message": "   \u200b  "})
    names = [name for name, _ in events]
    assert names[0] == "conversation" and names.count("done") + names.count("error") == 1
    assert names[-1] in ("done", "error")

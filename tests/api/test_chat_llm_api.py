"""Chat over HTTP with a real LLM provider (OpenAI-compatible and Anthropic SDKs) talking to the fake model
server: the agent searches, cites [1] and [3]; a dropped connection ends the stream with an error."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from structlog.testing import capture_logs

from tests.answer.helpers import tool_results
from tests.api.harness import LLM_DEPLOYMENTS, Harness, llm_harness, parse_sse, write
from tests.fakes.model_script import Drop, Text, ToolUse
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
SEARCH = ToolUse("search_knowledge", {"query": "refund"})


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=LLM_DEPLOYMENTS,
    ids=lambda pd: "-".join(pd),
)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp(f"chat-{request.param[0]}") / "data"
    async with llm_harness(request, data_dir, model_server) as harness:
        folder = harness.folder("refunds")
        write(
            folder,
            {
                "refunds.md": "# Refund policy\n\n## Standard\n\nRefunds are issued within 14 days of the request. "
                "The refund goes to the original card.\n\n## Exceptions\n\nGift cards get no refund. "
                "Contact support for damaged goods refund cases.\n",
                "plans.md": "# Plans\n\n## Enterprise\n\nRefund windows differ by plan. Enterprise customers "
                "get 30 days to request a refund.\n\n## Free\n\nThe free plan has no billing, so no refund "
                "applies.\n",
            },
        )
        task = await harness.ingest(folder)
        assert task["succeeded"] == 2
        yield harness


def numbered_sources(tool_text: str) -> dict[int, str]:
    """`[n] Title > Section: text` lines of a search result the model received: n -> first words."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\[(\d+)\] (.+)$", tool_text, re.MULTILINE)}


async def chat_events(api: Harness, message: str) -> list[tuple[str, Any]]:
    r = await api.client.post("/api/chat/stream", json={"message": message})
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


async def test_the_model_searches_then_cites_one_and_three_as_exactly_two_citations(
    api: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[SEARCH], [Text("Refunds are issued within 14 days [1]. "), Text("Enterprise gets 30 days [3].")]]
    )
    start = len(model_server.requests)

    events = await chat_events(api, "How long do refunds take?")

    names = [name for name, _ in events]
    assert names[0] == "conversation" and names[-1] == "done" and names.count("done") == 1
    assert "error" not in names
    assert [data for name, data in events if name == "tool"] == [
        {"name": "search_knowledge", "input": {"query": "refund"}}
    ]
    citations = [data for name, data in events if name == "citation"]
    assert [c["number"] for c in citations] == [1, 2]
    text = "".join(data["text"] for name, data in events if name == "token")
    assert text == "Refunds are issued within 14 days [1]. Enterprise gets 30 days [2]."
    # The two citations are the search's sources [1] and [3], in that order.
    sources = numbered_sources(tool_results(model_server.requests[start + 1])[0][0])
    assert len(sources) >= 3
    for citation, n in zip(citations, (1, 3), strict=True):
        assert sources[n].startswith(citation["title"])
        segment = (await api.client.get(f"/api/segments/{citation['segment_id']}")).json()
        assert segment["content"][citation["quote_start"] : citation["quote_end"]] == citation["quote"]
        assert citation["quote"] in sources[n]
    assert citations[0]["segment_id"] != citations[1]["segment_id"]
    done = events[-1][1]
    assert done["usage"]["citations"] == 2 and done["usage"]["tool_calls"] == 1
    assert done["provider"] in ("openai", "anthropic") and done["model"] == "fake"


async def test_a_dropped_model_connection_ends_with_an_error_and_stores_the_partial_answer(
    api: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script([[SEARCH], [Text("Refunds are issued "), Text("within 14 days"), Drop()]])

    with capture_logs() as logs:
        events = await chat_events(api, "How long do refunds take, really?")

    names = [name for name, _ in events]
    assert "done" not in names and names.count("error") == 1 and names[-1] == "error"
    error = events[-1][1]
    assert error["code"] == "llm_unavailable" and error["message"]
    assert "127.0.0.1" not in error["message"] and "Traceback" not in error["message"]
    partial = "".join(data["text"] for name, data in events if name == "token")
    assert partial.startswith("Refunds are issued")
    conversation_id = events[0][1]["conversation_id"]
    detail = (await api.client.get(f"/api/conversations/{conversation_id}")).json()
    assistant = detail["messages"][-1]
    assert assistant["role"] == "assistant" and assistant["status"] == "incomplete"
    assert assistant["content"] == partial and assistant["error_code"] == "llm_unavailable"
    failures = [entry for entry in logs if entry["event"] in ("answer.llm_failed", "answer.failed")]
    assert failures, [entry["event"] for entry in logs]
    assert any(entry.get("error_type") or entry.get("cause") for entry in failures)

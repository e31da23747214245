"""`grounded` over HTTP: in the `done` event, the `/api/chat` body and the stored message, in both
deployments (the column comes from a migration, on SQLite and PostgreSQL alike), for an OpenAI-
compatible model that never calls a tool; and `PAM_UNGROUNDED=replace` never lets an unchecked
answer out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.api.harness import Harness, llm_overrides, parse_sse, start_harness, write
from tests.deployments import DEPLOYMENTS, deployment
from tests.fakes.model_script import QuoteSource, Text
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
FILES = {
    "refunds.md": "# Refund policy\n\n## Standard\n\nRefunds are issued within 14 days of the request. "
    "The refund goes to the original card.\n\n## Exceptions\n\nGift cards get no refund.\n",
    "plans.md": "# Plans\n\n## Enterprise\n\nEnterprise customers get 30 days to request a refund.\n",
}
QUESTION = "How long do refunds take?"
INVENTED = "Refunds are processed by the finance team every quarter, usually by bank transfer."


async def harness_with_docs(harness: Harness) -> Harness:
    folder = harness.folder("refunds")
    write(folder, dict(FILES))
    assert (await harness.ingest(folder))["succeeded"] == len(FILES)
    return harness


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DEPLOYMENTS)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp(f"grounding-{request.param}") / "data"
    overrides = llm_overrides("openai", model_server)
    async with (
        deployment(request.param, data_dir, request, **overrides) as settings,
        start_harness(settings) as h,
    ):
        yield await harness_with_docs(h)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replacing(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("grounding-replace") / "data"
    overrides = {**llm_overrides("openai", model_server), "ungrounded": "replace"}
    async with (
        deployment("embedded", data_dir, request, **overrides) as settings,
        start_harness(settings) as h,
    ):
        yield await harness_with_docs(h)


async def chat_events(api: Harness, message: str) -> list[tuple[str, Any]]:
    r = await api.client.post("/api/chat/stream", json={"message": message})
    assert r.status_code == 200, r.text
    return parse_sse(r.text)


async def stored_answer(api: Harness, conversation_id: str) -> dict[str, Any]:
    detail = (await api.client.get(f"/api/conversations/{conversation_id}")).json()
    question, answer = detail["messages"]
    assert question["grounded"] is None and question["grounding"] is None
    stored: dict[str, Any] = answer
    return stored


async def test_a_model_that_never_calls_a_tool_is_grounded_and_stored_so(
    api: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script([[QuoteSource()]])

    events = await chat_events(api, QUESTION)

    names = [name for name, _ in events]
    assert "tool" not in names and names[-1] == "done"
    text = "".join(data["text"] for name, data in events if name == "token")
    assert text == "Refunds are issued within 14 days of the request [1]."
    done = events[-1][1]
    assert done["grounded"] is True
    assert done["grounding"] == {"reason": None, "action": "shown", "alternative": None}
    stored = await stored_answer(api, events[0][1]["conversation_id"])
    assert stored["grounded"] is True and stored["grounding"]["action"] == "shown"


async def test_an_ungrounded_answer_is_flagged_with_the_extractive_one_beside_it_everywhere(
    api: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(INVENTED)], [Text(INVENTED)]])

    events = await chat_events(api, QUESTION)
    body = (await api.client.post("/api/chat", json={"message": QUESTION})).json()

    done = events[-1][1]
    assert done["grounded"] is False
    assert done["grounding"]["reason"] == "no_citations" and done["grounding"]["action"] == "flagged"
    alternative = done["grounding"]["alternative"]
    assert "Refunds are issued within 14 days of the request." in alternative["text"]
    for citation in alternative["citations"]:
        assert f"[{citation['number']}]" in alternative["text"]
        segment = (await api.client.get(f"/api/segments/{citation['segment_id']}")).json()
        assert segment["content"][citation["quote_start"] : citation["quote_end"]] == citation["quote"]
    assert body["answer"] == INVENTED and body["grounded"] is False
    assert body["grounding"] == done["grounding"]
    stored = await stored_answer(api, events[0][1]["conversation_id"])
    assert stored["content"] == INVENTED and stored["grounded"] is False
    assert stored["grounding"] == done["grounding"]


async def test_replace_streams_the_extractive_answer_and_never_the_ungrounded_one(
    replacing: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text(INVENTED)]])

    events = await chat_events(replacing, QUESTION)

    text = "".join(data["text"] for name, data in events if name == "token")
    assert "finance team" not in text and "Refunds are issued within 14 days of the request." in text
    done = events[-1][1]
    assert done["grounded"] is True and done["grounding"]["action"] == "replaced"
    assert done["grounding"]["reason"] == "no_citations"
    stored = await stored_answer(replacing, events[0][1]["conversation_id"])
    assert stored["content"] == text and "finance team" not in str(stored)
    assert [c["number"] for c in stored["citations"]] == [c["number"] for n, c in events if n == "citation"]


async def test_an_answer_that_fails_is_an_error_with_its_status_not_a_500(
    api: Harness, model_server: FakeModelServer
) -> None:
    model_server.set_script([])  # nothing scripted: the fake server answers 500 to every request

    r = await api.client.post("/api/chat", json={"message": QUESTION})

    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "llm_unavailable"

"""Follow-up questions over HTTP: three turns where turns 2 and 3 only make sense with turn 1. The
client sends only the conversation id; the answerer reads the history from the stored conversation.

- extractive: the follow-up is made a standalone search ("And for Q3?" -> the Q3 row; "Who owns it?"
  -> the owner of what was asked about);
- LLM (fake model server, both wire protocols): the model receives the earlier turns as messages, and
  the follow-up with the passages its standalone form found (pre-retrieval).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from pam.answer.prompts import SOURCES_HEAD
from tests.api.harness import LLM_DEPLOYMENTS, Harness, llm_harness, parse_sse, start_harness, write
from tests.deployments import deployment
from tests.fakes.model_script import Text, ToolUse
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

FILES = {
    "support-targets.md": "# Support targets\n\n"
    "Targets for tickets closed per quarter, and who answers for each.\n\n"
    "| Quarter | Tickets closed | Owner |\n|---|---|---|\n"
    "| 2026-Q1 | 1,200 tickets | Mira Lindqvist |\n"
    "| 2026-Q2 | 1,450 tickets | Jonas Falk |\n"
    "| 2026-Q3 | 1,750 tickets | Oskar Brandt |\n",
    "kayaks.md": "# Kayak storage\n\nKayaks are stored in the boathouse from October to April. "
    "The boathouse key is kept by the harbour master.\n",
}


async def ask(api: Harness, message: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    r = await api.client.post("/api/chat/stream", json=body)
    assert r.status_code == 200, r.text
    events = parse_sse(r.text)
    assert events[-1][0] == "done", events[-3:]
    return {
        "conversation_id": events[0][1]["conversation_id"],
        "answer": "".join(d["text"] for n, d in events if n == "token"),
        "citations": [d for n, d in events if n == "citation"],
    }


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def extractive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp("followups") / "data"
    async with deployment("embedded", data_dir, request) as settings, start_harness(settings) as harness:
        folder = harness.folder("support")
        write(folder, FILES)
        assert (await harness.ingest(folder))["succeeded"] == 2
        yield harness


@pytest.mark.parametrize(
    ("first_quarter", "follow_quarter", "tickets", "owner", "wrong"),
    [
        ("2026-Q1", "Q3", "1,750", "Oskar Brandt", "1,200"),
        ("2026-Q3", "Q2", "1,450", "Jonas Falk", "1,750"),
    ],
)
async def test_extractive_answers_turns_two_and_three_from_the_conversation(
    extractive: Harness, first_quarter: str, follow_quarter: str, tickets: str, owner: str, wrong: str
) -> None:
    first = await ask(extractive, f"What is the tickets closed target for {first_quarter}?")
    assert wrong in first["answer"] and first["citations"]
    conversation = first["conversation_id"]

    # The same two follow-ups get different answers after a different first turn.
    second = await ask(extractive, f"And for {follow_quarter}?", conversation)
    assert second["conversation_id"] == conversation
    assert tickets in second["answer"] and wrong not in second["answer"], second["answer"]

    third = await ask(extractive, "Who owns it?", conversation)
    assert third["answer"].count(owner) >= 1, third["answer"]
    others = {"Mira Lindqvist", "Jonas Falk", "Oskar Brandt"} - {owner}
    assert not any(o in third["answer"] for o in others), third["answer"]
    assert third["citations"][0]["uri"].endswith("support-targets.md")


async def test_a_new_topic_is_not_dragged_into_the_old_one(extractive: Harness) -> None:
    first = await ask(extractive, "What is the tickets closed target for 2026-Q2?")
    answer = await ask(extractive, "Where are the kayaks stored in winter?", first["conversation_id"])
    assert "boathouse" in answer["answer"] and answer["citations"][0]["uri"].endswith("kayaks.md")


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=[p for p in LLM_DEPLOYMENTS if p[1] == "embedded"],
    ids=lambda p: p[0],
)
async def llm(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp(f"followups-{request.param[0]}") / "data"
    async with llm_harness(request, data_dir, model_server) as harness:
        folder = harness.folder("support")
        write(folder, FILES)
        assert (await harness.ingest(folder))["succeeded"] == 2
        yield harness


def user_and_assistant_texts(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) of the plain-text messages of a request, in either protocol (tool turns skipped)."""
    found = []
    for message in body["messages"]:
        content = message.get("content")
        if isinstance(content, str) and message["role"] in ("user", "assistant"):
            found.append((message["role"], content))
        elif isinstance(content, list):
            texts = [b["text"] for b in content if b.get("type") == "text"]
            if texts and message["role"] in ("user", "assistant"):
                found.append((message["role"], "".join(texts)))
    return found


async def test_the_llm_gets_the_stored_turns_as_messages(llm: Harness, model_server: FakeModelServer) -> None:
    model_server.set_script(
        [
            [ToolUse("search_knowledge", {"query": "tickets closed target 2026-Q1"})],
            [Text("The 2026-Q1 target is 1,200 tickets [1].")],
            [ToolUse("search_knowledge", {"query": "tickets closed target 2026-Q3"})],
            [Text("For 2026-Q3 it is 1,750 tickets [1].")],
            [Text("Oskar Brandt owns the 2026-Q3 target.")],
        ]
    )
    start = len(model_server.requests)
    first = await ask(llm, "What is the tickets closed target for 2026-Q1?")
    conversation = first["conversation_id"]
    await ask(llm, "And for Q3?", conversation)
    third = await ask(llm, "Who owns it?", conversation)
    assert third["answer"] == "Oskar Brandt owns the 2026-Q3 target."

    requests = model_server.requests[start:]
    assert len(requests) == 5
    # Turn 2: the first question and answer come before the follow-up (markers of old sources stripped).
    *earlier, (role, asked) = user_and_assistant_texts(requests[2].body)
    assert earlier == [
        ("user", "What is the tickets closed target for 2026-Q1?"),
        ("assistant", "The 2026-Q1 target is 1,200 tickets."),
    ]
    # The follow-up turn carries the passages found before the first model call (searched as the
    # standalone question), then the question as the user wrote it.
    assert role == "user" and asked.startswith(SOURCES_HEAD) and asked.endswith("Question: And for Q3?")
    assert "2026-Q3 | 1,750 tickets" in asked
    # Turn 3: both earlier turns, from the database (the client sent only the conversation id).
    *earlier, (role, asked) = user_and_assistant_texts(requests[4].body)
    assert earlier == [
        ("user", "What is the tickets closed target for 2026-Q1?"),
        ("assistant", "The 2026-Q1 target is 1,200 tickets."),
        ("user", "And for Q3?"),
        ("assistant", "For 2026-Q3 it is 1,750 tickets."),
    ]
    assert role == "user" and asked.endswith("Question: Who owns it?") and "Oskar Brandt" in asked

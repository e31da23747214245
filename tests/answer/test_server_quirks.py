"""Real OpenAI-compatible servers differ from the reference API; each difference, switched on in the
fake server, still gives a complete, cited answer (or a plain error), never a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

import pytest

from pam.answer.agent import AgentConfig, AgentStrategy
from pam.answer.answerer import Answerer
from pam.answer.events import Done, ToolCall
from pam.answer.extractive import ExtractiveStrategy
from pam.answer.llm import LLM
from tests.answer.helpers import answer_text, assert_single_terminal, citations, collect, knowledge, make_llm
from tests.fakes.model_script import Quirks, Reasoning, Text, ToolUse
from tests.fakes.model_server import FakeModelServer

QUESTION = "How long do refunds take?"
SEARCH = ToolUse("search_knowledge", {"query": "enterprise refund window"})
# After the tool's search, source [2] is the Enterprise passage ([1] came with the question).
ANSWER = [Text("Refunds are issued within 14 days [1]. "), Text("Enterprise customers get 30 days [2].")]
EXPECTED = "Refunds are issued within 14 days [1]. Enterprise customers get 30 days [2]."
SHORT = Text("Refunds are issued within 14 days [1].")


@pytest.fixture
async def openai_llm(model_server: FakeModelServer) -> AsyncIterator[LLM]:
    # The SDK's default retries: a refusal must not be retried, anything else still is.
    client = make_llm("openai", model_server, max_retries=2)
    try:
        yield client
    finally:
        await client.aclose()


def answerer(llm: LLM) -> Answerer:
    return Answerer(AgentStrategy(llm, AgentConfig(max_steps=4)), fallback=ExtractiveStrategy())


async def ask(llm: LLM) -> tuple[Done, str]:
    events = await collect(answerer(llm).answer(QUESTION, [], knowledge()))
    done = assert_single_terminal(events)
    assert isinstance(done, Done), done
    return done, answer_text(events)


@pytest.mark.parametrize(
    "quirks",
    [
        Quirks(no_finish_reason=True),
        Quirks(stop_after_tool_calls=True),
        Quirks(empty_content_with_tool_calls=True),
        Quirks(null_content_with_tool_calls=True),
        Quirks(tool_argument_pieces=9),
        Quirks(no_tool_call_index=True, tool_argument_pieces=5),
        Quirks(repeat_tool_call_head=True, tool_argument_pieces=4),
        Quirks(no_finish_reason=True, stop_after_tool_calls=True, empty_content_with_tool_calls=True),
    ],
    ids=lambda q: ",".join(k for k, v in vars(q).items() if v != getattr(Quirks(), k)),
)
async def test_a_search_then_a_cited_answer_survives_the_quirk(
    openai_llm: LLM, model_server: FakeModelServer, quirks: Quirks
) -> None:
    model_server.set_script([[SEARCH], ANSWER], quirks=quirks)

    done, text = await ask(openai_llm)

    assert text == EXPECTED
    assert done.usage.tool_calls == 1 and done.usage.steps == 2
    assert done.grounded and done.grounding.reason is None
    # The model's search really ran with the arguments it sent in pieces.
    assert "Enterprise customers get 30 days" in str(model_server.requests[1].body["messages"])


async def test_a_stream_without_finish_reason_keeps_its_answer(
    openai_llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[Text("Refunds are issued within 14 days of the request [1].")]],
        quirks=Quirks(no_finish_reason=True),
    )

    done, text = await ask(openai_llm)

    assert text == "Refunds are issued within 14 days of the request [1]."
    assert done.grounded


async def test_two_calls_both_numbered_zero_are_two_calls(
    openai_llm: LLM, model_server: FakeModelServer
) -> None:
    second = ToolUse("get_document", {"title": "Plans"})
    model_server.set_script([[SEARCH, second], ANSWER], quirks=Quirks(same_tool_call_index=True))
    events = await collect(answerer(openai_llm).answer(QUESTION, [], knowledge()))

    assert isinstance(assert_single_terminal(events), Done)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["search_knowledge", "get_document"]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "thinking"])
async def test_reasoning_fields_are_never_part_of_the_answer(
    openai_llm: LLM, model_server: FakeModelServer, field: str
) -> None:
    model_server.set_script(
        [[Reasoning("The user wants refund timing; I am unsure."), SHORT]],
        quirks=Quirks(reasoning_field=field),
    )

    done, text = await ask(openai_llm)

    assert text == "Refunds are issued within 14 days [1]."
    assert "unsure" not in text and done.grounded


async def test_anthropic_thinking_blocks_are_never_part_of_the_answer(model_server: FakeModelServer) -> None:
    model_server.set_script([[Reasoning("Hmm, refunds."), SHORT]])
    client = make_llm("anthropic", model_server)
    try:
        done, text = await ask(client)
    finally:
        await client.aclose()
    assert text == "Refunds are issued within 14 days [1]." and done.grounded


@pytest.mark.parametrize("how", ["empty_stream", "http_500"])
async def test_refused_streamed_tool_choice_falls_back_to_an_unstreamed_tool_step(
    openai_llm: LLM, model_server: FakeModelServer, how: Literal["empty_stream", "http_500"]
) -> None:
    """llama-cpp-python's chatml-function-calling: "Automatic streaming tool choice is not supported"."""
    model_server.set_script([[SEARCH], ANSWER], quirks=Quirks(refuse_streamed_tool_choice=how))

    done, text = await ask(openai_llm)

    assert text == EXPECTED and done.grounded
    # Refused once (no SDK retries of a refusal), asked again unstreamed, then the answer streamed.
    assert [r.body.get("stream") for r in model_server.requests] == [True, False, True]
    assert all(r.body.get("tools") for r in model_server.requests)


async def test_unstreamed_tool_step_takes_arguments_sent_as_an_object(
    openai_llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[SEARCH], ANSWER],
        quirks=Quirks(refuse_streamed_tool_choice="empty_stream", arguments_as_object=True),
    )

    done, text = await ask(openai_llm)

    assert text == EXPECTED and done.usage.tool_calls == 1


async def test_a_server_refusing_tools_is_answered_without_them_from_then_on(
    openai_llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[SHORT], [SHORT]], quirks=Quirks(refuse_tools=True))

    first, text = await ask(openai_llm)
    second, _ = await ask(openai_llm)

    assert text == "Refunds are issued within 14 days [1]." and first.grounded and second.grounded
    # Streamed with tools (400), unstreamed with tools (400), streamed without: then no more tools.
    sent = [(bool(r.body.get("tools")), r.body.get("stream")) for r in model_server.requests]
    assert sent == [(True, True), (True, False), (False, True), (False, True)]


async def test_a_server_that_refuses_every_way_of_asking_is_an_error(model_server: FakeModelServer) -> None:
    model_server.set_script([], quirks=Quirks(refuse_tools=True))
    client = make_llm("openai", model_server)
    try:
        events = await collect(answerer(client).answer(QUESTION, [], knowledge()))
    finally:
        await client.aclose()

    error = assert_single_terminal(events)
    assert not isinstance(error, Done)
    assert error.code == "llm_unavailable" and "script" not in error.message
    assert citations(events) == []

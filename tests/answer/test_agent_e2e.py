"""The agent loop end to end: real SDKs -> fake model server (real wire protocols) -> tools."""

from __future__ import annotations

from pam.answer.agent import AgentConfig, AgentStrategy
from pam.answer.answerer import Answerer
from pam.answer.events import Done, Error, Status, Token, ToolCall
from pam.answer.llm import LLM
from pam.answer.strategy import HistoryTurn
from tests.answer.helpers import (
    answer_text,
    assert_single_terminal,
    citations,
    collect,
    knowledge,
    make_llm,
    tool_results,
)
from tests.answer.memory_tools import Doc
from tests.fakes.model_script import Delay, Drop, HttpError, StreamError, Text, ToolUse, Truncate
from tests.fakes.model_server import FakeModelServer

SEARCH = ToolUse("search_knowledge", {"query": "refund"})


def answerer(llm: LLM, max_steps: int = 4) -> Answerer:
    return Answerer(AgentStrategy(llm, AgentConfig(max_steps=max_steps)))


async def test_cites_one_and_three_as_two_renumbered_citations_with_quotes(
    llm: LLM, model_server: FakeModelServer, provider: str
) -> None:
    model_server.set_script(
        [
            [SEARCH],
            [
                Text("Refunds are issued within 14 days "),
                Text("[1]. Enterprise customers get 30 days [3"),
                Text("]."),
            ],
        ]
    )
    kb = knowledge()
    events = await collect(answerer(llm).answer("How long do refunds take?", [], kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert done.provider == provider
    assert done.usage.citations == 2
    assert done.usage.invalid_citations == 0
    assert done.usage.steps == 2 and done.usage.tool_calls == 1
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0
    assert (
        answer_text(events) == "Refunds are issued within 14 days [1]. Enterprise customers get 30 days [2]."
    )

    cited = [c.citation for c in citations(events)]
    assert [c.number for c in cited] == [1, 2]
    # Source [3] of the search (refunds-s0, refunds-s1, plans-s0, plans-s1 by overlap) is plans-s0.
    assert [c.segment_id for c in cited] == ["refunds-s0", "plans-s0"]
    assert cited[0].quote == "Refunds are issued within 14 days of the request."
    assert cited[1].quote == "Enterprise customers get 30 days to request a refund."
    for citation in cited:
        passage = next(p for d in kb.docs for p in d.passages() if p.segment_id == citation.segment_id)
        assert passage.content[citation.quote_start : citation.quote_end] == citation.quote
        assert citation.title == passage.title and citation.section_path == passage.section_path

    # The model got numbered sources back through its own protocol.
    results = tool_results(model_server.requests[1])
    assert len(results) == 1 and not results[0][1]
    assert "[1] Refund policy > Standard: Refunds are issued within 14 days" in results[0][0]
    assert "[3] Plans > Enterprise: Refund windows differ by plan." in results[0][0]
    assert [e for e in events if isinstance(e, ToolCall)] == [
        ToolCall("search_knowledge", {"query": "refund"})
    ]
    # Each citation event comes before the token that shows its marker.
    first_marker = next(i for i, e in enumerate(events) if isinstance(e, Token) and "[1]" in e.text)
    assert events.index(citations(events)[0]) < first_marker


async def test_citation_to_a_missing_source_is_removed_and_counted(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[SEARCH], [Text("Refunds take 14 days [1][7]. Gift cards are excluded [2, 7].")]]
    )
    events = await collect(answerer(llm).answer("refunds?", [], knowledge()))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert answer_text(events) == "Refunds take 14 days [1]. Gift cards are excluded [2]."
    assert done.usage.invalid_citations == 2
    assert [c.citation.segment_id for c in citations(events)] == ["refunds-s0", "refunds-s1"]


async def test_marker_pointing_at_nothing_at_all_is_removed_with_its_space(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[Text("I found nothing about that [7].")]])
    events = await collect(answerer(llm).answer("anything on llamas?", [], knowledge()))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert answer_text(events) == "I found nothing about that."
    assert done.usage.invalid_citations == 1 and done.usage.citations == 0
    assert citations(events) == []


async def test_connection_dropped_mid_stream_ends_with_error_after_partial_text(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[SEARCH], [Text("Refunds are issued "), Text("within 14 days"), Drop()]])
    events = await collect(answerer(llm).answer("How long do refunds take?", [], knowledge()))

    error = assert_single_terminal(events)
    assert isinstance(error, Error)
    assert error.code == "llm_unavailable"
    assert not any(isinstance(e, Done) for e in events)
    assert answer_text(events).startswith("Refunds are issued")
    # Sanitized: nothing about sockets, chunked encoding or hosts.
    assert "127.0.0.1" not in error.message and "chunk" not in error.message.lower()


async def test_anthropic_stream_ending_without_message_stop_is_an_error(
    model_server: FakeModelServer,
) -> None:
    model_server.set_script([[Text("Refunds take"), Truncate()]])
    client = make_llm("anthropic", model_server)
    try:
        events = await collect(answerer(client).answer("refunds?", [], knowledge()))
    finally:
        await client.aclose()

    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "llm_unavailable"


async def test_stream_ending_before_any_output_is_an_error(llm: LLM, model_server: FakeModelServer) -> None:
    model_server.set_script([[Truncate()]])
    events = await collect(answerer(llm).answer("refunds?", [], knowledge()))

    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "llm_unavailable"


async def test_invalid_tool_input_and_a_crashing_tool_become_error_results(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [
            [ToolUse("search_knowledge", {"qury": "refund"})],
            [
                ToolUse("get_document", {"title": "Boom report"}),
                ToolUse("search_knowledge", raw_arguments='{"query": '),
            ],
            [ToolUse("no_such_tool", {})],
            [Text("I could not find this in the knowledge base.")],
        ]
    )
    kb = knowledge(docs=[*knowledge().docs, Doc("boom", "A", "Boom report", (("x", "exploding content"),))])
    events = await collect(answerer(llm, max_steps=5).answer("refunds?", [], kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert done.usage.tool_calls == 4
    (invalid,) = tool_results(model_server.requests[1])
    assert invalid[1] and "Invalid input for search_knowledge" in invalid[0] and "query" in invalid[0]
    crashed, broken_json = tool_results(model_server.requests[2])[-2:]
    assert crashed[1] and "internal error" in crashed[0]
    assert "/var/lib" not in crashed[0] and "disk on fire" not in crashed[0]
    assert broken_json[1] and "not valid JSON" in broken_json[0]
    unknown = tool_results(model_server.requests[3])[-1]
    assert unknown[1] and "Unknown tool 'no_such_tool'" in unknown[0]
    assert answer_text(events) == "I could not find this in the knowledge base."


async def test_step_limit_without_an_answer_is_a_step_limit_error(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script([[SEARCH], [ToolUse("search_knowledge", {"query": "more refunds"})]])
    kb = knowledge()
    events = await collect(answerer(llm, max_steps=2).answer("refunds?", [], kb))

    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "step_limit"
    # The last step asked the model to answer: tools listed but not allowed, and the prompt says so.
    last = model_server.requests[-1].body
    assert last["tool_choice"] in ({"type": "none"}, "none")
    system = last["system"] if "system" in last else last["messages"][0]["content"]
    assert "used all your tool calls" in system
    # The search before the first model call, and the model's one search.
    assert [name for name, _ in kb.calls] == ["search", "search"]


async def test_step_limit_with_text_keeps_the_answer_and_flags_it(
    llm: LLM, model_server: FakeModelServer
) -> None:
    model_server.set_script(
        [[SEARCH], [Text("Refunds take 14 days [1]."), ToolUse("search_knowledge", {"query": "x"})]]
    )
    kb = knowledge()
    events = await collect(answerer(llm, max_steps=2).answer("refunds?", [], kb))

    done = assert_single_terminal(events)
    assert isinstance(done, Done)
    assert done.usage.step_limit_reached and done.usage.steps == 2
    assert answer_text(events) == "Refunds take 14 days [1]."
    assert len(kb.calls) == 2


async def test_rate_limit_and_server_errors_map_to_sanitized_codes(
    llm: LLM, model_server: FakeModelServer
) -> None:

    model_server.set_script([[HttpError(429, "slow down, key sk-secret")], [HttpError(500, "boom at db-7")]])
    limited = await collect(answerer(llm).answer("refunds?", [], knowledge()))
    failed = await collect(answerer(llm).answer("refunds?", [], knowledge()))

    assert assert_single_terminal(limited) == Error(
        "llm_rate_limited", "The language model service is busy (rate limited). Please try again shortly."
    )
    error = assert_single_terminal(failed)
    assert isinstance(error, Error) and error.code == "llm_unavailable"
    assert "db-7" not in error.message


async def test_sdk_retries_a_server_error_then_answers(model_server: FakeModelServer, provider: str) -> None:

    model_server.set_script([[HttpError(503)], [Text("All good.")]])
    client = make_llm(provider, model_server, max_retries=1)
    try:
        events = await collect(answerer(client).answer("status?", [], knowledge()))
    finally:
        await client.aclose()
    assert isinstance(assert_single_terminal(events), Done)
    assert answer_text(events) == "All good."
    assert len(model_server.requests) == 2


async def test_anthropic_stream_error_event_is_unavailable(model_server: FakeModelServer) -> None:

    model_server.set_script([[Text("Partial"), StreamError("overloaded_error")]])
    client = make_llm("anthropic", model_server)
    try:
        events = await collect(answerer(client).answer("status?", [], knowledge()))
    finally:
        await client.aclose()
    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "llm_unavailable"


async def test_history_is_sent_without_old_citation_markers(llm: LLM, model_server: FakeModelServer) -> None:
    model_server.set_script([[Text("Yes, 30 days for Enterprise.")]])
    history = [HistoryTurn("user", "How long do refunds take?"), HistoryTurn("assistant", "14 days [1][2].")]
    events = await collect(answerer(llm).answer("And for enterprise?", history, knowledge()))

    assert isinstance(assert_single_terminal(events), Done)
    messages = [m for m in model_server.requests[0].body["messages"] if m["role"] != "system"]
    assert len(messages) == 3
    earlier, question = str(messages[:2]), str(messages[2])
    assert "14 days." in earlier and "[1]" not in earlier and "[2]" not in earlier
    assert "Question: And for enterprise?" in question
    assert isinstance(events[0], Status)


async def test_text_of_successive_steps_is_separated(llm: LLM, model_server: FakeModelServer) -> None:
    model_server.set_script([[Text("Checking."), SEARCH], [Text("Refunds take 14 days [1].")]])
    events = await collect(answerer(llm).answer("refunds?", [], knowledge()))

    assert isinstance(assert_single_terminal(events), Done)
    assert answer_text(events) == "Checking.\n\nRefunds take 14 days [1]."
    # The assistant's own text went back with its tool call.
    assert "Checking." in str(model_server.requests[1].body["messages"])


async def test_empty_question_is_refused_without_calling_the_model(
    llm: LLM, model_server: FakeModelServer
) -> None:
    events = await collect(answerer(llm).answer("   ", [], knowledge()))

    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "invalid_input"
    assert model_server.requests == []


async def test_model_slower_than_the_timeout_is_unavailable(
    model_server: FakeModelServer, provider: str
) -> None:

    model_server.set_script([[Text("Ref"), Delay(2.0), Text("unds")]])
    client = make_llm(provider, model_server, timeout=0.3)
    try:
        events = await collect(answerer(client).answer("refunds?", [], knowledge()))
    finally:
        await client.aclose()
    error = assert_single_terminal(events)
    assert isinstance(error, Error) and error.code == "llm_unavailable"
    assert answer_text(events) == "Ref"


async def test_consumer_leaving_mid_answer_closes_the_model_stream(
    llm: LLM, model_server: FakeModelServer
) -> None:

    model_server.set_script([[Text("Refunds "), Delay(0.2), Text("take 14 days.")], [Text("Second answer.")]])
    stream = answerer(llm).answer("refunds?", [], knowledge())
    async for event in stream:
        if isinstance(event, Token):
            break
    await stream.aclose()
    # The client is still usable afterwards: nothing was left half-read.
    events = await collect(answerer(llm).answer("again?", [], knowledge()))
    assert answer_text(events) == "Second answer."

"""Shared test helpers for the answering tests: a small corpus, event collection, LLM construction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from pam.answer.anthropic_provider import AnthropicLLM
from pam.answer.events import AnswerEvent, CitationEvent, Done, Error, Token
from pam.answer.llm import LLM
from pam.answer.openai_provider import OpenAILLM
from pam.answer.sources import ChangeEntry
from tests.answer.memory_tools import Doc, MemoryKnowledge
from tests.fakes.model_server import FakeModelServer, RecordedRequest

REFUND_DOCS = [
    Doc(
        "refunds",
        "A",
        "Refund policy",
        (
            (
                "Standard",
                "Refunds are issued within 14 days of the request. The refund goes to the original card.",
            ),
            ("Exceptions", "Gift cards get no refund. Contact support for damaged goods refund cases."),
        ),
    ),
    Doc(
        "plans",
        "A",
        "Plans",
        (
            (
                "Enterprise",
                "Refund windows differ by plan. Enterprise customers get 30 days to request a refund.",
            ),
            ("Free", "The free plan has no billing, so no refund applies."),
        ),
    ),
    Doc("onboarding", "A", "Onboarding", (("Intro", "Welcome aboard. Your laptop arrives on day one."),)),
]


def knowledge(scope: frozenset[str] = frozenset({"A"}), docs: list[Doc] | None = None) -> MemoryKnowledge:
    changes = [
        ChangeEntry("refunds", "Refund policy", "updated", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), 2, 1, 3),
        ChangeEntry("plans", "Plans", "created", datetime(2026, 10, 1, 9, 0, tzinfo=UTC), 2, 0, 0),
    ]
    return MemoryKnowledge(docs=list(docs if docs is not None else REFUND_DOCS), scope=scope, changes=changes)


def make_llm(provider: str, server: FakeModelServer, *, max_retries: int = 0, timeout: float = 10) -> LLM:
    if provider == "anthropic":
        return AnthropicLLM(
            api_key="test-key",
            model="claude-test",
            base_url=server.anthropic_base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
    return OpenAILLM(
        api_key="test-key",
        model="gpt-test",
        base_url=server.openai_base_url,
        timeout=timeout,
        max_retries=max_retries,
    )


async def collect(events: AsyncIterator[AnswerEvent]) -> list[AnswerEvent]:
    return [event async for event in events]


def answer_text(events: list[AnswerEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, Token))


def citations(events: list[AnswerEvent]) -> list[CitationEvent]:
    return [e for e in events if isinstance(e, CitationEvent)]


def assert_single_terminal(events: list[AnswerEvent]) -> Done | Error:
    """The stream contract: exactly one Done or Error, and it is the last event."""
    terminals = [e for e in events if isinstance(e, (Done, Error))]
    assert len(terminals) == 1, terminals
    assert events[-1] is terminals[0]
    return terminals[0]


def tool_results(request: RecordedRequest) -> list[tuple[str, bool]]:
    """(content, is_error) of every tool result the client sent in this request, in either protocol."""
    found: list[tuple[str, bool]] = []
    for message in request.body["messages"]:
        if request.protocol == "openai":
            if message["role"] == "tool":
                content = message["content"]
                found.append((content, content.startswith("Error:")))
        elif isinstance(message["content"], list):
            for block in message["content"]:
                if block["type"] == "tool_result":
                    found.append((block["content"], bool(block.get("is_error"))))
    return found

"""The agent loop for LLM providers: the model calls tools until it answers, within a step budget.

Retrieval comes first: before the first model call the question (made standalone when it is a
follow-up, by ``followup.standalone_question``, as the extractive answerer does) is searched and the
top passages go into the question's turn with their numbers. A model that never calls a tool (many small or local ones don't) still answers from
the sources and can cite them; the tools stay for further searches, documents, history and tables.

A step is one model call. Steps 1..max_steps-1 offer the tools; the last step still lists them (the
APIs require it once tool calls are in the conversation) but with ``tool_choice="none"`` and a note
to answer now. If the model nevertheless asks for tools at the last step, its tool calls are not run:
the text it wrote stands as the answer (``Usage.step_limit_reached`` is set), and when it wrote no text
at all the answer ends with ``Error(code="step_limit")``.

Text the model writes in any step streams as tokens immediately (the prompt tells it not to narrate
its tool use), cleaned of chat-template leaks and inline thinking (``ModelTextFilter``); the texts of
successive steps are separated by a blank line.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime

from pam.answer.events import AnswerEvent, Status, ToolCall
from pam.answer.followup import standalone_question
from pam.answer.knowledge_tools import knowledge_tools
from pam.answer.llm import LLM
from pam.answer.llm_messages import (
    ChatMessage,
    MessagePart,
    StopDelta,
    TextDelta,
    TextPart,
    ToolResultPart,
    ToolUseDelta,
    ToolUsePart,
)
from pam.answer.model_text import ModelTextFilter
from pam.answer.prompts import QUESTION_LABEL, question_with_sources, system_prompt
from pam.answer.strategy import AnswerRequest, HistoryTurn, RunState, StepLimitReached
from pam.answer.tools import ToolContext, ToolRegistry

_MARKERS = re.compile(r"\s*\[\s*\d{1,4}(?:\s*[,;\-–]\s*\d{1,4})*\s*\]")


@dataclass(frozen=True, slots=True)
class AgentConfig:
    max_steps: int = 6
    max_tokens: int = 1_500
    search_k: int = 8
    # Passages searched before the first model call and put into the question's turn.
    prefetch_k: int = 5
    document_max_chars: int = 8_000
    # Earlier messages kept in the prompt (most recent first), and their total size.
    history_messages: int = 10
    history_chars: int = 12_000


class AgentStrategy:
    def __init__(
        self, llm: LLM, config: AgentConfig | None = None, *, now: Callable[[], datetime] | None = None
    ) -> None:
        self._llm = llm
        self._config = config or AgentConfig()
        if self._config.max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        if self._config.prefetch_k < 1:
            raise ValueError("prefetch_k must be at least 1")
        self._now = now or (lambda: datetime.now(UTC))

    @property
    def name(self) -> str:
        return self._llm.name

    @property
    def model(self) -> str | None:
        return self._llm.model

    @property
    def quotes_sources(self) -> bool:
        return False

    async def run(self, request: AnswerRequest, state: RunState) -> AsyncGenerator[AnswerEvent, None]:
        config = self._config
        registry = ToolRegistry(
            [*knowledge_tools(search_k=config.search_k, document_max_chars=config.document_max_chars)]
        )
        for tool in request.extra_tools:
            registry.register(tool)
        specs = registry.specs()
        ctx = ToolContext(knowledge=request.knowledge, filters=request.filters, sources=state.sources)
        yield Status("searching", "Searching the knowledge base")
        query = standalone_question(request.question, request.history)
        found = await request.knowledge.search(query, request.filters, config.prefetch_k)
        question = question_with_sources(request.question, [state.sources.render(p) for p in found])
        messages = [*history_messages(request.history, config), ChatMessage.user_text(question)]
        meter = state.meter
        wrote_text = False
        read = f"Reading {len(found)} passage{'' if len(found) == 1 else 's'}"
        yield Status("thinking", read if found else "Reading the question")
        for step in range(1, config.max_steps + 1):
            final = step == config.max_steps
            meter.steps = step
            text_parts: list[str] = []
            calls: list[ToolUseDelta] = []
            # A model that goes on to write the next "Question:" itself has finished its answer.
            cleaner = ModelTextFilter(turn_labels=(QUESTION_LABEL,))
            model_call = self._llm.stream(
                system=system_prompt(self._now(), final_step=final),
                messages=messages,
                tools=specs,
                tool_choice="none" if final else "auto",
                max_tokens=config.max_tokens,
            )
            async with aclosing(model_call) as deltas:
                async for delta in deltas:
                    if isinstance(delta, TextDelta):
                        for event in self._text(cleaner.feed(delta.text), text_parts, wrote_text, state):
                            yield event
                        wrote_text = wrote_text or bool(text_parts)
                    elif isinstance(delta, ToolUseDelta):
                        calls.append(delta)
                    elif isinstance(delta, StopDelta):
                        meter.input_tokens += delta.usage.input_tokens
                        meter.output_tokens += delta.usage.output_tokens
            for event in self._text(cleaner.finish(), text_parts, wrote_text, state):
                yield event
            wrote_text = wrote_text or bool(text_parts)
            if not calls:
                return
            if final:
                meter.step_limit_reached = True
                if not wrote_text:
                    raise StepLimitReached()
                return
            parts: list[MessagePart] = [TextPart("".join(text_parts))] if text_parts else []
            parts.extend(ToolUsePart(call.id, call.name, call.input) for call in calls)
            messages.append(ChatMessage(role="assistant", parts=tuple(parts)))
            results: list[MessagePart] = []
            for call in calls:
                meter.tool_calls += 1
                yield ToolCall(call.name, call.input)
                yield Status("tool", registry.status_line(call.name, call.input))
                if call.input_error is not None:
                    results.append(
                        ToolResultPart(call.id, f"Invalid input: {call.input_error}", is_error=True)
                    )
                    continue
                outcome = await registry.run(call.name, call.input, ctx)
                results.append(ToolResultPart(call.id, outcome.content, is_error=outcome.is_error))
            messages.append(ChatMessage(role="user", parts=tuple(results)))
            yield Status("thinking", "Reading the results")

    @staticmethod
    def _text(text: str, parts: list[str], wrote_before: bool, state: RunState) -> list[AnswerEvent]:
        """One cleaned piece of this step's text into the answer (after a blank line when an earlier
        step wrote text)."""
        if not text:
            return []
        events: list[AnswerEvent] = []
        if not parts and wrote_before:
            events.extend(state.citations.feed("\n\n"))
        parts.append(text)
        events.extend(state.citations.feed(text))
        return events


def history_messages(history: Sequence[HistoryTurn], config: AgentConfig) -> list[ChatMessage]:
    """Earlier turns as plain messages, most recent kept first, consecutive roles merged.

    Citation markers are stripped from earlier answers: their numbers belonged to earlier turns'
    sources and would be misread as this turn's.
    """
    kept: list[HistoryTurn] = []
    budget = config.history_chars
    for turn in reversed(history[-config.history_messages :] if config.history_messages else ()):
        text = _MARKERS.sub("", turn.text).strip() if turn.role == "assistant" else turn.text.strip()
        if not text:
            continue
        if len(text) > budget:
            break
        budget -= len(text)
        kept.append(HistoryTurn(turn.role, text))
    kept.reverse()
    while kept and kept[0].role == "assistant":
        kept.pop(0)
    merged: list[ChatMessage] = []
    for turn in kept:
        if merged and merged[-1].role == turn.role:
            merged[-1] = ChatMessage(role=turn.role, parts=(TextPart(merged[-1].text + "\n\n" + turn.text),))
        else:
            merged.append(ChatMessage(role=turn.role, parts=(TextPart(turn.text),)))
    # The question follows as a user message, so the history must end with the assistant.
    if merged and merged[-1].role == "user":
        merged.pop()
    return merged

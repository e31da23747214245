"""The entry point: ``Answerer.answer`` streams one answer and always ends it with exactly one
``Done`` or ``Error``.

Every failure is caught here. Provider and network failures arrive as ``LLMCallError`` (code
``llm_unavailable``, ``llm_rate_limited`` or ``llm_error``), domain failures as ``PamError`` (their
messages are written for clients), the step budget as ``step_limit``; anything else is logged with its
traceback and reported as ``internal_error`` with no detail.

Every finished answer goes through the grounding check (``pam.answer.grounding``); ``Done.grounding``
carries the verdict. What happens to a model's answer that fails it is the ``ungrounded`` policy:

- ``show``: it stands, marked ``grounded: false``;
- ``flag``: it stands, marked, with the extractive answer offered beside it (``Grounding.alternative``);
- ``replace``: the model's text is held back until it is checked, and an answer that fails is replaced
  by the extractive answer, so unchecked words never reach the reader.

An empty answer is replaced whatever the policy: there is nothing to show. Answers that quote their
sources (the extractive strategy) are checked, but never replaced or given an alternative. A decline
("not in the knowledge base", citing nothing) is grounded: it claims nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal

import structlog

from pam.answer.citations import CitationStream
from pam.answer.events import (
    Alternative,
    AnswerEvent,
    CitationEvent,
    Done,
    Error,
    Grounding,
    Status,
    Token,
    Usage,
)
from pam.answer.grounding import GroundingCheck, Verdict
from pam.answer.llm import LLMCallError
from pam.answer.source_book import SourceBook
from pam.answer.sources import KnowledgeTools, ToolFilters
from pam.answer.strategy import (
    AnswerRequest,
    AnswerStrategy,
    DirectAnswer,
    HistoryTurn,
    RunState,
    StepLimitReached,
)
from pam.answer.text_terms import TermAnalyzer
from pam.answer.tools import Tool
from pam.errors import PamError

MAX_QUESTION_CHARS = 8_000
UngroundedPolicy = Literal["show", "flag", "replace"]


@dataclass(slots=True)
class _Turn:
    """One answer in progress: what the strategy wrote, and what is delivered once checked."""

    state: RunState
    delivered: CitationStream
    grounding: Grounding | None = None


class Answerer:
    def __init__(
        self,
        strategy: AnswerStrategy,
        *,
        analyzer: TermAnalyzer | None = None,
        clock: Callable[[], float] = time.monotonic,
        ungrounded: UngroundedPolicy = "flag",
        fallback: AnswerStrategy | None = None,
    ) -> None:
        """``fallback`` answers in place of (or beside) an ungrounded answer: the extractive strategy."""
        self._strategy = strategy
        self._analyzer = analyzer or TermAnalyzer()
        self._clock = clock
        self._policy = ungrounded
        self._fallback = None if strategy.quotes_sources else fallback
        self._check = GroundingCheck(self._analyzer)

    @property
    def provider(self) -> str:
        return self._strategy.name

    @property
    def strategy(self) -> AnswerStrategy:
        return self._strategy

    async def answer(
        self,
        question: str,
        history: Sequence[HistoryTurn],
        tools: KnowledgeTools,
        filters: ToolFilters | None = None,
        *,
        extra_tools: Sequence[Tool[Any]] = (),
        direct: DirectAnswer | None = None,
    ) -> AsyncGenerator[AnswerEvent, None]:
        started = self._clock()
        log = structlog.get_logger(__name__).bind(provider=self._strategy.name)
        question = question.strip()
        if not question or len(question) > MAX_QUESTION_CHARS:
            yield Error("invalid_input", f"The question must have 1 to {MAX_QUESTION_CHARS} characters.")
            return
        state = self._new_state()
        request = AnswerRequest(question, history, tools, filters or ToolFilters(), extra_tools, direct)
        turn = _Turn(state, state.citations)
        hold = self._fallback is not None and self._policy == "replace"
        held: list[AnswerEvent] = []
        error: Error | None = None
        try:
            async with aclosing(self._strategy.run(request, state)) as events:
                async for event in events:
                    if hold and isinstance(event, (Token, CitationEvent)):
                        held.append(event)
                    else:
                        yield event
            for event in state.citations.finish():
                if hold:
                    held.append(event)
                else:
                    yield event
            async for event in self._settle(request, turn, held):
                yield event
        except LLMCallError as exc:
            log.warning("answer.failed", code=exc.code, cause=repr(exc.__cause__)[:500])
            error = Error(exc.code, exc.message)
        except StepLimitReached:
            log.info("answer.step_limit", steps=state.meter.steps)
            error = Error(
                "step_limit", "The question needed more steps than allowed. Try a narrower question."
            )
        except PamError as exc:
            log.info("answer.failed", code=exc.code)
            error = Error(exc.code, exc.message)
        except Exception:
            log.exception("answer.crashed")
            error = Error("internal_error", "The answer could not be completed.")
        grounding = turn.grounding
        if error is not None or grounding is None:
            yield error or Error("internal_error", "The answer could not be completed.")
            return
        meter = state.meter
        usage = Usage(
            input_tokens=meter.input_tokens,
            output_tokens=meter.output_tokens,
            steps=meter.steps,
            tool_calls=meter.tool_calls,
            citations=len(turn.delivered.citations),
            invalid_citations=state.citations.invalid_count,
            step_limit_reached=meter.step_limit_reached,
        )
        latency_ms = round((self._clock() - started) * 1000)
        log.info(
            "answer.done",
            latency_ms=latency_ms,
            steps=usage.steps,
            citations=usage.citations,
            grounded=grounding.grounded,
            ungrounded_reason=grounding.reason,
            action=grounding.action,
        )
        yield Done(usage, latency_ms, self._strategy.name, self._strategy.model, grounding)

    async def _settle(
        self, request: AnswerRequest, turn: _Turn, held: list[AnswerEvent]
    ) -> AsyncGenerator[AnswerEvent, None]:
        """Check the finished answer, then let it through, flag it or replace it (``turn.grounding``)."""
        verdict = self._verdict(request, turn.state, check_language=not self._strategy.quotes_sources)
        turn.grounding = Grounding(verdict.grounded, verdict.reason)
        if verdict.grounded or self._fallback is None:
            for event in held:
                yield event
        elif self._policy == "replace" or verdict.reason == "empty":
            why = "The model gave no answer" if verdict.reason == "empty" else "The answer was not supported"
            yield Status("checking", f"{why}; quoting the sources instead")
            replacement = self._new_state()
            async for event in self._run_fallback(request, replacement):
                yield event
            replaced = self._verdict(request, replacement, check_language=False)
            turn.grounding = Grounding(replaced.grounded, verdict.reason, "replaced")
            turn.state.meter.steps += replacement.meter.steps
            turn.delivered = replacement.citations
        elif self._policy == "flag":
            yield Status("checking", "The answer was not supported by the sources")
            turn.grounding = Grounding(False, verdict.reason, "flagged", await self._alternative(request))

    def _new_state(self) -> RunState:
        book = SourceBook()
        return RunState(sources=book, citations=CitationStream(book, self._analyzer))

    def _verdict(self, request: AnswerRequest, state: RunState, *, check_language: bool) -> Verdict:
        citations = state.citations
        return self._check.verdict(
            request.question,
            citations.text,
            citations.claims,
            state.sources,
            check_language=check_language,
            declined=state.declined,
        )

    async def _run_fallback(
        self, request: AnswerRequest, state: RunState
    ) -> AsyncGenerator[AnswerEvent, None]:
        assert self._fallback is not None
        async with aclosing(self._fallback.run(request, state)) as events:
            async for event in events:
                yield event
        for event in state.citations.finish():
            yield event

    async def _alternative(self, request: AnswerRequest) -> Alternative | None:
        """The extractive answer to offer beside a flagged one; None if it cannot be had (the
        model's answer has been shown already, so this never fails the turn)."""
        state = self._new_state()
        try:
            async for _event in self._run_fallback(request, state):
                pass
        except Exception:
            structlog.get_logger(__name__).warning("answer.alternative_failed", exc_info=True)
            return None
        return Alternative(state.citations.text, tuple(state.citations.citations))

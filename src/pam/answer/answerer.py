"""The entry point: ``Answerer.answer`` streams one answer and always ends it with exactly one
``Done`` or ``Error``.

Every failure is caught here. Provider and network failures arrive as ``LLMCallError`` (code
``llm_unavailable``, ``llm_rate_limited`` or ``llm_error``), domain failures as ``PamError`` (their
messages are written for clients), the step budget as ``step_limit``; anything else is logged with its
traceback and reported as ``internal_error`` with no detail.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from typing import Any

import structlog

from pam.answer.citations import CitationStream
from pam.answer.events import AnswerEvent, Done, Error, Usage
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


class Answerer:
    def __init__(
        self,
        strategy: AnswerStrategy,
        *,
        analyzer: TermAnalyzer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._strategy = strategy
        self._analyzer = analyzer or TermAnalyzer()
        self._clock = clock

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
        book = SourceBook()
        state = RunState(sources=book, citations=CitationStream(book, self._analyzer))
        request = AnswerRequest(question, history, tools, filters or ToolFilters(), extra_tools, direct)
        error: Error | None = None
        try:
            async with aclosing(self._strategy.run(request, state)) as events:
                async for event in events:
                    yield event
            for event in state.citations.finish():
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
        if error is not None:
            yield error
            return
        meter = state.meter
        usage = Usage(
            input_tokens=meter.input_tokens,
            output_tokens=meter.output_tokens,
            steps=meter.steps,
            tool_calls=meter.tool_calls,
            citations=len(state.citations.citations),
            invalid_citations=state.citations.invalid_count,
            step_limit_reached=meter.step_limit_reached,
        )
        latency_ms = round((self._clock() - started) * 1000)
        log.info("answer.done", latency_ms=latency_ms, steps=usage.steps, citations=usage.citations)
        yield Done(usage, latency_ms, self._strategy.name, self._strategy.model)

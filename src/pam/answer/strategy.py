"""What one answering strategy (agent loop or extractive) gets and reports back to the ``Answerer``."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pam.answer.citations import CitationStream
from pam.answer.events import AnswerEvent
from pam.answer.source_book import SourceBook
from pam.answer.sources import KnowledgeTools, Passage, ToolFilters
from pam.answer.tools import Tool


@dataclass(frozen=True, slots=True)
class HistoryTurn:
    """One earlier message of the conversation, as stored (assistant text may hold ``[n]`` markers)."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True, slots=True)
class AnswerRequest:
    question: str
    history: Sequence[HistoryTurn]
    knowledge: KnowledgeTools
    filters: ToolFilters
    # Extra caller-bound tools (e.g. list_tables/query_data), offered to LLM strategies only.
    extra_tools: Sequence[Tool[Any]] = ()
    # A structured answer the extractive strategy tries before reading passages (a table lookup).
    direct: DirectAnswer | None = None


class DirectAnswer(Protocol):
    """Answers a question from structured data: the answer text and the passage to cite, or None."""

    async def __call__(self, question: str) -> tuple[str, Passage] | None: ...


@dataclass(slots=True)
class RunMeter:
    """Counters a strategy updates while it runs; the ``Answerer`` turns them into ``Usage``."""

    input_tokens: int = 0
    output_tokens: int = 0
    steps: int = 0
    tool_calls: int = 0
    step_limit_reached: bool = False


@dataclass(slots=True)
class RunState:
    sources: SourceBook
    citations: CitationStream
    meter: RunMeter = field(default_factory=RunMeter)
    # The strategy decided the knowledge base does not answer the question and said so, citing nothing
    # (the extractive decline). Such an answer claims nothing, so it passes the grounding check.
    declined: bool = False


class AnswerStrategy(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    @property
    def quotes_sources(self) -> bool:
        """True when the answer quotes passages verbatim (extractive): it is grounded by
        construction, and there is nothing better to offer in its place."""
        ...

    def run(self, request: AnswerRequest, state: RunState) -> AsyncGenerator[AnswerEvent, None]:
        """Status, ToolCall, Token and CitationEvent events (answer text goes through
        ``state.citations``); never Done/Error: failures are raised and mapped by the Answerer."""
        ...


class StepLimitReached(Exception):
    """The model still wanted tools at the last allowed step and wrote no answer."""

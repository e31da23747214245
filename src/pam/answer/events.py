"""What an answer stream is made of.

An answer is a sequence of ``Status``/``ToolCall``/``Token``/``CitationEvent`` events that always
ends with exactly one ``Done`` or ``Error``. A ``CitationEvent`` is emitted the moment its number
first appears in the text, *before* the ``Token`` that carries the ``[n]`` marker, so a client can
render the marker as a chip with its preview straight away.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Citation:
    """A source the answer actually cites; ``number`` is the ``[n]`` shown in the answer text.

    ``quote`` is the span of the passage that supports the citing sentence (the best-matching
    sentence, or the passage itself when no sentence matches); ``quote_start``/``quote_end`` are its
    character offsets within the passage content.
    """

    number: int
    segment_id: str
    document_id: str
    title: str
    section_path: str
    page: int | None
    uri: str | None
    quote: str
    quote_start: int
    quote_end: int


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    # One step is one model call (the extractive provider counts its single pass as one).
    steps: int = 0
    tool_calls: int = 0
    citations: int = 0
    # ``[n]`` references in the model's text that pointed at no source; they were removed.
    invalid_citations: int = 0
    # True when the model still wanted tools at the last allowed step (see ``AgentStrategy``).
    step_limit_reached: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    stage: str
    message: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    name: str
    input: dict[str, object]


@dataclass(frozen=True, slots=True)
class Token:
    text: str


@dataclass(frozen=True, slots=True)
class CitationEvent:
    citation: Citation


@dataclass(frozen=True, slots=True)
class Done:
    usage: Usage
    latency_ms: int
    provider: str
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Error:
    """A sanitized failure: ``message`` is meant for end users and holds no internals."""

    code: str
    message: str


AnswerEvent = Status | ToolCall | Token | CitationEvent | Done | Error

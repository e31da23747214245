"""What an answer stream is made of.

An answer is a sequence of ``Status``/``ToolCall``/``Token``/``CitationEvent`` events that always
ends with exactly one ``Done`` (which carries the grounding check's verdict) or ``Error``. A
``CitationEvent`` is emitted the moment its number first appears in the text, *before* the ``Token``
that carries the ``[n]`` marker, so a client can render the marker as a chip with its preview
straight away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


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


UngroundedReason = Literal["empty", "no_citations", "invalid_citation", "unsupported", "wrong_language"]
# What happened to an answer the grounding check did not pass (``PAM_UNGROUNDED``): shown as it is,
# flagged with the extractive answer offered beside it, or replaced by the extractive answer.
GroundingAction = Literal["shown", "flagged", "replaced"]


@dataclass(frozen=True, slots=True)
class Alternative:
    """The extractive answer offered beside an ungrounded one; its citations are numbered on their own."""

    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Grounding:
    """The grounding check's verdict on the answer the model wrote (see ``pam.answer.grounding``).

    ``grounded`` is about the answer as delivered: after a replacement it is the extractive answer's.
    ``reason`` says why the model's answer failed the check (None when it passed).
    """

    grounded: bool
    reason: UngroundedReason | None = None
    action: GroundingAction = "shown"
    alternative: Alternative | None = None


@dataclass(frozen=True, slots=True)
class Done:
    usage: Usage
    latency_ms: int
    provider: str
    model: str | None = None
    grounding: Grounding = Grounding(grounded=True)

    @property
    def grounded(self) -> bool:
        return self.grounding.grounded


@dataclass(frozen=True, slots=True)
class Error:
    """A sanitized failure: ``message`` is meant for end users and holds no internals."""

    code: str
    message: str


AnswerEvent = Status | ToolCall | Token | CitationEvent | Done | Error

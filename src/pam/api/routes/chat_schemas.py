"""Request, response and stream-event models of the chat routes.

The SSE events are models too: `ChatStreamEvent` is exported in the OpenAPI schema (the stream
route's 200 response), so the web client's types for them are generated, not written by hand.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pam.api.schemas import SourceType
from pam.text_patterns import STORABLE_NOT_BLANK


class ChatFiltersIn(BaseModel):
    projects: list[str] | None = Field(default=None, max_length=50)
    source_types: list[SourceType] | None = None


class ChatRequest(BaseModel):
    # The service refuses a message that .strip() empties, or that has a NUL (no store keeps one).
    message: str = Field(
        min_length=1, max_length=8000, pattern=STORABLE_NOT_BLANK, description="not only whitespace"
    )
    conversation_id: uuid.UUID | None = None
    filters: ChatFiltersIn | None = None


class CitationOut(BaseModel):
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


class UsageOut(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    steps: int = 0
    tool_calls: int = 0
    citations: int = 0
    invalid_citations: int = 0
    step_limit_reached: bool = False


class AlternativeOut(BaseModel):
    """The extractive answer offered beside an ungrounded one; its citations are numbered on their own."""

    text: str
    citations: list[CitationOut]


class GroundingOut(BaseModel):
    """Why an answer failed the grounding check, and what was done about it (``PAM_UNGROUNDED``)."""

    reason: Literal["empty", "no_citations", "invalid_citation", "unsupported", "wrong_language"] | None
    action: Literal["shown", "flagged", "replaced"]
    alternative: AlternativeOut | None = None


class ChatResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    usage: UsageOut
    latency_ms: int
    provider: str
    model: str | None = None
    # False: the answer is not backed by the passages it cites (see `grounding.reason`).
    grounded: bool
    grounding: GroundingOut


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    total: int
    next_cursor: str | None


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    role: str
    content: str
    citations: list[CitationOut]
    status: str
    provider: str | None
    error_code: str | None
    created_at: datetime
    # The grounding check's verdict on a finished answer; null for questions and unfinished answers.
    grounded: bool | None = None
    grounding: GroundingOut | None = None


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]


# --- the events of POST /api/chat/stream: `event: <name>` lines with these `data:` payloads ---


class ConversationStarted(BaseModel):
    conversation_id: uuid.UUID
    message_id: uuid.UUID


class StatusData(BaseModel):
    stage: str
    message: str


class ToolData(BaseModel):
    name: str
    input: dict[str, Any]


class TokenData(BaseModel):
    text: str


class DoneData(BaseModel):
    usage: UsageOut
    latency_ms: int
    provider: str
    model: str | None = None
    grounded: bool
    grounding: GroundingOut


class ErrorData(BaseModel):
    code: str
    message: str


class ConversationEvent(BaseModel):
    event: Literal["conversation"]
    data: ConversationStarted


class StatusEvent(BaseModel):
    event: Literal["status"]
    data: StatusData


class ToolEvent(BaseModel):
    event: Literal["tool"]
    data: ToolData


class TokenEvent(BaseModel):
    event: Literal["token"]
    data: TokenData


class CitationStreamEvent(BaseModel):
    event: Literal["citation"]
    data: CitationOut


class DoneEvent(BaseModel):
    event: Literal["done"]
    data: DoneData


class ErrorEvent(BaseModel):
    event: Literal["error"]
    data: ErrorData


ChatStreamEvent = Annotated[
    ConversationEvent | StatusEvent | ToolEvent | TokenEvent | CitationStreamEvent | DoneEvent | ErrorEvent,
    Field(discriminator="event"),
]

"""Request and response models of the OpenAI-compatible API (`/v1`), as OpenAI's own shapes.

Requests accept what OpenAI clients send and ignore what does not apply to a knowledge base
(sampling settings, tools, response formats). Responses carry OpenAI's fields plus one documented
extra, `pam`: the structured citations, the stored conversation and the grounding verdict.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from pam.api.routes.chat_schemas import CitationOut
from pam.json_types import json_integer
from pam.text_patterns import STORABLE

OWNER = "pam-context"
MAX_MESSAGE_CHARS = 100_000


class ModelOut(BaseModel):
    id: str = Field(description="`pam` (every project you can read) or `pam/<project>`")
    object: Literal["model"] = "model"
    created: int = Field(description="Unix time the project was created")
    owned_by: str = OWNER


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(max_length=50)
    text: str | None = Field(default=None, max_length=MAX_MESSAGE_CHARS, pattern=STORABLE)


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: (
        Annotated[str, Field(max_length=MAX_MESSAGE_CHARS, pattern=STORABLE)]
        | Annotated[list[ContentPart], Field(max_length=100)]
        | None
    ) = None
    name: str | None = Field(default=None, max_length=200)

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content or () if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: StrictBool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request. The last message is the question (it must be the user's);
    earlier user and assistant messages are the conversation's history; system messages, sampling
    settings and tools are accepted and not used (the answerer has its own instructions and tools)."""

    model: str = Field(min_length=1, max_length=300)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=200)
    stream: StrictBool = False
    stream_options: StreamOptions | None = None
    n: Annotated[int, Field(ge=1, le=1), BeforeValidator(json_integer)] | None = Field(
        default=None, description="only one choice is produced"
    )
    user: str | None = Field(default=None, max_length=500)


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = Field(description="the answer with its [n] markers, then a Sources list")
    refusal: None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class PamAnswer(BaseModel):
    """The documented extra field `pam`: what a client needs to show citations itself."""

    citations: list[CitationOut] = Field(description="the sources the answer cites, [n] by [n]")
    conversation_id: uuid.UUID = Field(description="the stored conversation (see /api/conversations)")
    message_id: uuid.UUID
    grounded: bool | None = Field(
        default=None, description="whether the answer passed the grounding check (null when none ran)"
    )
    provider: str
    model: str | None = None
    latency_ms: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    system_fingerprint: None = None
    pam: PamAnswer


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` line of a streamed completion. The last chunk with a choice has
    `finish_reason: "stop"` and the extra `pam`; with `stream_options.include_usage` one more chunk
    (no choices) carries `usage`. The stream ends with `data: [DONE]`."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: CompletionUsage | None = None
    system_fingerprint: None = None
    pam: PamAnswer | None = None


class StreamError(BaseModel):
    """An error in a stream, as OpenAI sends it: `data: {"error": {...}}`."""

    code: str
    message: str
    type: str
    param: None = None


class StreamErrorEvent(BaseModel):
    error: StreamError


ChatCompletionStreamEvent = Annotated[
    ChatCompletionChunk | StreamErrorEvent, Field(union_mode="left_to_right")
]

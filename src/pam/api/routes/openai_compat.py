"""The OpenAI-compatible API: `GET /v1/models` and `POST /v1/chat/completions`, streamed or not.

Chat apps and scripts written for OpenAI reach the knowledge base here, as the caller their Bearer
credential names (a token or an API key, as on `/api`). A model is a scope: `pam` answers from every
project the caller can read, `pam/<project>` from that project alone; another project's model is
"not found", like one that does not exist.

OpenAI clients keep no state: each request carries the whole conversation. Its last message is the
question and the earlier user and assistant messages are the answerer's history; the exchange is
stored as the caller's conversation (`ChatService`, `ClientHistory`). The answer keeps its `[n]`
markers and ends with a Sources list a person can read in any chat app; the citations also come
structured in the extra field `pam`. A stream holds no database connection while it streams.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from typing import Annotated

import structlog
from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse

from pam.access import AccessScope
from pam.answer.events import Citation, CitationEvent, Done, Error, Token
from pam.answer.source_list import append_sources, sources_block, strip_sources
from pam.answer.strategy import HistoryTurn
from pam.api.deps import ScopeDep, ServicesDep, rate_limited
from pam.api.errors import openai_error_body
from pam.api.routes.chat_schemas import CitationOut
from pam.api.routes.openai_schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessageIn,
    Choice,
    ChunkChoice,
    CompletionUsage,
    Delta,
    ModelList,
    ModelOut,
    PamAnswer,
)
from pam.api.sse import with_heartbeats
from pam.api.stream_schemas import stream_response
from pam.errors import InvalidInput, NotFound, PamError
from pam.services.chat import ChatFilters, ChatService, ClientHistory, Started, answer_error
from pam.services.text_input import require_storable

router = APIRouter(prefix="/v1", tags=["openai"])
ALL_PROJECTS = "pam"
_TOKEN = re.compile(r"\w+|[^\w\s]")


@router.get("/models", response_model=ModelList)
async def list_models(scope: ScopeDep) -> ModelList:
    """`pam` (every project the caller can read) and `pam/<project>` for each of them."""
    now = int(time.time())
    ids = [ALL_PROJECTS, *(f"{ALL_PROJECTS}/{p.name}" for p in scope.projects)]
    return ModelList(data=[ModelOut(id=model, created=now) for model in ids])


@router.get("/models/{model_id:path}", response_model=ModelOut)
async def get_model(model_id: Annotated[str, Path(max_length=300)], scope: ScopeDep) -> ModelOut:
    _projects_of(model_id, scope)
    return ModelOut(id=model_id, created=int(time.time()))


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    dependencies=[rate_limited("chat")],
    responses=stream_response(
        "ChatCompletionStreamEvent",
        "With `stream: true`, Server-Sent Events: one `data: <JSON>` line per ChatCompletionStreamEvent "
        "(chunks in OpenAI's format, or an error), then `data: [DONE]`. Comment lines are heartbeats.",
    ),
)
async def chat_completions(
    body: ChatCompletionRequest, services: ServicesDep, scope: ScopeDep
) -> ChatCompletion | StreamingResponse:
    filters = ChatFilters(projects=_projects_of(body.model, scope))
    question, history = _conversation(body.messages)
    if body.stream:
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        chunks = _chunks(services.chat, scope, question, history, filters, body.model, include_usage)
        return StreamingResponse(
            with_heartbeats(chunks),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await services.chat.ask(scope, question, None, filters, client=history)
    text = append_sources(answer.text, answer.citations)
    return ChatCompletion(
        id=_completion_id(answer.message_id),
        created=int(time.time()),
        model=body.model,
        choices=[Choice(message=AssistantMessage(content=text))],
        usage=_usage(answer.done, question, history, text),
        pam=_extra(answer.conversation_id, answer.message_id, answer.citations, answer.done),
    )


def _projects_of(model: str, scope: AccessScope) -> list[str] | None:
    """The projects a model answers from (None: all the caller's); unknown and unreadable alike are 404."""
    if model == ALL_PROJECTS:
        return None
    prefix = ALL_PROJECTS + "/"
    grant = scope.find(model[len(prefix) :]) if model.startswith(prefix) else None
    if grant is None:
        # The same words for every model the caller cannot use: existence does not leak.
        raise NotFound("The model does not exist or you do not have access to it.", code="model_not_found")
    return [grant.name]


def _conversation(messages: Sequence[ChatMessageIn]) -> tuple[str, ClientHistory]:
    """The question (the last message, the user's) and the user/assistant turns before it."""
    for message in messages:  # refused here, so a stream never starts for them
        require_storable(message.text(), "a message")
    last = messages[-1]
    question = last.text().strip()
    if last.role != "user" or not question:
        raise InvalidInput("the last message must be the user's question, with text")
    turns = []
    for message in messages[:-1]:
        text = message.text().strip()
        if message.role == "user" and text:
            turns.append(HistoryTurn("user", text))
        elif message.role == "assistant" and text:
            # Our own Sources list is for people; the answerer cites from its own sources.
            turns.append(HistoryTurn("assistant", strip_sources(text)))
    return question, ClientHistory(tuple(turns))


async def _chunks(
    chat: ChatService,
    scope: AccessScope,
    question: str,
    history: ClientHistory,
    filters: ChatFilters,
    model: str,
    include_usage: bool,
) -> AsyncIterator[str]:
    """The answer as OpenAI chunks: role, text as it comes, the Sources list, the final chunk, [DONE]."""
    created = int(time.time())
    citations: list[Citation] = []
    started: Started | None = None
    text: list[str] = []

    def chunk(delta: Delta | None, **extra: object) -> str:
        assert started is not None
        choices = [ChunkChoice(delta=delta)] if delta is not None else []
        shown = ChatCompletionChunk(
            id=_completion_id(started.message_id), created=created, model=model, choices=choices, **extra
        )
        return _data(shown)

    try:
        async for event in chat.stream(scope, question, None, filters, client=history):
            if isinstance(event, Started):
                started = event
                yield chunk(Delta(role="assistant", content=""))
            elif isinstance(event, Token):
                text.append(event.text)
                yield chunk(Delta(content=event.text))
            elif isinstance(event, CitationEvent):
                citations.append(event.citation)
            elif isinstance(event, Done) and started is not None:
                if tail := sources_block(citations):
                    text.append(tail)
                    yield chunk(Delta(content=tail))
                extra = _extra(started.conversation_id, started.message_id, citations, event)
                last = ChunkChoice(delta=Delta(), finish_reason="stop")
                yield _data(
                    ChatCompletionChunk(
                        id=_completion_id(started.message_id),
                        created=created,
                        model=model,
                        choices=[last],
                        pam=extra,
                    )
                )
                if include_usage:
                    yield chunk(None, usage=_usage(event, question, history, "".join(text)))
            elif isinstance(event, Error):
                yield _error(answer_error(event))
    except PamError as exc:  # before the answer started: invalid input, unavailable database
        yield _error(exc)
    except Exception:
        structlog.get_logger("pam.openai").exception("completion_stream_failed")
        yield _error(PamError("The answer failed. It has been logged.", code="internal_error"))
    yield "data: [DONE]\n\n"


def _extra(
    conversation_id: uuid.UUID, message_id: uuid.UUID, citations: Sequence[Citation], done: Done
) -> PamAnswer:
    return PamAnswer(
        citations=[CitationOut(**asdict(c)) for c in citations],
        conversation_id=conversation_id,
        message_id=message_id,
        grounded=done.grounded,
        provider=done.provider,
        model=done.model,
        latency_ms=done.latency_ms,
    )


def _usage(done: Done, question: str, history: ClientHistory, completion: str) -> CompletionUsage:
    """The model's own counts; for answers no model wrote (extractive), word and punctuation tokens."""
    prompt = done.usage.input_tokens or _count(question) + sum(_count(t.text) for t in history.turns)
    written = done.usage.output_tokens or _count(completion)
    return CompletionUsage(prompt_tokens=prompt, completion_tokens=written, total_tokens=prompt + written)


def _count(text: str) -> int:
    return len(_TOKEN.findall(text))


def _completion_id(message_id: uuid.UUID) -> str:
    return f"chatcmpl-{message_id.hex}"


def _data(chunk: ChatCompletionChunk) -> str:
    # The extra field rides only on the last chunk with a choice.
    return f"data: {chunk.model_dump_json(exclude={'pam'} if chunk.pam is None else None)}\n\n"


def _error(exc: PamError) -> str:
    return f"data: {json.dumps(openai_error_body(exc.code, exc.message, exc.status))}\n\n"

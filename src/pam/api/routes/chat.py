"""Chat: `POST /api/chat/stream` (SSE), `POST /api/chat`, and the caller's conversations."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from pam.access import AccessScope
from pam.answer.events import AnswerEvent, CitationEvent, Done, Status, Token, ToolCall
from pam.api.deps import ScopeDep, ServicesDep, rate_limited
from pam.api.routes.chat_schemas import (
    ChatRequest,
    ChatResponse,
    CitationOut,
    CitationStreamEvent,
    ConversationDetail,
    ConversationEvent,
    ConversationOut,
    ConversationPage,
    ConversationStarted,
    DoneData,
    DoneEvent,
    ErrorData,
    ErrorEvent,
    MessageOut,
    StatusData,
    StatusEvent,
    TokenData,
    TokenEvent,
    ToolData,
    ToolEvent,
    UsageOut,
)
from pam.api.sse import format_event, sse_response
from pam.api.stream_schemas import stream_response
from pam.errors import PamError
from pam.services.chat import ChatFilters, ChatService, Started

router = APIRouter(tags=["chat"])


def _filters(body: ChatRequest) -> ChatFilters:
    f = body.filters
    return ChatFilters(f.projects, list(f.source_types) if f.source_types else None) if f else ChatFilters()


def stream_event(event: Started | AnswerEvent) -> BaseModel:
    """One answer event as the SSE event the client receives (`event` name and `data` payload)."""
    if isinstance(event, Started):
        return ConversationEvent(event="conversation", data=ConversationStarted(**asdict(event)))
    if isinstance(event, Status):
        return StatusEvent(event="status", data=StatusData(**asdict(event)))
    if isinstance(event, ToolCall):
        return ToolEvent(event="tool", data=ToolData(**asdict(event)))
    if isinstance(event, Token):
        return TokenEvent(event="token", data=TokenData(text=event.text))
    if isinstance(event, CitationEvent):
        return CitationStreamEvent(event="citation", data=CitationOut(**asdict(event.citation)))
    if isinstance(event, Done):
        data = DoneData(
            usage=UsageOut(**asdict(event.usage)),
            latency_ms=event.latency_ms,
            provider=event.provider,
            model=event.model,
        )
        return DoneEvent(event="done", data=data)
    return ErrorEvent(event="error", data=ErrorData(**asdict(event)))


async def _sse(chat: ChatService, scope: AccessScope, body: ChatRequest) -> AsyncIterator[str]:
    log = structlog.get_logger("pam.chat")
    try:
        async for event in chat.stream(scope, body.message, body.conversation_id, _filters(body)):
            shown = stream_event(event)
            yield format_event(shown.event, shown.data.model_dump(mode="json"))  # type: ignore[attr-defined]
    except PamError as exc:  # before the answer started: unknown conversation, invalid input
        yield format_event("error", {"code": exc.code, "message": exc.message})
    except Exception:
        log.exception("chat_stream_failed")
        yield format_event(
            "error", {"code": "internal_error", "message": "The answer failed. It has been logged."}
        )


@router.post(
    "/chat/stream",
    dependencies=[rate_limited("chat")],
    response_class=StreamingResponse,
    responses=stream_response(
        "ChatStreamEvent",
        "Server-Sent Events: `event: <name>` and `data: <JSON>` per event, where the pair is one "
        "ChatStreamEvent: conversation, then status, tool, token and citation, then exactly one "
        "done or error. Comment lines are heartbeats.",
    ),
)
async def chat_stream(body: ChatRequest, services: ServicesDep, scope: ScopeDep) -> StreamingResponse:
    return sse_response(_sse(services.chat, scope, body))


@router.post("/chat", response_model=ChatResponse, dependencies=[rate_limited("chat")])
async def chat(body: ChatRequest, services: ServicesDep, scope: ScopeDep) -> ChatResponse:
    answer = await services.chat.ask(scope, body.message, body.conversation_id, _filters(body))
    done = answer.done
    return ChatResponse(
        answer=answer.text,
        citations=[CitationOut(**asdict(c)) for c in answer.citations],
        conversation_id=answer.conversation_id,
        message_id=answer.message_id,
        usage=UsageOut(**asdict(done.usage)),
        latency_ms=done.latency_ms,
        provider=done.provider,
        model=done.model,
    )


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    services: ServicesDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ConversationPage:
    page = await services.conversations.page(scope, limit=limit, cursor=cursor)
    return ConversationPage(
        items=[ConversationOut.model_validate(c) for c in page.items],
        total=page.total or 0,
        next_cursor=page.next_cursor,
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: uuid.UUID, services: ServicesDep, scope: ScopeDep
) -> ConversationDetail:
    found = await services.conversations.get(scope, conversation_id)
    return ConversationDetail(
        **ConversationOut.model_validate(found.conversation).model_dump(),
        messages=[MessageOut.model_validate(m) for m in found.messages],
    )


@router.delete("/conversations/{conversation_id}", status_code=204, response_class=Response)
async def delete_conversation(conversation_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> Response:
    await services.conversations.delete(scope, conversation_id)
    return Response(status_code=204)

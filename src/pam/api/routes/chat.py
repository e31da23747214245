"""Chat: `POST /api/chat/stream` (SSE), `POST /api/chat`, and the caller's conversations."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select

from pam.access import Caller
from pam.answer.events import CitationEvent, Done, Error, Status, Token, ToolCall
from pam.api.deps import CallerDep, ServicesDep, SessionDep, rate_limited
from pam.api.pagination import decode_cursor, encode_cursor
from pam.api.sse import format_event, sse_response
from pam.errors import PamError
from pam.services.chat import ChatFilters, ChatService, Started, grounding_record, owned_conversation
from pam.store.models import Conversation, Message

router = APIRouter(tags=["chat"])


class ChatFiltersIn(BaseModel):
    projects: list[str] | None = Field(default=None, max_length=50)
    source_types: list[Literal["folder", "upload"]] | None = None


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=8000)
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
    usage: dict[str, Any]
    latency_ms: int
    provider: str
    model: str | None = None
    # False: the answer is not backed by the passages it cites (see `grounding.reason`).
    grounded: bool
    grounding: GroundingOut


class ConversationOut(BaseModel):
    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class MessageOut(BaseModel):
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


def _filters(body: ChatRequest) -> ChatFilters:
    f = body.filters
    return ChatFilters(f.projects, list(f.source_types) if f.source_types else None) if f else ChatFilters()


async def _sse(chat: ChatService, caller: Caller, body: ChatRequest) -> AsyncIterator[str]:
    log = structlog.get_logger("pam.chat")
    try:
        async for event in chat.stream(caller, body.message, body.conversation_id, _filters(body)):
            if isinstance(event, Started):
                yield format_event(
                    "conversation",
                    {"conversation_id": str(event.conversation_id), "message_id": str(event.message_id)},
                )
            elif isinstance(event, Status):
                yield format_event("status", asdict(event))
            elif isinstance(event, ToolCall):
                yield format_event("tool", asdict(event))
            elif isinstance(event, Token):
                yield format_event("token", {"text": event.text})
            elif isinstance(event, CitationEvent):
                yield format_event("citation", asdict(event.citation))
            elif isinstance(event, Done):
                yield format_event(
                    "done",
                    {
                        "usage": asdict(event.usage),
                        "latency_ms": event.latency_ms,
                        "provider": event.provider,
                        "model": event.model,
                        "grounded": event.grounded,
                        "grounding": grounding_record(event.grounding),
                    },
                )
            elif isinstance(event, Error):
                yield format_event("error", asdict(event))
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
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "events conversation, status, tool, token, citation, then one done or error",
        }
    },
)
async def chat_stream(body: ChatRequest, services: ServicesDep, caller: CallerDep) -> StreamingResponse:
    return sse_response(_sse(services.chat, caller, body))


@router.post("/chat", response_model=ChatResponse, dependencies=[rate_limited("chat")])
async def chat(body: ChatRequest, services: ServicesDep, caller: CallerDep) -> ChatResponse:
    answer = await services.chat.ask(caller, body.message, body.conversation_id, _filters(body))
    done = answer.done
    return ChatResponse(
        answer=answer.text,
        citations=[CitationOut(**asdict(c)) for c in answer.citations],
        conversation_id=answer.conversation_id,
        message_id=answer.message_id,
        usage=asdict(done.usage),
        latency_ms=done.latency_ms,
        provider=done.provider,
        model=done.model,
        grounded=done.grounded,
        grounding=GroundingOut.model_validate(grounding_record(done.grounding)),
    )


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    session: SessionDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ConversationPage:
    owner = (
        Conversation.user_id.is_(None) if caller.user_id is None else Conversation.user_id == caller.user_id
    )
    query = select(Conversation).where(owner).order_by(Conversation.updated_at.desc(), Conversation.id.desc())
    if cursor:
        moment, last_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Conversation.updated_at < moment,
                and_(Conversation.updated_at == moment, Conversation.id < last_id),
            )
        )
    rows = list(await session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].updated_at, rows[limit - 1].id) if len(rows) > limit else None
    return ConversationPage(
        items=[
            ConversationOut(id=c.id, title=c.title, created_at=c.created_at, updated_at=c.updated_at)
            for c in rows[:limit]
        ],
        next_cursor=next_cursor,
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> ConversationDetail:
    conv = await owned_conversation(session, caller, conversation_id)
    messages = await session.scalars(
        select(Message).where(Message.conversation_id == conv.id).order_by(Message.created_at, Message.id)
    )
    return ConversationDetail(
        id=conv.id,
        title=conv.title,
        created_at=conv.created_at,
        updated_at=conv.updated_at,
        messages=[
            MessageOut(
                id=m.id,
                role=m.role,
                content=m.content,
                citations=[CitationOut(**c) for c in m.citations],
                status=m.status,
                provider=m.provider,
                error_code=m.error_code,
                created_at=m.created_at,
                grounded=m.grounded,
                grounding=GroundingOut.model_validate(m.grounding) if m.grounding else None,
            )
            for m in messages
        ],
    )


@router.delete("/conversations/{conversation_id}", status_code=204, response_class=Response)
async def delete_conversation(conversation_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> Response:
    conv = await owned_conversation(session, caller, conversation_id)
    await session.delete(conv)
    return Response(status_code=204)

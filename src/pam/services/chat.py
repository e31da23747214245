"""Chat: one question in a conversation, answered as a stream of events and stored with its citations.

The user's message is committed before the answer starts. The assistant's message is stored
when the stream ends, however it ends: complete on `Done` (with the grounding check's verdict),
incomplete with the error code on `Error`, and incomplete if the client goes away (the model's
stream is closed too). `ask` is the same turn collected whole, for the doors that answer at once.

A conversation's history comes from the database (`conversation_id`), or from the client
(`ClientHistory`: OpenAI-style clients send every earlier message with each question). The latter is
stored as the caller's conversation too, keyed by a fingerprint of its turns, so that the client's
next request continues it rather than starting a copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.answer.answerer import Answerer
from pam.answer.events import AnswerEvent, Citation, CitationEvent, Done, Error, Grounding, Token
from pam.answer.source_list import strip_sources
from pam.answer.strategy import HistoryTurn
from pam.answer.table_tools import table_tools
from pam.errors import InvalidInput, PamError
from pam.services.conversations import owned_by, owned_conversation
from pam.services.knowledge import ScopedKnowledge
from pam.services.search_scope import KnowledgeSearch
from pam.services.tables import TableService
from pam.services.text_input import require_storable
from pam.store.models import Conversation, Message
from pam.store.types import utcnow

HISTORY_MESSAGES = 20
# The answer sorts after its question even when both are written in the same clock tick.
ANSWER_AFTER_QUESTION = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ChatFilters:
    projects: list[str] | None = None
    source_types: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Started:
    """The first event of every chat stream."""

    conversation_id: uuid.UUID
    message_id: uuid.UUID


@dataclass
class Transcript:
    text: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    grounding: Grounding | None = None


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    """One turn answered whole (``ChatService.ask``)."""

    conversation_id: uuid.UUID
    message_id: uuid.UUID
    text: str
    citations: list[Citation]
    done: Done

    @property
    def grounded(self) -> bool:
        return self.done.grounded


def grounding_record(grounding: Grounding) -> dict[str, Any]:
    """What is stored (and served) of a verdict besides the ``grounded`` flag itself."""
    detail = asdict(grounding)
    detail.pop("grounded")
    return detail


@dataclass(frozen=True, slots=True)
class ClientHistory:
    """The earlier turns a client sent with its question, oldest first: the answer's history as sent."""

    turns: tuple[HistoryTurn, ...] = ()

    def key(self) -> str | None:
        return thread_key(self.turns) if self.turns else None


def thread_key(turns: Sequence[HistoryTurn]) -> str:
    """A fingerprint of a conversation's turns that survives what clients do to them on the way back:
    whitespace is normalised and the Sources list under an answer (`append_sources`) is ignored."""
    normalized = [
        (t.role, " ".join((strip_sources(t.text) if t.role == "assistant" else t.text).split()))
        for t in turns
    ]
    return hashlib.sha256(json.dumps(normalized, ensure_ascii=False).encode()).hexdigest()


class ChatService:
    def __init__(
        self,
        answerer: Answerer,
        search: KnowledgeSearch,
        sessions: async_sessionmaker[AsyncSession],
        tables: TableService | None = None,
    ) -> None:
        self.answerer = answerer
        self.search = search
        self.sessions = sessions
        self.tables = tables

    async def _begin(
        self,
        scope: AccessScope,
        message: str,
        conversation_id: uuid.UUID | None,
        filters: ChatFilters,
        client: ClientHistory | None,
    ) -> tuple[Started, list[HistoryTurn], ChatFilters]:
        history: list[HistoryTurn] = []
        async with self.sessions.begin() as s:
            if client is not None:
                conv = await self._client_thread(s, scope, message, filters, client)
                history = list(client.turns[-HISTORY_MESSAGES:])
            elif conversation_id is None:
                conv = Conversation(
                    user_id=scope.caller.user_id,
                    title=" ".join(message.split())[:120],
                    filters={"projects": filters.projects, "source_types": filters.source_types},
                )
                s.add(conv)
                await s.flush()
            else:
                conv = await owned_conversation(s, scope.caller, conversation_id)
                # A follow-up sends only the conversation id: its filters come from the conversation.
                if filters == ChatFilters():
                    filters = ChatFilters(conv.filters.get("projects"), conv.filters.get("source_types"))
                rows = await s.scalars(
                    select(Message)
                    .where(Message.conversation_id == conv.id)
                    .order_by(Message.created_at.desc())
                    .limit(HISTORY_MESSAGES)
                )
                history = [HistoryTurn(m.role, m.content) for m in reversed(list(rows)) if m.content]  # type: ignore[arg-type]
            now = utcnow()
            s.add(
                Message(
                    conversation_id=conv.id,
                    role="user",
                    content=message,
                    citations=[],
                    usage={},
                    created_at=now,
                )
            )
            # The answer's row exists from the start, as interrupted: whatever happens to this process
            # later, the question is never left without an answer marked incomplete.
            assistant_id = uuid.uuid4()
            s.add(
                Message(
                    id=assistant_id,
                    conversation_id=conv.id,
                    role="assistant",
                    content="",
                    citations=[],
                    usage={},
                    status="incomplete",
                    provider=self.answerer.provider,
                    error_code="interrupted",
                    created_at=now + ANSWER_AFTER_QUESTION,
                )
            )
            conv.updated_at = now
        return Started(conv.id, assistant_id), history, filters

    async def _client_thread(
        self, s: AsyncSession, scope: AccessScope, message: str, filters: ChatFilters, client: ClientHistory
    ) -> Conversation:
        """The caller's conversation that ended with the client's earlier turns, or a new one holding them."""
        key = client.key()
        if key is not None:
            found = await s.scalar(
                select(Conversation)
                .where(owned_by(scope.caller), Conversation.thread_key == key)
                .order_by(Conversation.updated_at.desc())
                .limit(1)
            )
            if found is not None:
                return found
        first = next((t.text for t in client.turns if t.role == "user"), message)
        conv = Conversation(
            user_id=scope.caller.user_id,
            title=" ".join(first.split())[:120],
            filters={"projects": filters.projects, "source_types": filters.source_types},
            thread_key=key,
        )
        s.add(conv)
        await s.flush()
        # What the client says was said before, stored before the question (and sorted before it).
        earliest = utcnow() - ANSWER_AFTER_QUESTION * (len(client.turns) + 1)
        for i, turn in enumerate(client.turns):
            text = strip_sources(turn.text) if turn.role == "assistant" else turn.text
            s.add(
                Message(
                    conversation_id=conv.id,
                    role=turn.role,
                    content=text,
                    citations=[],
                    usage={},
                    created_at=earliest + ANSWER_AFTER_QUESTION * i,
                )
            )
        return conv

    async def stream(
        self,
        scope: AccessScope,
        message: str,
        conversation_id: uuid.UUID | None,
        filters: ChatFilters,
        *,
        client: ClientHistory | None = None,
    ) -> AsyncGenerator[Started | AnswerEvent, None]:
        """The answer's events, after `Started`. No session is held between events: the question
        is committed before the first one, the answer in its own transaction after the last.

        `client` (instead of a `conversation_id`): the history the client sent with the question."""
        if not message.strip():
            raise InvalidInput("the message is empty")
        require_storable(message, "the message")
        for turn in client.turns if client is not None else ():
            require_storable(turn.text, "an earlier message")
        if client is not None and conversation_id is not None:
            raise InvalidInput("give a conversation id or the history, not both")
        started, history, filters = await self._begin(scope, message, conversation_id, filters, client)
        yield started
        # The conversation's project filter narrows the caller's scope once; tools only narrow further.
        scope = scope.narrowed(filters.projects)
        tools = ScopedKnowledge(self.search, self.sessions, scope, source_types=filters.source_types)
        transcript = Transcript()
        status: str = "incomplete"
        error_code: str | None = "client_disconnected"
        usage: dict[str, Any] = {}
        provider = self.answerer.provider
        extra_tools = table_tools(self.tables.for_scope(scope)) if self.tables and scope.projects else []
        direct = self.tables.direct_answer(scope) if self.tables else None
        events = self.answerer.answer(message, history, tools, extra_tools=extra_tools, direct=direct)
        try:
            async for event in events:
                if isinstance(event, Token):
                    transcript.text.append(event.text)
                elif isinstance(event, CitationEvent):
                    transcript.citations.append(asdict(event.citation))
                elif isinstance(event, Done):
                    status, error_code, usage, provider = (
                        "complete",
                        None,
                        asdict(event.usage),
                        event.provider,
                    )
                    transcript.grounding = event.grounding
                elif isinstance(event, Error):
                    error_code = event.code
                yield event
        finally:
            await events.aclose()
            # The client's next request continues this conversation when it sends this exchange back.
            thread = None
            if client is not None and status == "complete":
                answer = HistoryTurn("assistant", "".join(transcript.text))
                thread = thread_key([*client.turns, HistoryTurn("user", message), answer])
            # Stored even when the client left mid-stream: shielded from the cancellation.
            await asyncio.shield(
                self._store(started, transcript, status, error_code, usage, provider, thread)
            )

    async def ask(
        self,
        scope: AccessScope,
        message: str,
        conversation_id: uuid.UUID | None,
        filters: ChatFilters,
        *,
        client: ClientHistory | None = None,
    ) -> ChatAnswer:
        """The turn answered whole; raises the answer's error (`answer_error`) when it ended with one."""
        started: Started | None = None
        text: list[str] = []
        citations: list[Citation] = []
        done: Done | None = None
        # Closed before returning, so the answer is stored (the stream's `finally`) before any response.
        async with aclosing(self.stream(scope, message, conversation_id, filters, client=client)) as events:
            async for event in events:
                if isinstance(event, Started):
                    started = event
                elif isinstance(event, Token):
                    text.append(event.text)
                elif isinstance(event, CitationEvent):
                    citations.append(event.citation)
                elif isinstance(event, Error):
                    raise answer_error(event)
                elif isinstance(event, Done):
                    done = event
        if started is None or done is None:
            raise PamError("the answer ended without a result")
        return ChatAnswer(started.conversation_id, started.message_id, "".join(text), citations, done)

    async def _store(
        self,
        started: Started,
        transcript: Transcript,
        status: str,
        error_code: str | None,
        usage: dict[str, Any],
        provider: str,
        thread: str | None = None,
    ) -> None:
        async with self.sessions.begin() as s:
            await s.execute(
                update(Message)
                .where(Message.id == started.message_id)
                .values(
                    content="".join(transcript.text),
                    citations=transcript.citations,
                    status=status,
                    provider=provider,
                    usage=usage,
                    error_code=error_code,
                    grounded=transcript.grounding.grounded if transcript.grounding else None,
                    grounding=grounding_record(transcript.grounding) if transcript.grounding else None,
                    updated_at=utcnow(),
                )
            )
            conv = await s.get(Conversation, started.conversation_id)
            if conv is not None:
                conv.updated_at = utcnow()
                if thread is not None:
                    conv.thread_key = thread


# A failed answer's HTTP status when it is not streamed (a stream carries only the code).
_STATUS_BY_CODE = {
    "invalid_input": 400,
    "not_found": 404,
    "step_limit": 422,
    "llm_rate_limited": 429,
    "llm_error": 502,
    "llm_unavailable": 503,
    "unavailable": 503,
}
# A provider that is busy or down is usually back within seconds.
PROVIDER_RETRY_AFTER_S = 10


def answer_error(error: Error) -> PamError:
    """The error a non-streamed answer raises: 429/503 with Retry-After when the model provider is
    rate-limited or down, the code's own status otherwise (500 for anything unexpected)."""
    status = _STATUS_BY_CODE.get(error.code, 500)
    retry = PROVIDER_RETRY_AFTER_S if status in (429, 503) else None
    return PamError(error.message, code=error.code, status=status, retry_after=retry)

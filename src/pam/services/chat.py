"""Chat: one question in a conversation, answered as a stream of events and stored with its citations.

The user's message is committed before the answer starts. The assistant's message is stored
when the stream ends, however it ends: complete on `Done` (with the grounding check's verdict),
incomplete with the error code on `Error`, and incomplete if the client goes away (the model's
stream is closed too). `ask` is the same turn collected whole, for the doors that answer at once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import Caller
from pam.answer.answerer import Answerer
from pam.answer.events import AnswerEvent, Citation, CitationEvent, Done, Error, Grounding, Token
from pam.answer.sources import Passage
from pam.answer.strategy import DirectAnswer, HistoryTurn
from pam.answer.tools import Tool
from pam.data.catalog import DataCatalog
from pam.data.scope import readable_projects
from pam.data.table_answer import TableAnswerer
from pam.data.tools import data_tools
from pam.errors import NotFound, PamError
from pam.search.service import SearchService
from pam.services.knowledge import ScopedKnowledge
from pam.store.models import Conversation, Message
from pam.store.types import utcnow

HISTORY_MESSAGES = 20


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


# The HTTP status of an answer that ended with an error, by its code.
_FAILURE_STATUS = {
    "invalid_input": 400,
    "not_found": 404,
    "step_limit": 422,
    "llm_rate_limited": 429,
    "llm_error": 502,
    "llm_unavailable": 503,
    "unavailable": 503,
}


class AnswerFailed(PamError):
    """An answer that ended with an ``Error`` event, raised by ``ask`` with the event's code."""

    def __init__(self, error: Error) -> None:
        super().__init__(error.message, code=error.code)
        self.status = _FAILURE_STATUS.get(error.code, 500)


def grounding_record(grounding: Grounding) -> dict[str, Any]:
    """What is stored (and served) of a verdict besides the ``grounded`` flag itself."""
    detail = asdict(grounding)
    detail.pop("grounded")
    return detail


async def owned_conversation(
    session: AsyncSession, caller: Caller, conversation_id: uuid.UUID
) -> Conversation:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.user_id != caller.user_id:
        raise NotFound("conversation not found")
    return conv


class ChatService:
    def __init__(
        self,
        answerer: Answerer,
        search: SearchService,
        sessions: async_sessionmaker[AsyncSession],
        data: DataCatalog | None = None,
    ) -> None:
        self.answerer = answerer
        self.search = search
        self.sessions = sessions
        self.data = data

    async def _table_access(
        self, caller: Caller, filters: ChatFilters
    ) -> tuple[list[Tool[Any]], DirectAnswer | None]:
        """The caller's tables: query tools for LLM agents, a direct table lookup for the extractive answerer."""
        if self.data is None:
            return [], None
        async with self.sessions() as s:
            readable = await readable_projects(s, caller)
        if filters.projects:
            readable = {pid: name for pid, name in readable.items() if name in filters.projects}
        if not readable:
            return [], None
        tables = TableAnswerer(self.data, list(readable))

        async def direct(question: str) -> tuple[str, Passage] | None:
            found = await tables.answer(question)
            return (found.text, found.passage) if found is not None else None

        return data_tools(self.data, list(readable), readable), direct

    async def _begin(
        self, caller: Caller, message: str, conversation_id: uuid.UUID | None, filters: ChatFilters
    ) -> tuple[Started, list[HistoryTurn], ChatFilters]:
        async with self.sessions.begin() as s:
            if conversation_id is None:
                conv = Conversation(
                    user_id=caller.user_id,
                    title=" ".join(message.split())[:120],
                    filters={"projects": filters.projects, "source_types": filters.source_types},
                )
                s.add(conv)
                await s.flush()
                history: list[HistoryTurn] = []
            else:
                conv = await owned_conversation(s, caller, conversation_id)
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
            s.add(Message(conversation_id=conv.id, role="user", content=message, citations=[], usage={}))
            conv.updated_at = utcnow()
            assistant_id = uuid.uuid4()
        return Started(conv.id, assistant_id), history, filters

    async def stream(
        self, caller: Caller, message: str, conversation_id: uuid.UUID | None, filters: ChatFilters
    ) -> AsyncIterator[Started | AnswerEvent]:
        started, history, filters = await self._begin(caller, message, conversation_id, filters)
        yield started
        tools = ScopedKnowledge(
            self.search, self.sessions, caller, projects=filters.projects, source_types=filters.source_types
        )
        transcript = Transcript()
        status: str = "incomplete"
        error_code: str | None = "client_disconnected"
        usage: dict[str, Any] = {}
        provider = self.answerer.provider
        extra_tools, direct = await self._table_access(caller, filters)
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
            # Stored even when the client left mid-stream: shielded from the cancellation.
            await asyncio.shield(self._store(started, transcript, status, error_code, usage, provider))

    async def ask(
        self, caller: Caller, message: str, conversation_id: uuid.UUID | None, filters: ChatFilters
    ) -> ChatAnswer:
        """The turn answered whole; raises ``AnswerFailed`` when it ended with an error."""
        started: Started | None = None
        text: list[str] = []
        citations: list[Citation] = []
        async for event in self.stream(caller, message, conversation_id, filters):
            if isinstance(event, Started):
                started = event
            elif isinstance(event, Token):
                text.append(event.text)
            elif isinstance(event, CitationEvent):
                citations.append(event.citation)
            elif isinstance(event, Error):
                raise AnswerFailed(event)
            elif isinstance(event, Done) and started is not None:
                return ChatAnswer(
                    started.conversation_id, started.message_id, "".join(text), citations, event
                )
        raise PamError("the answer ended without a result")

    async def _store(
        self,
        started: Started,
        transcript: Transcript,
        status: str,
        error_code: str | None,
        usage: dict[str, Any],
        provider: str,
    ) -> None:
        async with self.sessions.begin() as s:
            s.add(
                Message(
                    id=started.message_id,
                    conversation_id=started.conversation_id,
                    role="assistant",
                    content="".join(transcript.text),
                    citations=transcript.citations,
                    status=status,
                    provider=provider,
                    usage=usage,
                    error_code=error_code,
                    grounded=transcript.grounding.grounded if transcript.grounding else None,
                    grounding=grounding_record(transcript.grounding) if transcript.grounding else None,
                )
            )
            conv = await s.get(Conversation, started.conversation_id)
            if conv is not None:
                conv.updated_at = utcnow()

"""Conversations: the caller's own, newest first; one with its messages; delete.

A conversation belongs to the user who started it (the local admin's have no user); anyone else
gets 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope, Caller
from pam.errors import NotFound
from pam.store.keyset import Keyset, Page, keyset_page
from pam.store.models import Conversation, Message


@dataclass(frozen=True, slots=True)
class ConversationWithMessages:
    conversation: Conversation
    messages: list[Message]


def owned_by(caller: Caller) -> ColumnElement[bool]:
    """The caller's own conversations (the local admin's have no user)."""
    return (
        Conversation.user_id.is_(None) if caller.user_id is None else Conversation.user_id == caller.user_id
    )


async def owned_conversation(
    session: AsyncSession, caller: Caller, conversation_id: uuid.UUID
) -> Conversation:
    conv = await session.get(Conversation, conversation_id)
    if conv is None or conv.user_id != caller.user_id:
        raise NotFound("conversation not found")
    return conv


class ConversationService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def page(self, scope: AccessScope, *, limit: int, cursor: str | None) -> Page[Conversation]:
        keyset = Keyset(Conversation.updated_at, Conversation.id, descending=True)
        async with self._sessions() as s:
            return await keyset_page(
                s, select(Conversation).where(owned_by(scope.caller)), keyset, limit=limit, cursor=cursor
            )

    async def get(self, scope: AccessScope, conversation_id: uuid.UUID) -> ConversationWithMessages:
        async with self._sessions() as s:
            conv = await owned_conversation(s, scope.caller, conversation_id)
            messages = await s.scalars(
                select(Message)
                .where(Message.conversation_id == conv.id)
                .order_by(Message.created_at, Message.id)
            )
            return ConversationWithMessages(conv, list(messages))

    async def delete(self, scope: AccessScope, conversation_id: uuid.UUID) -> None:
        async with self._sessions.begin() as s:
            found = await owned_conversation(s, scope.caller, conversation_id)  # 404 before 403: no probing
            scope.caller.require_writer()
            await s.delete(found)

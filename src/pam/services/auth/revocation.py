"""Ending a user's access tokens: one counter per user, raised in the transaction that changes access.

Chosen over short tokens plus rotating refresh tokens because every request already loads the
user row (for `active` and the roles), so comparing the token's version costs nothing and the cut
is immediate: the very next request with an older token is refused, where refresh tokens would
leave each access token alive until it expires. API keys are not tokens: they live until revoked.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import User
from pam.store.types import utcnow


async def revoke_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every token the user holds stops working when this transaction commits."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(token_version=User.token_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )

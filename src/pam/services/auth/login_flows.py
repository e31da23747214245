"""Rows of `login_flows`: a browser sign-in through an OpenID provider, one stage at a time.

    pending  --callback-->  verifying  --verified-->  handoff  --SPA exchange-->  done

Each arrow is a conditional UPDATE (`WHERE stage = <from>`), committed before anything else
happens, so of two requests racing with the same state or hand-off code exactly one moves the row
and the other finds nothing: a replayed callback or code is refused on every replica alike. The
state, the browser cookie and the hand-off code are stored as sha256 hashes only.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import LoginFlow

# Long enough to type a password and pass a second factor at the provider.
FLOW_TTL = timedelta(minutes=10)
# The SPA exchanges its hand-off code as soon as the page loads.
HANDOFF_TTL = timedelta(seconds=60)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def open_flow(
    session: AsyncSession,
    *,
    provider: str,
    state: str,
    browser: str,
    nonce: str,
    code_verifier: str,
    redirect_uri: str,
    next_path: str,
    now: datetime,
) -> None:
    # Expired flows go as new ones come: the table holds at most ~10 minutes of sign-ins.
    await session.execute(delete(LoginFlow).where(LoginFlow.expires_at < now))
    session.add(
        LoginFlow(
            provider=provider,
            stage="pending",
            state_hash=digest(state),
            browser_hash=digest(browser),
            nonce=nonce,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
            next_path=next_path,
            expires_at=now + FLOW_TTL,
        )
    )
    await session.flush()


async def take_pending(
    session: AsyncSession, *, provider: str, state: str, browser: str | None, now: datetime
) -> LoginFlow | None:
    """The pending flow this callback completes, moved on so no other callback can; None if there is none.

    A flow started in another browser (its cookie is not this one's) is left alone: a link to a
    callback sent by someone else signs nobody in.
    """
    if browser is None:
        return None
    return await _advance(
        session,
        (LoginFlow.state_hash == digest(state), LoginFlow.provider == provider),
        browser=browser,
        now=now,
        before="pending",
        after="verifying",
    )


async def hand_off(
    session: AsyncSession, flow_id: uuid.UUID, *, user_id: uuid.UUID, handoff: str, now: datetime
) -> None:
    await session.execute(
        update(LoginFlow)
        .where(LoginFlow.id == flow_id, LoginFlow.stage == "verifying")
        .values(stage="handoff", handoff_hash=digest(handoff), user_id=user_id, expires_at=now + HANDOFF_TTL)
    )


async def take_handoff(
    session: AsyncSession, *, handoff: str, browser: str | None, now: datetime
) -> LoginFlow | None:
    """The flow whose hand-off code this is, marked done; None when unknown, used, expired or another browser's."""
    if browser is None:
        return None
    return await _advance(
        session,
        (LoginFlow.handoff_hash == digest(handoff),),
        browser=browser,
        now=now,
        before="handoff",
        after="done",
    )


async def _advance(
    session: AsyncSession,
    match: tuple[ColumnElement[bool], ...],
    *,
    browser: str,
    now: datetime,
    before: str,
    after: str,
) -> LoginFlow | None:
    """One conditional UPDATE moves the matching flow from `before` to `after`: atomic on every backend,
    so of two racing requests exactly one gets the row; then the row is read."""
    conditions = (
        *match,
        LoginFlow.stage == before,
        LoginFlow.expires_at > now,
        LoginFlow.browser_hash == digest(browser),
    )
    moved = await session.execute(update(LoginFlow).where(*conditions).values(stage=after))
    if getattr(moved, "rowcount", 0) != 1:
        return None
    return await session.scalar(select(LoginFlow).where(*match, LoginFlow.stage == after))

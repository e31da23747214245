"""Turn an `Authorization: Bearer <jwt or API key>` header into a `Caller`, checking the user row each time."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller, Credential
from pam.errors import InvalidInput, Unauthorized
from pam.services.auth.api_keys import looks_like_api_key, user_for_key
from pam.services.auth.memberships import roles_of
from pam.services.auth.tokens import TokenCodec
from pam.store.models import User
from pam.store.types import utcnow

MAX_HEADER_CHARS = 8192
_INVALID = "invalid or expired credentials"


def bearer_credential(authorization: str | None) -> str:
    """The credential of a `Bearer` header; 401 when it is missing or of another scheme."""
    if not authorization:
        raise Unauthorized("authentication required: send Authorization: Bearer <token or API key>")
    if len(authorization) > MAX_HEADER_CHARS:
        raise Unauthorized(_INVALID)
    scheme, _, credential = authorization.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential or " " in credential:
        raise Unauthorized("use Authorization: Bearer <token or API key>")
    return credential


async def caller_from_header(session: AsyncSession, tokens: TokenCodec, authorization: str | None) -> Caller:
    credential = bearer_credential(authorization)
    via: Credential
    if looks_like_api_key(credential):
        user = await user_for_key(session, credential, now=utcnow())
        via = "api_key"
    else:
        claims = tokens.decode(credential)
        user = await session.get(User, claims.user_id)
        # The row decides, not the token: a disabled user or a changed password ends every token at once.
        if user is not None and claims.version != tokens.version_of(user.password_hash):
            user = None
        via = "token"
    if user is None or not user.active:
        raise Unauthorized(_INVALID)
    return await caller_for_user(session, user, via=via)


async def caller_for_user(session: AsyncSession, user: User, *, via: Credential) -> Caller:
    roles = {} if user.is_admin else await roles_of(session, user.id)
    return Caller(user_id=user.id, email=user.email, is_admin=user.is_admin, roles=roles, via=via)


def user_id_of(caller: Caller) -> uuid.UUID:
    """The caller's user id; 400 for the local admin of PAM_AUTH=none, who has no user row."""
    if caller.user_id is None:
        raise InvalidInput("this needs a signed-in user (PAM_AUTH=required)", code="auth_disabled")
    return caller.user_id

"""Turn an `Authorization: Bearer <jwt or API key>` header into a `Caller`, checking the user row each time."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller, Credential, Role
from pam.errors import InvalidInput, Unauthorized
from pam.services.auth.api_keys import key_holder, looks_like_api_key
from pam.services.auth.memberships import every_project_as_admin, roles_of
from pam.services.auth.tokens import TokenCodec
from pam.store.models import ApiKey, User
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
    if looks_like_api_key(credential):
        held = await key_holder(session, credential, now=utcnow())
        if held is None:
            raise Unauthorized(_INVALID)
        user, key = held
        return await caller_for_key(session, user, key)
    claims = tokens.decode(credential)
    holder = await session.get(User, claims.user_id)
    # The row decides, not the token: a disabled user, or any access change since the token was
    # issued (its version is behind the user's), ends the token at once.
    if holder is None or not holder.active or claims.version != str(holder.token_version):
        raise Unauthorized(_INVALID)
    return await caller_for_user(session, holder, via="token")


async def caller_for_user(session: AsyncSession, user: User, *, via: Credential) -> Caller:
    roles = {} if user.is_admin else await roles_of(session, user.id)
    return Caller(user_id=user.id, email=user.email, is_admin=user.is_admin, roles=roles, via=via)


async def caller_for_key(session: AsyncSession, user: User, key: ApiKey) -> Caller:
    """The key's holder, narrowed to the key's projects and capped at viewer when it is read-only.

    A limited key never carries installation-admin rights (user management, stats): an admin's
    key limited to one project is that project's admin, and nothing more.
    """
    if key.project_ids is None and not key.read_only:
        return await caller_for_user(session, user, via="api_key")
    roles: dict[uuid.UUID, Role] = (
        await every_project_as_admin(session) if user.is_admin else await roles_of(session, user.id)
    )
    if key.project_ids is not None:
        allowed = {uuid.UUID(p) for p in key.project_ids}
        roles = {p: r for p, r in roles.items() if p in allowed}
    if key.read_only:
        roles = dict.fromkeys(roles, "viewer")
    return Caller(
        user_id=user.id, email=user.email, is_admin=False, roles=roles, via="api_key", read_only=key.read_only
    )


def user_id_of(caller: Caller) -> uuid.UUID:
    """The caller's user id; 400 for the local admin of PAM_AUTH=none, who has no user row."""
    if caller.user_id is None:
        raise InvalidInput("this needs a signed-in user (PAM_AUTH=required)", code="auth_disabled")
    return caller.user_id

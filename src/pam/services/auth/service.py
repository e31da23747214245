"""`AuthServices`: the access machinery one process needs, built once from settings and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import LOCAL_ADMIN, AccessScope, Caller
from pam.errors import Forbidden, InvalidInput, Unauthorized
from pam.services.access import load_scope
from pam.services.auth.caller import caller_from_header, user_id_of
from pam.services.auth.memory_ratelimit import SlidingWindowLimiter
from pam.services.auth.passwords import MAX_PASSWORD_CHARS, Passwords
from pam.services.auth.ratelimit import Action, Limit, RateLimiter, default_limits, limits_from
from pam.services.auth.revocation import revoke_tokens
from pam.services.auth.secret import load_jwt_secret
from pam.services.auth.sso import SingleSignOn
from pam.services.auth.tokens import AccessToken, TokenCodec
from pam.services.auth.users import user_by_email
from pam.settings import AuthMode, Settings
from pam.store.models import User

log = structlog.get_logger("pam.auth")
_LOGIN_FAILED = "invalid email or password"


@dataclass
class AuthServices:
    mode: AuthMode
    sessions: async_sessionmaker[AsyncSession]
    tokens: TokenCodec
    passwords: Passwords
    limiter: RateLimiter
    sso: SingleSignOn
    limits: Mapping[Action, Limit] = field(default_factory=default_limits)
    password_login: bool = True

    @classmethod
    async def start(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        passwords: Passwords | None = None,
        limiter: RateLimiter | None = None,
        limits: Mapping[Action, Limit] | None = None,
    ) -> AuthServices:
        """Load (or generate) the signing secret; refuse a weak one. Cheap: nothing is hashed here."""
        secret = await asyncio.to_thread(load_jwt_secret, settings)
        chosen = dict(limits) if limits is not None else limits_from(settings)
        tokens = TokenCodec(secret, minutes=settings.access_token_minutes)
        passwords = passwords or Passwords()
        limiter = limiter or SlidingWindowLimiter(chosen)
        if settings.auth == "required" and not settings.password_login and not settings.oidc_providers:
            log.warning("no_sign_in_method", detail="password login is off and no OIDC provider is set")
        return cls(
            mode=settings.auth,
            sessions=sessions,
            tokens=tokens,
            passwords=passwords,
            limiter=limiter,
            # Providers are only described here: none is contacted before its first sign-in.
            sso=SingleSignOn(
                sessions, tokens, passwords, limiter, settings.oidc_providers, mode=settings.auth
            ),
            limits=chosen,
            password_login=settings.password_login,
        )

    async def scope(self, authorization: str | None) -> AccessScope:
        """Who is calling and which projects they reach, in one short transaction of its own.

        Nothing is held afterwards: a request (or a stream) keeps no connection for its caller.
        """
        async with self.sessions.begin() as session:  # begin: an API key's last use may be written
            caller = (
                LOCAL_ADMIN
                if self.mode == "none"
                else await caller_from_header(session, self.tokens, authorization)
            )
            return await load_scope(session, caller)

    async def scope_of(self, caller: Caller) -> AccessScope:
        async with self.sessions() as session:
            return await load_scope(session, caller)

    async def login(self, email: str, password: str, *, client: str) -> AccessToken:
        """A token for valid credentials. Limited per client address and per email before any hashing."""
        if self.mode == "none":
            raise InvalidInput(
                "login is not needed: this server runs with PAM_AUTH=none", code="auth_disabled"
            )
        if not self.password_login:
            raise Forbidden(
                "password login is turned off on this server: sign in with a provider listed at "
                "GET /api/auth/providers, or use an API key",
                code="password_login_disabled",
            )
        normalized = email.strip().lower()
        await self.limiter.hit("login", f"ip:{client}")
        await self.limiter.hit("login", f"email:{normalized}")
        if len(password) > MAX_PASSWORD_CHARS:
            raise Unauthorized(_LOGIN_FAILED)
        async with self.sessions() as session:
            user = await user_by_email(session, normalized) if normalized else None
        known = user is not None and user.active
        ok = await self.passwords.verify_async(user.password_hash if user and known else None, password)
        if user is None or not known or not ok:
            log.info("login_failed", email=normalized, client=client)
            raise Unauthorized(_LOGIN_FAILED)
        assert user.password_hash is not None
        if self.passwords.needs_rehash(user.password_hash):
            rehashed = await self.passwords.hash_async(password)
            async with self.sessions.begin() as session:
                await session.execute(
                    update(User)
                    .where(User.id == user.id, User.password_hash == user.password_hash)
                    .values(password_hash=rehashed)
                )
            user.password_hash = rehashed
        log.info("login", user_id=str(user.id))
        return self.tokens.issue(user.id, user.token_version)

    async def sign_out_everywhere(self, scope: AccessScope) -> None:
        """End every token of the caller's (this one included). API keys are left alone: they are
        revoked one by one, and a key may not end its owner's sessions."""
        if scope.caller.via == "api_key":
            raise Forbidden("an API key cannot sign its owner out; use a token from a sign-in")
        user_id = user_id_of(scope.caller)
        async with self.sessions.begin() as session:
            await revoke_tokens(session, user_id)
        log.info("signed_out_everywhere", user_id=str(user_id))

    async def limit(self, action: Action, caller: Caller, *, client: str) -> None:
        """Count one `action` for the caller (by user, else by address). Not applied with PAM_AUTH=none,
        where the single local user is the only one who can reach the server."""
        if self.mode == "none":
            return
        key = f"user:{caller.user_id}" if caller.user_id is not None else f"ip:{client}"
        await self.limiter.hit(action, key)

    async def close(self) -> None:
        """Nothing to release in process; a Redis limiter would close its connection here."""

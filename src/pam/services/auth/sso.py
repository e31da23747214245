"""Single sign-on through OpenID Connect providers: start, callback, and the web UI's hand-off.

The browser goes `GET .../login` -> the provider -> `GET .../callback` -> the web UI, which then
trades a one-time hand-off code for its access token (`exchange`). Why a hand-off code and not the
token itself in the redirect: the token never appears in a URL (history, proxy and server logs,
Referer), the code travels in the URL fragment (which browsers never send to a server), works
once, for 60 seconds, and only from the browser that started the sign-in: the start sets an
HttpOnly cookie whose hash the flow keeps, and both the callback and the exchange must present it.
That cookie is also what makes a callback link forged by someone else (login CSRF) sign nobody in.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.errors import Conflict, InvalidInput, NotFound, Unauthorized
from pam.services.auth import login_flows
from pam.services.auth.oidc_client import OidcClient, SignInRefused, VerifiedIdentity
from pam.services.auth.passwords import Passwords
from pam.services.auth.provisioning import provision
from pam.services.auth.ratelimit import RateLimiter
from pam.services.auth.tokens import AccessToken, TokenCodec
from pam.settings import AuthMode, OidcProviderSettings
from pam.store.models import User
from pam.store.types import utcnow

_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
_ERROR_SHAPE = re.compile(r"^[a-z_]{1,40}$")
MAX_NEXT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class StartedSignIn:
    provider_url: str  # where to send the browser
    browser: str  # the value of the browser-binding cookie


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: AccessToken
    next_path: str


def safe_next(raw: str | None) -> str:
    """A path of this site to return to; anything else (another site, `//host`, `/api/...`) is `/`."""
    if (
        not raw
        or len(raw) > MAX_NEXT_CHARS
        or not raw.startswith("/")
        or raw.startswith(("//", "/\\", "/api"))
        or any(c in raw for c in "\\\r\n\t#")
        or not raw.isprintable()
    ):
        return "/"
    return raw


def usable_secret(value: str | None) -> str | None:
    return value if value is not None and _SECRET_SHAPE.match(value) else None


class SingleSignOn:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tokens: TokenCodec,
        passwords: Passwords,
        limiter: RateLimiter,
        providers: Sequence[OidcProviderSettings],
        *,
        mode: AuthMode = "required",
        clients: Sequence[OidcClient] | None = None,
    ) -> None:
        self._sessions = sessions
        self._tokens = tokens
        self._passwords = passwords
        self._limiter = limiter
        self._mode = mode
        built = clients if clients is not None else [OidcClient(p) for p in providers]
        self._clients = {c.name: c for c in built}

    def providers(self) -> list[ProviderInfo]:
        if self._mode == "none":
            return []
        return [ProviderInfo(c.name, c.config.display_name) for c in self._clients.values()]

    async def start(
        self, name: str, *, redirect_uri: str, next_path: str | None, browser: str | None, client: str
    ) -> StartedSignIn:
        """Open a flow and say where to send the browser. Nothing is fetched from the provider until
        here (discovery is lazy): a provider that is down fails this sign-in only, with a 503."""
        provider = self._client(name)
        await self._limiter.hit("sso", f"ip:{client}")
        request = await provider.authorization_request(redirect_uri)
        # One cookie per browser, reused by sign-ins started in other tabs, so they do not evict each other.
        browser = usable_secret(browser) or secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            await login_flows.open_flow(
                session,
                provider=name,
                state=request.state,
                browser=browser,
                nonce=request.nonce,
                code_verifier=request.code_verifier,
                redirect_uri=redirect_uri,
                next_path=safe_next(next_path),
                now=utcnow(),
            )
        return StartedSignIn(request.url, browser)

    async def finish(
        self, name: str, *, code: str | None, state: str | None, error: str | None, browser: str | None
    ) -> str:
        """Complete the callback: the hand-off code for the web UI. 401 for every defect, and no user
        is created or changed unless the provider's answer verified."""
        provider = self._client(name)
        refusal = (
            f"{provider.config.display_name} did not sign you in "
            f"({error if error is not None and _ERROR_SHAPE.match(error) else 'error'})"
        )
        if not state or len(state) > 500:
            # Some providers leave the state out of an error answer; say what they said all the same.
            raise SignInRefused(refusal if error is not None else "the sign-in answer carries no state")
        async with self._sessions.begin() as session:
            flow = await login_flows.take_pending(
                session, provider=name, state=state, browser=usable_secret(browser), now=utcnow()
            )
        if flow is None:
            raise SignInRefused(
                "this sign-in is unknown, expired, already used or was started in another browser; "
                "start the sign-in again"
            )
        if error is not None:
            raise SignInRefused(refusal)
        if not code or len(code) > 2000:
            raise SignInRefused("the sign-in answer carries no code; start the sign-in again")
        who = await provider.verify(
            code=code, code_verifier=flow.code_verifier, redirect_uri=flow.redirect_uri, nonce=flow.nonce
        )
        try:
            return await self._sign_in(provider, flow.id, who)
        except (IntegrityError, Conflict):
            # The same person's first sign-in in another tab created the user or linked the account
            # a moment ago: once more, this sign-in finds them.
            return await self._sign_in(provider, flow.id, who)

    async def _sign_in(self, provider: OidcClient, flow_id: uuid.UUID, who: VerifiedIdentity) -> str:
        """Provision the user and move the flow to its hand-off, in one transaction; the hand-off code."""
        handoff = secrets.token_urlsafe(32)
        async with self._sessions.begin() as session:
            signed_in = await provision(session, self._passwords, provider.config, who)
            await login_flows.hand_off(
                session, flow_id, user_id=signed_in.user.id, handoff=handoff, now=utcnow()
            )
        return handoff

    async def exchange(self, handoff: str, *, browser: str | None) -> SignedIn:
        """The access token for a hand-off code, once. Issued under the user's token version of now."""
        self._require_sign_in()
        refused = Unauthorized("this sign-in code is unknown, expired or already used; sign in again")
        code = usable_secret(handoff)
        if code is None:
            raise refused
        async with self._sessions.begin() as session:
            flow = await login_flows.take_handoff(
                session, handoff=code, browser=usable_secret(browser), now=utcnow()
            )
            user = await session.get(User, flow.user_id) if flow is not None and flow.user_id else None
            if flow is None or user is None or not user.active:
                raise refused
            return SignedIn(self._tokens.issue(user.id, user.token_version), flow.next_path)

    def _client(self, name: str) -> OidcClient:
        self._require_sign_in()
        found = self._clients.get(name)
        if found is None:
            raise NotFound("no sign-in provider of that name")
        return found

    def _require_sign_in(self) -> None:
        # Every step answers alike on a server without sign-in, the hand-off included: never a 401.
        if self._mode == "none":
            raise InvalidInput(
                "sign-in is not needed: this server runs with PAM_AUTH=none", code="auth_disabled"
            )

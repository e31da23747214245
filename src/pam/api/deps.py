"""FastAPI dependencies. They only read what the lifespan put on `app.state`: no caches, no globals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import LOCAL_ADMIN, Caller
from pam.errors import Forbidden, Unauthorized, Unavailable
from pam.services.auth import AuthServices
from pam.services.auth.ratelimit import Action
from pam.services.container import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """One session per request: committed if the route returns, rolled back if it raises."""
    async with services.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_auth(services: ServicesDep) -> AuthServices:
    # getattr until `Services` carries `auth` everywhere: without it, fail closed rather than open.
    auth: AuthServices | None = getattr(services, "auth", None)
    if auth is None:
        raise Unavailable("access control is not configured")
    return auth


AuthDep = Annotated[AuthServices, Depends(get_auth)]


def client_address(request: Request) -> str:
    """The peer address; behind a proxy listed in PAM_TRUSTED_PROXIES, the one it forwarded (uvicorn rewrites it)."""
    return request.client.host if request.client else "unknown"


# Declares the scheme in OpenAPI (the docs' "Authorize" button); the header itself is parsed below,
# so a malformed one gets our 401 rather than FastAPI's 403.
_BEARER = HTTPBearer(
    auto_error=False, description="a token from POST /api/auth/login, or an API key (pam_...)"
)
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]


async def get_caller(request: Request, services: ServicesDep, session: SessionDep, _: BearerDoc) -> Caller:
    """Who is calling: the local admin with PAM_AUTH=none, else the user of the Bearer credential."""
    if services.settings.auth == "none":
        return LOCAL_ADMIN
    try:
        return await get_auth(services).caller(session, request.headers.get("authorization"))
    except Unauthorized as exc:
        # As an HTTPException so the 401 carries `WWW-Authenticate` (RFC 6750); same error body.
        raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc


CallerDep = Annotated[Caller, Depends(get_caller)]


def rate_limited(action: Action) -> Any:
    """A route dependency counting one `action` for the caller: `dependencies=[rate_limited("search")]`."""

    async def limit(request: Request, services: ServicesDep, caller: CallerDep) -> None:
        if services.settings.auth == "none":
            return  # one local user; nothing to share fairly
        await get_auth(services).limit(action, caller, client=client_address(request))

    return Depends(limit)


def require_admin(caller: CallerDep) -> Caller:
    """An installation admin (every project, user management); 403 for everyone else."""
    if not caller.is_admin:
        raise Forbidden("this needs an administrator")
    return caller


AdminDep = Annotated[Caller, Depends(require_admin)]

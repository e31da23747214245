"""FastAPI dependencies. They only read what the lifespan put on `app.state`: no caches, no globals.

There is no request-scoped database session: use cases open and commit their own units of work,
so every response is sent after its commit and no request holds a connection while it waits.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pam.access import AccessScope
from pam.errors import Forbidden, Unauthorized
from pam.services.auth import AuthServices
from pam.services.auth.ratelimit import Action
from pam.services.container import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_auth(services: ServicesDep) -> AuthServices:
    return services.auth


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


async def get_scope(request: Request, services: ServicesDep, _: BearerDoc) -> AccessScope:
    """Who is calling and which projects they reach, read once per request in a short transaction."""
    try:
        return await services.auth.scope(request.headers.get("authorization"))
    except Unauthorized as exc:
        # As an HTTPException so the 401 carries `WWW-Authenticate` (RFC 6750); same error body.
        raise HTTPException(401, exc.message, headers={"WWW-Authenticate": "Bearer"}) from exc


ScopeDep = Annotated[AccessScope, Depends(get_scope)]


def rate_limited(action: Action) -> Any:
    """A route dependency counting one `action` for the caller: `dependencies=[rate_limited("search")]`."""

    async def limit(request: Request, services: ServicesDep, scope: ScopeDep) -> None:
        if services.settings.auth == "none":
            return  # one local user; nothing to share fairly
        await services.auth.limit(action, scope.caller, client=client_address(request))

    return Depends(limit)


def require_admin(scope: ScopeDep) -> AccessScope:
    """An installation admin (every project, user management); 403 for everyone else."""
    if not scope.caller.is_admin:
        raise Forbidden("this needs an administrator")
    return scope


AdminDep = Annotated[AccessScope, Depends(require_admin)]

"""`/api/auth`: log in, sign out everywhere, who am I, and the caller's own API keys."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from pam.api.deps import AuthDep, ScopeDep, ServicesDep, client_address
from pam.api.routes.auth_schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    LoginRequest,
    MeOut,
    ProjectRoleOut,
    TokenOut,
)

router = APIRouter(prefix="/auth", tags=["auth"])


def _no_store(response: Response) -> None:
    # Tokens and keys must not sit in a browser or proxy cache (RFC 6749 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post("/login", response_model=TokenOut)
async def login(body: LoginRequest, request: Request, response: Response, auth: AuthDep) -> TokenOut:
    token = await auth.login(body.email, body.password.get_secret_value(), client=client_address(request))
    _no_store(response)
    return TokenOut(access_token=token.token, expires_in=token.expires_in)


@router.post("/sign-out-everywhere", status_code=204)
async def sign_out_everywhere(auth: AuthDep, scope: ScopeDep) -> None:
    """End every token of the caller, on every device (this one included). API keys stay valid."""
    await auth.sign_out_everywhere(scope)


@router.get("/me", response_model=MeOut)
async def me(services: ServicesDep, scope: ScopeDep) -> MeOut:
    caller = scope.caller
    name = "Local admin" if caller.user_id is None else (await services.users.get(caller.user_id)).name
    return MeOut(
        id=caller.user_id,
        email=caller.email,
        name=name,
        is_admin=caller.is_admin,
        auth_mode=services.settings.auth,
        via=caller.via,
        read_only=caller.read_only,
        projects=[ProjectRoleOut.model_validate(p) for p in scope.projects],
    )


@router.get("/keys", response_model=ApiKeyList)
async def list_my_keys(services: ServicesDep, scope: ScopeDep) -> ApiKeyList:
    return ApiKeyList(items=[ApiKeyOut.model_validate(r) for r in await services.keys.mine(scope)])


@router.post("/keys", status_code=201, response_model=ApiKeyCreated)
async def create_my_key(
    body: ApiKeyCreate, response: Response, services: ServicesDep, scope: ScopeDep
) -> ApiKeyCreated:
    row, plaintext = await services.keys.create(
        scope, body.name, projects=body.projects, read_only=body.read_only
    )
    _no_store(response)
    return ApiKeyCreated(**ApiKeyOut.model_validate(row).model_dump(), key=plaintext)


@router.delete("/keys/{key_id}", response_model=ApiKeyOut)
async def revoke_my_key(key_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> ApiKeyOut:
    return ApiKeyOut.model_validate(await services.keys.revoke_mine(scope, key_id))

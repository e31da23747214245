"""`/api/auth`: log in, who am I, and the caller's own API keys."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response

from pam.api.deps import AuthDep, CallerDep, ServicesDep, SessionDep, client_address
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
from pam.errors import Forbidden
from pam.services.auth import api_keys
from pam.services.auth.caller import user_id_of
from pam.services.auth.project_admin import readable_projects
from pam.services.auth.users import get_user

router = APIRouter(prefix="/auth", tags=["auth"])


def _no_store(response: Response) -> None:
    # Tokens and keys must not sit in a browser or proxy cache (RFC 6749 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post("/login", response_model=TokenOut)
async def login(
    body: LoginRequest, request: Request, response: Response, auth: AuthDep, session: SessionDep
) -> TokenOut:
    token = await auth.login(
        session, body.email, body.password.get_secret_value(), client=client_address(request)
    )
    _no_store(response)
    return TokenOut(access_token=token.token, expires_in=token.expires_in)


@router.get("/me", response_model=MeOut)
async def me(services: ServicesDep, session: SessionDep, caller: CallerDep) -> MeOut:
    name = "Local admin"
    if caller.user_id is not None:
        name = (await get_user(session, caller.user_id)).name
    projects = await readable_projects(session, caller)
    return MeOut(
        id=caller.user_id,
        email=caller.email,
        name=name,
        is_admin=caller.is_admin,
        auth_mode=services.settings.auth,
        via=caller.via,
        projects=[ProjectRoleOut.of(p) for p in projects],
    )


@router.get("/keys", response_model=ApiKeyList)
async def list_my_keys(session: SessionDep, caller: CallerDep) -> ApiKeyList:
    rows = await api_keys.list_keys(session, user_id_of(caller))
    return ApiKeyList(items=[ApiKeyOut.of(r) for r in rows])


@router.post("/keys", status_code=201, response_model=ApiKeyCreated)
async def create_my_key(
    body: ApiKeyCreate, response: Response, session: SessionDep, caller: CallerDep
) -> ApiKeyCreated:
    user_id = user_id_of(caller)
    if caller.via == "api_key":
        # A leaked key must not be able to mint keys that outlive its own revocation.
        raise Forbidden("API keys cannot create API keys; sign in with a password")
    row, plaintext = await api_keys.create_key(session, user_id, body.name)
    _no_store(response)
    return ApiKeyCreated(**ApiKeyOut.of(row).model_dump(), key=plaintext)


@router.delete("/keys/{key_id}", response_model=ApiKeyOut)
async def revoke_my_key(key_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> ApiKeyOut:
    row = await api_keys.revoke_key(session, key_id, owner_id=user_id_of(caller))
    return ApiKeyOut.of(row)

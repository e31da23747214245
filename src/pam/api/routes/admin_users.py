"""`/api/admin/users` and `/api/admin/api-keys`: installation admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from pam.api.deps import AdminDep, AuthDep, SessionDep
from pam.api.pagination import decode_cursor, encode_cursor
from pam.api.routes.auth_schemas import ApiKeyList, ApiKeyOut, UserCreate, UserOut, UserPage, UserUpdate
from pam.errors import Conflict
from pam.services.auth import api_keys, users

router = APIRouter(tags=["admin"])


@router.get("/users", response_model=UserPage)
async def list_users(
    session: SessionDep,
    _: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> UserPage:
    after = decode_cursor(cursor) if cursor else None
    items, total = await users.list_users(session, limit=limit, after=after)
    next_cursor = encode_cursor(items[-1].created_at, items[-1].id) if len(items) == limit else None
    return UserPage(items=[UserOut.of(u) for u in items], total=total, next_cursor=next_cursor)


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(body: UserCreate, session: SessionDep, auth: AuthDep, _: AdminDep) -> UserOut:
    user = await users.create_user(
        session,
        auth.passwords,
        email=body.email,
        name=body.name,
        password=body.password.get_secret_value() if body.password is not None else None,
        is_admin=body.is_admin,
    )
    return UserOut.of(await users.user_info(session, user))


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: uuid.UUID, session: SessionDep, _: AdminDep) -> UserOut:
    return UserOut.of(await users.user_info(session, await users.get_user(session, user_id)))


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, session: SessionDep, auth: AuthDep, caller: AdminDep
) -> UserOut:
    user = await users.get_user(session, user_id)
    if user.id == caller.user_id and (body.active is False or body.is_admin is False):
        # Through the API, the acting admin always stays one: nobody locks the installation out.
        raise Conflict("you cannot disable yourself or drop your own admin rights")
    await users.update_user(
        session,
        auth.passwords,
        user,
        name=body.name,
        active=body.active,
        is_admin=body.is_admin,
        password=body.password.get_secret_value() if body.password is not None else None,
    )
    return UserOut.of(await users.user_info(session, user))


@router.get("/api-keys", response_model=ApiKeyList)
async def list_all_keys(session: SessionDep, _: AdminDep) -> ApiKeyList:
    return ApiKeyList(items=[ApiKeyOut.of(r) for r in await api_keys.list_keys(session)])


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
async def revoke_any_key(key_id: uuid.UUID, session: SessionDep, _: AdminDep) -> ApiKeyOut:
    return ApiKeyOut.of(await api_keys.revoke_key(session, key_id, owner_id=None))

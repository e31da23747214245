"""`/api/admin/users` and `/api/admin/api-keys`: installation admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from pam.api.deps import AdminDep, ServicesDep
from pam.api.routes.auth_schemas import ApiKeyList, ApiKeyOut, UserCreate, UserOut, UserPage, UserUpdate
from pam.services.auth.admin import UserChange

router = APIRouter(tags=["admin"])


@router.get("/users", response_model=UserPage)
async def list_users(
    services: ServicesDep,
    _: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> UserPage:
    page = await services.users.page(limit=limit, cursor=cursor)
    return UserPage(
        items=[UserOut.model_validate(u) for u in page.items],
        total=page.total or 0,
        next_cursor=page.next_cursor,
    )


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(body: UserCreate, services: ServicesDep, _: AdminDep) -> UserOut:
    user = await services.users.create(
        email=body.email,
        name=body.name,
        password=body.password.get_secret_value() if body.password is not None else None,
        is_admin=body.is_admin,
    )
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut)
async def get_user(user_id: uuid.UUID, services: ServicesDep, _: AdminDep) -> UserOut:
    return UserOut.model_validate(await services.users.get(user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
async def update_user(
    user_id: uuid.UUID, body: UserUpdate, services: ServicesDep, scope: AdminDep
) -> UserOut:
    change = UserChange(
        name=body.name,
        active=body.active,
        is_admin=body.is_admin,
        password=body.password.get_secret_value() if body.password is not None else None,
    )
    return UserOut.model_validate(await services.users.update(user_id, change, acting=scope))


@router.post("/users/{user_id}/sign-out", response_model=UserOut)
async def sign_out_user(user_id: uuid.UUID, services: ServicesDep, _: AdminDep) -> UserOut:
    """End every token of the user (their API keys stay valid: revoke them one by one)."""
    return UserOut.model_validate(await services.users.sign_out(user_id))


@router.get("/api-keys", response_model=ApiKeyList)
async def list_all_keys(services: ServicesDep, _: AdminDep) -> ApiKeyList:
    return ApiKeyList(items=[ApiKeyOut.model_validate(r) for r in await services.keys.all()])


@router.delete("/api-keys/{key_id}", response_model=ApiKeyOut)
async def revoke_any_key(key_id: uuid.UUID, services: ServicesDep, _: AdminDep) -> ApiKeyOut:
    return ApiKeyOut.model_validate(await services.keys.revoke_any(key_id))

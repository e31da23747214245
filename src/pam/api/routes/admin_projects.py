"""`/api/admin/projects`: create and list (installation admins); members (also the project's admins)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from pam.api.deps import AdminDep, CallerDep, SessionDep
from pam.api.routes.auth_schemas import (
    MemberList,
    MemberOut,
    MembershipSet,
    ProjectCreate,
    ProjectList,
    ProjectOut,
)
from pam.services.auth import memberships, project_admin
from pam.services.auth.memberships import Member
from pam.services.auth.users import get_user

router = APIRouter(prefix="/projects", tags=["admin"])


@router.get("", response_model=ProjectList)
async def list_projects(session: SessionDep, _: AdminDep) -> ProjectList:
    return ProjectList(items=[ProjectOut.of(p) for p in await project_admin.list_projects(session)])


@router.post("", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectCreate, session: SessionDep, _: AdminDep) -> ProjectOut:
    return ProjectOut.of(await project_admin.create_project(session, body.name, body.description))


@router.get("/{project_id}/members", response_model=MemberList)
async def list_members(project_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> MemberList:
    caller.require(project_id, "admin")  # 404 when the caller cannot read the project at all
    await project_admin.get_project(session, project_id)
    return MemberList(items=[MemberOut.of(m) for m in await memberships.members_of(session, project_id)])


@router.put("/{project_id}/members/{user_id}", response_model=MemberOut)
async def set_member(
    project_id: uuid.UUID, user_id: uuid.UUID, body: MembershipSet, session: SessionDep, caller: CallerDep
) -> MemberOut:
    caller.require(project_id, "admin")
    await memberships.set_role(session, user_id, project_id, body.role)
    user = await get_user(session, user_id)
    return MemberOut.of(Member(user.id, user.email, user.name, user.active, body.role))


@router.delete("/{project_id}/members/{user_id}", response_model=MemberOut)
async def remove_member(
    project_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> MemberOut:
    caller.require(project_id, "admin")
    user = await get_user(session, user_id)
    role = await memberships.remove_role(session, user_id, project_id)
    return MemberOut.of(Member(user.id, user.email, user.name, user.active, role))

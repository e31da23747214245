"""`/api/admin/projects`: create and list (installation admins); members (also the project's admins)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from pam.api.deps import AdminDep, ScopeDep, ServicesDep
from pam.api.routes.auth_schemas import (
    MemberList,
    MemberOut,
    MembershipSet,
    ProjectCreate,
    ProjectList,
    ProjectOut,
)

router = APIRouter(prefix="/projects", tags=["admin"])


@router.get("", response_model=ProjectList)
async def list_projects(services: ServicesDep, _: AdminDep) -> ProjectList:
    return ProjectList(items=[ProjectOut.model_validate(p) for p in await services.projects.all()])


@router.post("", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectCreate, services: ServicesDep, _: AdminDep) -> ProjectOut:
    return ProjectOut.model_validate(await services.projects.create(body.name, body.description))


@router.get("/{project_id}/members", response_model=MemberList)
async def list_members(project_id: uuid.UUID, services: ServicesDep, scope: ScopeDep) -> MemberList:
    members = await services.projects.members(scope, project_id)
    return MemberList(items=[MemberOut.model_validate(m) for m in members])


@router.put("/{project_id}/members/{user_id}", response_model=MemberOut)
async def set_member(
    project_id: uuid.UUID, user_id: uuid.UUID, body: MembershipSet, services: ServicesDep, scope: ScopeDep
) -> MemberOut:
    return MemberOut.model_validate(await services.projects.set_member(scope, project_id, user_id, body.role))


@router.delete("/{project_id}/members/{user_id}", response_model=MemberOut)
async def remove_member(
    project_id: uuid.UUID, user_id: uuid.UUID, services: ServicesDep, scope: ScopeDep
) -> MemberOut:
    return MemberOut.model_validate(await services.projects.remove_member(scope, project_id, user_id))

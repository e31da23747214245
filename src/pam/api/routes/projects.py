"""`GET /api/projects`: the projects the caller can read, with their role (the UI's project filter)."""

from __future__ import annotations

from fastapi import APIRouter

from pam.api.deps import CallerDep, SessionDep
from pam.api.routes.auth_schemas import ProjectRoleList, ProjectRoleOut
from pam.services.auth.project_admin import readable_projects

router = APIRouter(tags=["projects"])


@router.get("/projects", response_model=ProjectRoleList)
async def my_projects(session: SessionDep, caller: CallerDep) -> ProjectRoleList:
    return ProjectRoleList(items=[ProjectRoleOut.of(p) for p in await readable_projects(session, caller)])

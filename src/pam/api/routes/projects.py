"""`GET /api/projects`: the projects the caller can read, with their role (the UI's project filter)."""

from __future__ import annotations

from fastapi import APIRouter

from pam.api.deps import ScopeDep
from pam.api.routes.auth_schemas import ProjectRoleList, ProjectRoleOut

router = APIRouter(tags=["projects"])


@router.get("/projects", response_model=ProjectRoleList)
async def my_projects(scope: ScopeDep) -> ProjectRoleList:
    return ProjectRoleList(items=[ProjectRoleOut.model_validate(p) for p in scope.projects])

"""`/api/admin`: users, projects and their members, every user's API keys.

Users and keys are for installation admins only; a project's members may also be managed by
that project's admins. Everyone else gets 403 (or 404 for a project they cannot even read).
"""

from __future__ import annotations

from fastapi import APIRouter

from pam.api.routes import admin_projects, admin_users

router = APIRouter(prefix="/admin")
router.include_router(admin_users.router)
router.include_router(admin_projects.router)

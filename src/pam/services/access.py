"""The caller's access scope: loaded once per request (or CLI/MCP call) in one short read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import AccessScope, Caller, ProjectGrant
from pam.store.models import Project


async def load_scope(session: AsyncSession, caller: Caller) -> AccessScope:
    """Every project the caller can read, with their role there (admins: all of them, as admin)."""
    query = select(Project.id, Project.name, Project.description).order_by(Project.name)
    if not caller.is_admin:
        if not caller.roles:
            return AccessScope(caller)
        query = query.where(Project.id.in_(list(caller.roles)))
    grants = []
    for pid, name, description in (await session.execute(query)).all():
        role = caller.role_in(pid)
        if role is not None:
            grants.append(ProjectGrant(pid, name, description or "", role))
    return AccessScope(caller, tuple(grants))

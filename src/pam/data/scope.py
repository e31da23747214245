"""Which projects' tables a caller may query: their readable projects, optionally narrowed to one."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.store.models import Project


async def readable_projects(
    session: AsyncSession, caller: Caller, project: str | None = None
) -> dict[uuid.UUID, str]:
    """Project id -> name for every project the caller can read; ``project`` (a name or an id) narrows
    to that one. An unknown or unreadable project yields nothing (its existence does not leak)."""
    rows = (await session.execute(select(Project.id, Project.name))).all()
    readable = {pid: str(name) for pid, name in rows if caller.can(pid, "viewer")}
    if project:
        readable = {pid: name for pid, name in readable.items() if project in (name, str(pid))}
    return readable

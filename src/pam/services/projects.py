"""The default project: every document without another project lands there; it exists from the first start."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import Project

DEFAULT_PROJECT = "default"


async def ensure_default_project(session: AsyncSession) -> Project:
    project = await session.scalar(select(Project).where(Project.name == DEFAULT_PROJECT))
    if project is not None:
        return project
    try:
        # Several processes may start at once on a shared database: one insert wins.
        async with session.begin_nested():
            project = Project(name=DEFAULT_PROJECT, description="Documents with no other project")
            session.add(project)
    except IntegrityError:
        project = await session.scalar(select(Project).where(Project.name == DEFAULT_PROJECT))
    assert project is not None
    return project

"""Projects: the default project every document falls back to, and lookups by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.errors import NotFound
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


async def project_by_name(session: AsyncSession, name: str) -> Project | None:
    return await session.scalar(select(Project).where(Project.name == name))


async def resolve_project(session: AsyncSession, caller: Caller, name: str | None) -> Project:
    """The named project (default when None) if the caller may read it; 404 otherwise."""
    project = await project_by_name(session, name or DEFAULT_PROJECT)
    if project is None or not caller.can(project.id, "viewer"):
        raise NotFound("project not found")
    return project


async def readable_project_ids(session: AsyncSession, caller: Caller) -> list[object]:
    ids = list(await session.scalars(select(Project.id)))
    return list(caller.readable(ids))

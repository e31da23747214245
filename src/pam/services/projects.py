"""Projects: the default project every document falls back to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import Project

DEFAULT_PROJECT = "default"


async def ensure_default_project(session: AsyncSession) -> Project:
    project = await session.scalar(select(Project).where(Project.name == DEFAULT_PROJECT))
    if project is None:
        project = Project(name=DEFAULT_PROJECT, description="Documents with no other project")
        session.add(project)
        await session.flush()
    return project


async def project_by_name(session: AsyncSession, name: str) -> Project | None:
    return await session.scalar(select(Project).where(Project.name == name))

"""Two projects ("alpha", "beta"), each with one folder source: what the index tests write documents into."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.store.models import Project, Source


async def make_projects(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Source]:
    projects: dict[str, Source] = {}
    async with sessions.begin() as s:
        for name in ("alpha", "beta"):
            project = Project(name=name)
            s.add(project)
            await s.flush()
            source = Source(project_id=project.id, type="folder", name=name, key=f"/{name}")
            s.add(source)
            await s.flush()
            projects[name] = source
    return projects

"""Two projects ("alpha", "beta"), each with one folder source: what the index tests write documents into."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.embed.base import Embedder
from pam.store import embedding_spaces
from pam.store.models import Project, Source


async def register_model(sessions: async_sessionmaker[AsyncSession], embedder: Embedder) -> None:
    """Make `embedder`'s model the active one, as `Services.start` does with the configured model."""
    async with sessions.begin() as s:
        await embedding_spaces.register(s, embedder.model_id, embedder.dim, {}, known_specs={})


async def make_projects(
    sessions: async_sessionmaker[AsyncSession], embedder: Embedder | None = None
) -> dict[str, Source]:
    if embedder is not None:
        await register_model(sessions, embedder)
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

"""Turning a caller and requested filters into engine filters: the caller's projects always apply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import Caller
from pam.search.filters import SearchFilters
from pam.store.models import Project, Source


async def scoped_filters(
    session: AsyncSession,
    caller: Caller,
    *,
    projects: Sequence[str] | None = None,
    source_types: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    path_prefix: str | None = None,
    tags: Sequence[str] | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
) -> SearchFilters:
    """Requested project names are intersected with what the caller may read; unknown names match nothing."""
    rows = (await session.execute(select(Project.id, Project.name))).all()
    readable = {pid: name for pid, name in rows if caller.can(pid, "viewer")}
    if projects:
        wanted = set(projects)
        project_ids = frozenset(str(pid) for pid, name in readable.items() if name in wanted)
    else:
        project_ids = frozenset(str(pid) for pid in readable)
    source_ids = None
    if sources:
        # Registered sources by id or name, only within readable projects.
        found = await session.execute(select(Source.id, Source.name, Source.project_id))
        source_ids = frozenset(
            str(sid)
            for sid, name, pid in found
            if pid in readable and (str(sid) in sources or name in sources)
        )
    return SearchFilters(
        project_ids=project_ids,
        source_types=frozenset(source_types) if source_types else None,
        source_ids=source_ids,
        path_prefix=path_prefix or None,
        tags=frozenset(tags) if tags else None,
        updated_after=updated_after,
        updated_before=updated_before,
    )

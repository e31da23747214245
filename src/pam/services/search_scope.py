"""Search as a use case: the caller's scope and the requested filters become engine filters.

The caller's readable projects always apply; requested project names only narrow them, and names the
caller cannot read match nothing (their existence does not leak).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope
from pam.search.filters import SearchFilters
from pam.search.results import SearchMode, SearchResult
from pam.search.service import SearchService
from pam.store.models import Source


@dataclass(frozen=True, slots=True)
class RequestedFilters:
    """What a client asked to narrow to; every field optional."""

    projects: Sequence[str] | None = None
    source_types: Sequence[str] | None = None
    sources: Sequence[str] | None = None
    path_prefix: str | None = None
    tags: Sequence[str] | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None


class KnowledgeSearch:
    def __init__(self, search: SearchService, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.engine = search
        self._sessions = sessions

    async def search(
        self, scope: AccessScope, query: str, requested: RequestedFilters, *, mode: SearchMode, k: int
    ) -> SearchResult:
        return await self.engine.search(query, await self.filters(scope, requested), mode=mode, k=k)

    async def filters(self, scope: AccessScope, requested: RequestedFilters) -> SearchFilters:
        readable = scope.narrowed(requested.projects)
        source_ids = None
        if requested.sources:
            # Registered sources by id or name, only within the readable projects.
            async with self._sessions() as s:
                found = await s.execute(
                    select(Source.id, Source.name).where(Source.project_id.in_(readable.ids()))
                )
                source_ids = frozenset(
                    str(sid)
                    for sid, name in found
                    if str(sid) in requested.sources or name in requested.sources
                )
        return SearchFilters(
            project_ids=frozenset(str(pid) for pid in readable.ids()),
            source_types=frozenset(requested.source_types) if requested.source_types else None,
            source_ids=source_ids,
            path_prefix=requested.path_prefix or None,
            tags=frozenset(requested.tags) if requested.tags else None,
            updated_after=requested.updated_after,
            updated_before=requested.updated_before,
        )

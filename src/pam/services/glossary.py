"""Glossary use cases: list, look up, add, edit and delete terms, each in its own transaction.

Reading needs the viewer role in the term's project, writing the editor role (the caller's
`AccessScope` decides). A term in a project the caller cannot read answers 404, exactly like a term
that does not exist.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope, Role
from pam.errors import Conflict, InvalidInput, NotFound
from pam.services.glossary_expansion import query_keys
from pam.services.projects import DEFAULT_PROJECT
from pam.services.text_input import require_storable
from pam.store import glossary as repository
from pam.store.glossary import MAX_ALIASES, MAX_DEFINITION_CHARS, MAX_TERM_CHARS, TERM_NAME, term_key
from pam.store.models import GlossaryTerm

__all__ = [
    "MAX_ALIASES",
    "MAX_DEFINITION_CHARS",
    "MAX_TERM_CHARS",
    "TERM_NAME",
    "GlossaryEntry",
    "GlossaryService",
    "TermInput",
]

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    id: uuid.UUID
    project: str
    term: str
    definition: str
    aliases: tuple[str, ...]
    # "document": loaded from a glossary document (re-ingesting it replaces the term); "manual":
    # written through the API or the CLI (ingestion never touches it).
    origin: str
    document_id: uuid.UUID | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GlossaryPage:
    items: list[GlossaryEntry]
    total: int


@dataclass(frozen=True, slots=True)
class TermInput:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()

    def checked(self) -> TermInput:
        for text in (self.term, self.definition, *self.aliases):
            require_storable(text, "a glossary entry")
        term = " ".join(self.term.split())
        definition = self.definition.strip()
        aliases = tuple(dict.fromkeys(" ".join(a.split()) for a in self.aliases if a.strip()))
        if not term_key(term) or len(term) > MAX_TERM_CHARS:
            raise InvalidInput(f"the term must have 1 to {MAX_TERM_CHARS} characters")
        if not definition or len(definition) > MAX_DEFINITION_CHARS:
            raise InvalidInput(f"the definition must have 1 to {MAX_DEFINITION_CHARS} characters")
        if len(aliases) > MAX_ALIASES or any(len(a) > MAX_TERM_CHARS for a in aliases):
            raise InvalidInput(f"at most {MAX_ALIASES} aliases of at most {MAX_TERM_CHARS} characters")
        aliases = tuple(a for a in aliases if term_key(a) != term_key(term))
        return TermInput(term, definition, aliases)


class GlossaryService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def page(
        self, scope: AccessScope, *, project: str | None, contains: str | None, limit: int, offset: int
    ) -> GlossaryPage:
        names = {scope.project(project).id: scope.project(project).name} if project else scope.names()
        async with self._sessions() as s:
            rows, total = await repository.list_terms(
                s, list(names), contains=contains, limit=max(1, min(limit, MAX_PAGE)), offset=max(0, offset)
            )
            return GlossaryPage([_entry(r, names[r.project_id]) for r in rows], total)

    async def get(self, scope: AccessScope, term_id: uuid.UUID) -> GlossaryEntry:
        async with self._sessions() as s:
            row = await self._term(s, scope, term_id, "viewer")
            return _entry(row, scope.names()[row.project_id])

    async def lookup(
        self, scope: AccessScope, name: str, *, projects: list[str] | None = None
    ) -> list[GlossaryEntry]:
        """Terms whose name (the term or an alias) appears in ``name``, in the caller's projects."""
        names = scope.narrowed(projects).names()
        key = term_key(name)
        async with self._sessions() as s:
            rows = await repository.terms_named(s, list(names), [key] if key else [])
            if not rows:
                rows = await repository.terms_named(s, list(names), query_keys(name))
            return [_entry(r, names[r.project_id]) for r in rows]

    async def create(self, scope: AccessScope, project: str | None, data: TermInput) -> GlossaryEntry:
        data = data.checked()
        target = scope.project(project or DEFAULT_PROJECT, "editor")
        async with self._sessions.begin() as s:
            row = await repository.create_term(s, target.id, data.term, data.definition, data.aliases)
            if row is None:
                raise Conflict(f"the project already has the term {data.term!r}")
            return _entry(row, target.name)

    async def update(self, scope: AccessScope, term_id: uuid.UUID, data: TermInput) -> GlossaryEntry:
        data = data.checked()
        async with self._sessions.begin() as s:
            row = await self._term(s, scope, term_id, "editor")
            if not await repository.update_term(s, row, data.term, data.definition, data.aliases):
                raise Conflict(f"the project already has the term {data.term!r}")
            return _entry(row, scope.names()[row.project_id])

    async def delete(self, scope: AccessScope, term_id: uuid.UUID) -> None:
        async with self._sessions.begin() as s:
            row = await self._term(s, scope, term_id, "editor")
            await s.delete(row)

    async def _term(
        self, s: AsyncSession, scope: AccessScope, term_id: uuid.UUID, role: Role
    ) -> GlossaryTerm:
        row = await s.get(GlossaryTerm, term_id)
        if row is None or row.project_id not in scope.ids():
            raise NotFound("term not found")
        scope.require(row.project_id, role)
        return row


def _entry(row: GlossaryTerm, project: str) -> GlossaryEntry:
    return GlossaryEntry(
        id=row.id,
        project=project,
        term=row.term,
        definition=row.definition,
        aliases=tuple(row.aliases),
        origin="document" if row.document_id is not None else "manual",
        document_id=row.document_id,
        updated_at=row.updated_at,
    )

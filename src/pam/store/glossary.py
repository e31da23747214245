"""The glossary's names and every query on its tables (functions run in the caller's transaction).

Each term has one ``glossary_keys`` row per name (the term and each alias, normalised by
``term_key``): finding the terms a query mentions is one indexed lookup of its word n-grams. How
glossary documents are read is ``pam.ingest.glossary_convention``; the convention is docs/glossary.md.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.store.models import GlossaryKey, GlossaryTerm
from pam.store.types import utcnow
from pam.text_patterns import WHITESPACE

MAX_ENTRIES = 2_000
MAX_TERM_CHARS = 200
MAX_DEFINITION_CHARS = 4_000
MAX_ALIASES = 20
_SPACE = re.compile(r"\s+")
_MARKS = "`'\"*_"  # quotes and emphasis around a name are not part of it (`DAU`, *DAU*)
# A name has a character besides whitespace and those marks (exactly when `term_key` keeps something),
# and no NUL (no store keeps one).
TERM_NAME = f"^[^\\x00]*[^{WHITESPACE}{_MARKS}\\x00][^\\x00]*$"


@dataclass(frozen=True, slots=True)
class GlossaryDraft:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()


def term_key(name: str) -> str:
    """How names are compared: case-insensitive, quotes and backticks dropped, spaces collapsed."""
    return _SPACE.sub(" ", name.strip().strip(_MARKS).casefold()).strip()


def split_names(text: str) -> tuple[str, ...]:
    names = [n.strip().strip("`'\"*_").strip() for n in re.split(r"[,;]|\s+or\s+", text)]
    return tuple(n for n in names if n and len(n) <= MAX_TERM_CHARS)


def names_of(term: GlossaryTerm) -> list[str]:
    return [term.term, *term.aliases]


async def _write_keys(session: AsyncSession, term: GlossaryTerm) -> None:
    await session.execute(delete(GlossaryKey).where(GlossaryKey.term_id == term.id))
    keys = dict.fromkeys(k for k in (term_key(n) for n in names_of(term)) if k)
    session.add_all(GlossaryKey(term_id=term.id, key=k, project_id=term.project_id) for k in keys)


async def replace_document_terms(
    session: AsyncSession, project_id: uuid.UUID, document_id: uuid.UUID, drafts: Sequence[GlossaryDraft]
) -> int:
    """The document's terms become ``drafts``. A term written by hand (no document) or defined by
    another document of the project keeps its own entry: the first definition wins."""
    await delete_document_terms(session, document_id)
    if not drafts:
        return 0
    wanted = {term_key(d.term): d for d in drafts}
    taken = set(
        await session.scalars(
            select(GlossaryTerm.term_key).where(
                GlossaryTerm.project_id == project_id, GlossaryTerm.term_key.in_(list(wanted))
            )
        )
    )
    added = 0
    for key, draft in wanted.items():
        if key in taken:
            continue
        term = GlossaryTerm(
            id=uuid.uuid4(),
            project_id=project_id,
            term=draft.term,
            term_key=key,
            definition=draft.definition,
            aliases=list(draft.aliases),
            document_id=document_id,
        )
        session.add(term)
        await _write_keys(session, term)
        added += 1
    await session.flush()
    return added


async def delete_document_terms(session: AsyncSession, document_id: uuid.UUID) -> None:
    ids = list(await session.scalars(select(GlossaryTerm.id).where(GlossaryTerm.document_id == document_id)))
    if ids:
        await session.execute(delete(GlossaryKey).where(GlossaryKey.term_id.in_(ids)))
        await session.execute(delete(GlossaryTerm).where(GlossaryTerm.id.in_(ids)))


async def terms_named(
    session: AsyncSession, project_ids: Sequence[uuid.UUID], keys: Sequence[str], limit: int = 20
) -> list[GlossaryTerm]:
    """Terms of these projects that have one of these names (normalised keys)."""
    if not keys or not project_ids:
        return []
    ids = select(GlossaryKey.term_id).where(
        GlossaryKey.project_id.in_(list(project_ids)), GlossaryKey.key.in_(list(keys))
    )
    rows = await session.scalars(
        select(GlossaryTerm).where(GlossaryTerm.id.in_(ids)).order_by(GlossaryTerm.term_key).limit(limit)
    )
    return list(rows)


async def list_terms(
    session: AsyncSession,
    project_ids: Sequence[uuid.UUID],
    *,
    contains: str | None,
    limit: int,
    offset: int,
) -> tuple[list[GlossaryTerm], int]:
    query = select(GlossaryTerm).where(GlossaryTerm.project_id.in_(list(project_ids)))
    if contains and term_key(contains):
        query = query.where(GlossaryTerm.term_key.contains(term_key(contains), autoescape=True))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(GlossaryTerm.term_key, GlossaryTerm.id).limit(limit).offset(offset)
    )
    return list(rows), int(total)


async def create_term(
    session: AsyncSession, project_id: uuid.UUID, term: str, definition: str, aliases: Sequence[str]
) -> GlossaryTerm | None:
    """A hand-written term; None if the project already has a term by that name."""
    key = term_key(term)
    existing = await session.scalar(
        select(GlossaryTerm).where(GlossaryTerm.project_id == project_id, GlossaryTerm.term_key == key)
    )
    if existing is not None:
        if existing.document_id is None:
            return None
        # A hand-written term replaces the one a document defined.
        await session.delete(existing)
        await session.flush()
    row = GlossaryTerm(
        id=uuid.uuid4(),
        project_id=project_id,
        term=term,
        term_key=key,
        definition=definition,
        aliases=list(aliases),
        document_id=None,
    )
    session.add(row)
    await _write_keys(session, row)
    await session.flush()
    return row


async def update_term(
    session: AsyncSession, row: GlossaryTerm, term: str, definition: str, aliases: Sequence[str]
) -> bool:
    """False if another term of the project already has the new name. An edited term is hand-written
    from now on: re-ingesting its document no longer replaces it."""
    key = term_key(term)
    if key != row.term_key:
        clash = await session.scalar(
            select(GlossaryTerm.id).where(
                GlossaryTerm.project_id == row.project_id,
                GlossaryTerm.term_key == key,
                GlossaryTerm.id != row.id,
            )
        )
        if clash is not None:
            return False
    row.term, row.term_key, row.definition, row.aliases = term, key, definition, list(aliases)
    row.document_id = None
    row.updated_at = utcnow()
    await _write_keys(session, row)
    await session.flush()
    return True

"""Projects as seen by access control: creating them, and the ones a caller may read with their role."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pam.errors import Conflict, InvalidInput, NotFound
from pam.services.text_input import require_storable
from pam.store.models import Project
from pam.text_patterns import PRINTABLE_NAME, matches

MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000


def clean_project_name(raw: str) -> str:
    # The rule the API schema states (PRINTABLE_NAME, at most 200 characters as sent), then stripped.
    if len(raw) > MAX_NAME_CHARS or not matches(PRINTABLE_NAME, raw):
        raise InvalidInput(f"a project name has 1 to {MAX_NAME_CHARS} printable characters")
    return raw.strip()


async def create_project(session: AsyncSession, name: str, description: str = "") -> Project:
    name = clean_project_name(name)
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(f"a description has at most {MAX_DESCRIPTION_CHARS} characters")
    require_storable(description, "a description")
    if await session.scalar(select(Project.id).where(Project.name == name)) is not None:
        raise Conflict("a project with this name already exists")
    project = Project(name=name, description=description.strip())
    session.add(project)
    try:
        await session.flush()  # no SAVEPOINT: see users.create_user
    except IntegrityError as exc:  # created concurrently
        raise Conflict("a project with this name already exists") from exc
    return project


async def list_projects(session: AsyncSession) -> list[Project]:
    return list(await session.scalars(select(Project).order_by(Project.name)))


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound("project not found")
    return project


async def project_by_name(session: AsyncSession, name: str) -> Project | None:
    return await session.scalar(select(Project).where(Project.name == name))

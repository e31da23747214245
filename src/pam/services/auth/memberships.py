"""Who holds which role in which project: the rows `Caller.roles` is built from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import ProjectGrant, Role
from pam.errors import InvalidInput, NotFound
from pam.services.auth.revocation import revoke_tokens
from pam.store.models import Membership, Project, User

ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True, slots=True)
class Member:
    user_id: uuid.UUID
    email: str
    name: str
    active: bool
    role: Role


def parse_role(value: str) -> Role:
    for role in ROLES:
        if value == role:
            return role
    raise InvalidInput(f"role must be one of: {', '.join(ROLES)}")


async def roles_of(session: AsyncSession, user_id: uuid.UUID) -> dict[uuid.UUID, Role]:
    rows = await session.execute(
        select(Membership.project_id, Membership.role).where(Membership.user_id == user_id)
    )
    # A role this version does not know grants nothing rather than failing every request.
    return {project_id: parse_role(role) for project_id, role in rows if role in ROLES}


async def every_project_as_admin(session: AsyncSession) -> dict[uuid.UUID, Role]:
    """An installation admin's roles spelled out per project (for a key that narrows them)."""
    return dict.fromkeys(await session.scalars(select(Project.id)), "admin")


async def project_roles(session: AsyncSession, user_id: uuid.UUID) -> list[ProjectGrant]:
    rows = await session.execute(
        select(Project.id, Project.name, Project.description, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user_id)
        .order_by(Project.name)
    )
    return [
        ProjectGrant(pid, name, desc, parse_role(role)) for pid, name, desc, role in rows if role in ROLES
    ]


async def set_role(
    session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID, role: Role
) -> Membership:
    """Give the user `role` in the project, replacing any role they had there. A change ends their tokens."""
    if await session.get(User, user_id) is None:
        raise NotFound("user not found")
    if await session.get(Project, project_id) is None:
        raise NotFound("project not found")
    row = await session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.project_id == project_id)
    )
    if row is not None and row.role == role:
        return row
    if row is None:
        row = Membership(user_id=user_id, project_id=project_id, role=role)
        session.add(row)
    else:
        row.role = role
    await session.flush()
    await revoke_tokens(session, user_id)
    return row


async def remove_role(session: AsyncSession, user_id: uuid.UUID, project_id: uuid.UUID) -> Role:
    """Take the user out of the project (their tokens end); the role they had."""
    row = await session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.project_id == project_id)
    )
    if row is None:
        raise NotFound("membership not found")
    role = parse_role(row.role)
    await session.delete(row)
    await session.flush()
    await revoke_tokens(session, user_id)
    return role


async def members_of(session: AsyncSession, project_id: uuid.UUID) -> list[Member]:
    rows = await session.execute(
        select(User.id, User.email, User.name, User.active, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id)
        .order_by(User.email)
    )
    return [
        Member(uid, email, name, active, parse_role(role))
        for uid, email, name, active, role in rows
        if role in ROLES
    ]

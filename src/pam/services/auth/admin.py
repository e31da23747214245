"""Administration use cases: users, projects, memberships and API keys.

Each method is one unit of work: it opens its session, commits before it returns, and hands back
plain values, so the API, the CLI and MCP only translate. The session-level functions beside this
file (`users`, `memberships`, `project_admin`, `api_keys`) hold the queries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pam.access import AccessScope, Role
from pam.errors import Conflict, Forbidden, InvalidInput, NotFound
from pam.services.auth import api_keys, memberships, project_admin, users
from pam.services.auth.caller import user_id_of
from pam.services.auth.memberships import Member
from pam.services.auth.passwords import Passwords
from pam.services.auth.revocation import revoke_tokens
from pam.services.auth.users import UserInfo
from pam.store.keyset import Keyset, Page, keyset_page
from pam.store.models import ApiKey, Project, User


@dataclass(frozen=True, slots=True)
class UserChange:
    name: str | None = None
    active: bool | None = None
    is_admin: bool | None = None
    password: str | None = None


class UserAdmin:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], passwords: Passwords) -> None:
        self._sessions = sessions
        self._passwords = passwords

    async def page(self, *, limit: int, cursor: str | None) -> Page[UserInfo]:
        async with self._sessions() as s:
            page = await keyset_page(
                s,
                users.all_users(),
                Keyset(User.created_at, User.id, descending=False),
                limit=limit,
                cursor=cursor,
            )
            return Page([await users.user_info(s, u) for u in page.items], page.next_cursor, page.total)

    async def create(
        self,
        *,
        email: str,
        name: str = "",
        password: str | None = None,
        is_admin: bool = False,
        roles: dict[str, Role] | None = None,
    ) -> UserInfo:
        """A new user, with roles in projects given by name (all or nothing)."""
        async with self._sessions.begin() as s:
            user = await users.create_user(
                s, self._passwords, email=email, name=name, password=password, is_admin=is_admin
            )
            for project, role in (roles or {}).items():
                await memberships.set_role(s, user.id, (await _project_named(s, project)).id, role)
            return await users.user_info(s, user)

    async def get(self, user_id: uuid.UUID) -> UserInfo:
        async with self._sessions() as s:
            return await users.user_info(s, await users.get_user(s, user_id))

    async def update(
        self, user_id: uuid.UUID, change: UserChange, *, acting: AccessScope | None = None
    ) -> UserInfo:
        async with self._sessions.begin() as s:
            user = await users.get_user(s, user_id)
            if (
                acting is not None
                and user.id == acting.caller.user_id
                and (change.active is False or change.is_admin is False)
            ):
                # Through the API, the acting admin always stays one: nobody locks the installation out.
                raise Conflict("you cannot disable yourself or drop your own admin rights")
            await users.update_user(
                s,
                self._passwords,
                user,
                name=change.name,
                active=change.active,
                is_admin=change.is_admin,
                password=change.password,
            )
            return await users.user_info(s, user)

    async def update_by_email(self, email: str, change: UserChange) -> UserInfo:
        async with self._sessions() as s:
            user_id = (await users.require_user_by_email(s, email)).id
        return await self.update(user_id, change)

    async def sign_out(self, user_id: uuid.UUID) -> UserInfo:
        """End every token the user holds (their API keys stay: revoke those one by one)."""
        async with self._sessions.begin() as s:
            user = await users.get_user(s, user_id)
            await revoke_tokens(s, user.id)
            return await users.user_info(s, user)

    async def sign_out_by_email(self, email: str) -> UserInfo:
        async with self._sessions() as s:
            user_id = (await users.require_user_by_email(s, email)).id
        return await self.sign_out(user_id)

    async def set_role_by_email(self, email: str, project: str, role: Role) -> None:
        async with self._sessions.begin() as s:
            user = await users.require_user_by_email(s, email)
            await memberships.set_role(s, user.id, (await _project_named(s, project)).id, role)

    async def remove_role_by_email(self, email: str, project: str) -> Role:
        async with self._sessions.begin() as s:
            user = await users.require_user_by_email(s, email)
            return await memberships.remove_role(s, user.id, (await _project_named(s, project)).id)


class ProjectAdmin:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def all(self) -> list[Project]:
        async with self._sessions() as s:
            return await project_admin.list_projects(s)

    async def create(self, name: str, description: str = "") -> Project:
        async with self._sessions.begin() as s:
            return await project_admin.create_project(s, name, description)

    async def members(self, scope: AccessScope, project_id: uuid.UUID) -> list[Member]:
        scope.require(project_id, "admin")  # 404 when the caller cannot read the project at all
        async with self._sessions() as s:
            await project_admin.get_project(s, project_id)
            return await memberships.members_of(s, project_id)

    async def set_member(
        self, scope: AccessScope, project_id: uuid.UUID, user_id: uuid.UUID, role: Role
    ) -> Member:
        scope.require(project_id, "admin")
        async with self._sessions.begin() as s:
            await memberships.set_role(s, user_id, project_id, role)
            user = await users.get_user(s, user_id)
            return Member(user.id, user.email, user.name, user.active, role)

    async def remove_member(self, scope: AccessScope, project_id: uuid.UUID, user_id: uuid.UUID) -> Member:
        scope.require(project_id, "admin")
        async with self._sessions.begin() as s:
            user = await users.get_user(s, user_id)
            role = await memberships.remove_role(s, user_id, project_id)
            return Member(user.id, user.email, user.name, user.active, role)


class ApiKeys:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def mine(self, scope: AccessScope) -> list[ApiKey]:
        async with self._sessions() as s:
            return await api_keys.list_keys(s, user_id_of(scope.caller))

    async def create(
        self,
        scope: AccessScope,
        name: str,
        *,
        projects: list[str] | None = None,
        read_only: bool = False,
    ) -> tuple[ApiKey, str]:
        """A key for the caller, limited to `projects` (names or ids they can read) and/or read-only."""
        user_id = user_id_of(scope.caller)
        if scope.caller.via == "api_key":
            # A leaked key must not be able to mint keys that outlive its own revocation.
            raise Forbidden("API keys cannot create API keys; sign in first")
        project_ids = None
        if projects is not None:
            if not projects:
                raise InvalidInput("a key limited to projects needs at least one project")
            project_ids = [scope.project(p).id for p in projects]  # 404 for one the caller cannot read
        async with self._sessions.begin() as s:
            return await api_keys.create_key(s, user_id, name, project_ids=project_ids, read_only=read_only)

    async def revoke_mine(self, scope: AccessScope, key_id: uuid.UUID) -> ApiKey:
        async with self._sessions.begin() as s:
            row = await api_keys.live_key(s, key_id, owner_id=user_id_of(scope.caller))  # 404 before 403
            scope.caller.require_writer()
            return await api_keys.revoke_key(s, row)

    async def all(self) -> list[ApiKey]:
        async with self._sessions() as s:
            return await api_keys.list_keys(s)

    async def revoke_any(self, key_id: uuid.UUID) -> ApiKey:
        async with self._sessions.begin() as s:
            return await api_keys.revoke_key(s, await api_keys.live_key(s, key_id, owner_id=None))


async def _project_named(session: AsyncSession, name: str) -> Project:
    project = await project_admin.project_by_name(session, name)
    if project is None:
        raise NotFound(f"no project named {name!r}")
    return project

"""Who is calling, and what they may read or change. The one place that decides it.

Every route, tool, cache key and stream asks a `Caller`; nothing else decides access.
With PAM_AUTH=none the caller is the single local admin of every project.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pam.errors import Forbidden, NotFound

Role = Literal["viewer", "editor", "admin"]
# How the caller proved who they are: `local` is PAM_AUTH=none; API keys may not mint more keys.
Credential = Literal["local", "token", "api_key"]
_RANK = {"viewer": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: uuid.UUID | None
    email: str
    is_admin: bool  # an admin of the whole installation: every project, user management
    roles: dict[uuid.UUID, Role] = field(default_factory=dict)
    via: Credential = "local"
    # An API key limited to reading: its roles are at most viewer and it changes nothing of its own
    # either (conversations, keys, sessions).
    read_only: bool = False

    def role_in(self, project_id: uuid.UUID) -> Role | None:
        if self.is_admin:
            return "admin"
        return self.roles.get(project_id)

    def can(self, project_id: uuid.UUID, needed: Role) -> bool:
        role = self.role_in(project_id)
        return role is not None and _RANK[role] >= _RANK[needed]

    def require(self, project_id: uuid.UUID, needed: Role) -> None:
        """404 when the caller cannot even read the project (existence does not leak), 403 otherwise."""
        if not self.can(project_id, "viewer"):
            raise NotFound("not found")
        if not self.can(project_id, needed):
            raise Forbidden(f"this needs the {needed} role in the project")

    def readable(self, project_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return [p for p in project_ids if self.can(p, "viewer")]

    def require_writer(self) -> None:
        """403 for a read-only API key, before a write that no project role guards."""
        if self.read_only:
            raise Forbidden("this API key is read-only")


LOCAL_ADMIN = Caller(user_id=None, email="local", is_admin=True)


@dataclass(frozen=True, slots=True)
class ProjectGrant:
    """One project a caller may read, with the role they hold there."""

    id: uuid.UUID
    name: str
    description: str
    role: Role


@dataclass(frozen=True, slots=True)
class AccessScope:
    """Which projects one caller may read or write: computed once per request, used by every door.

    Search, chat, documents, tasks, tables and the agent's tools all narrow from here; nothing else
    lists projects for access. `projects` holds only readable projects, sorted by name.
    """

    caller: Caller
    projects: tuple[ProjectGrant, ...] = ()

    def ids(self, needed: Role = "viewer") -> frozenset[uuid.UUID]:
        return frozenset(p.id for p in self.projects if _RANK[p.role] >= _RANK[needed])

    def names(self) -> dict[uuid.UUID, str]:
        return {p.id: p.name for p in self.projects}

    def find(self, name_or_id: str) -> ProjectGrant | None:
        """The readable project with this name (or id); None for unknown and unreadable alike."""
        for p in self.projects:
            if name_or_id in (p.name, str(p.id)):
                return p
        return None

    def narrowed(self, wanted: Iterable[str] | None) -> AccessScope:
        """Only the named projects (names or ids) among the readable ones; None or empty narrows nothing."""
        chosen = set(wanted or ())
        if not chosen:
            return self
        return AccessScope(
            self.caller, tuple(p for p in self.projects if p.name in chosen or str(p.id) in chosen)
        )

    def project(self, name_or_id: str, needed: Role = "viewer") -> ProjectGrant:
        """The named project if the caller holds `needed` there: 404 when unreadable, 403 when the role is short."""
        grant = self.find(name_or_id)
        if grant is None:
            raise NotFound("project not found")
        self.caller.require(grant.id, needed)
        return grant

    def require(self, project_id: uuid.UUID, needed: Role) -> None:
        self.caller.require(project_id, needed)

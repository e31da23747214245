"""Who is calling, and what they may read or change. The one place that decides it.

Every route, tool, cache key and stream asks a `Caller`; nothing else decides access.
With PAM_AUTH=none the caller is the single local admin of every project.
"""

from __future__ import annotations

import uuid
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


LOCAL_ADMIN = Caller(user_id=None, email="local", is_admin=True)

"""Request and response models of the auth, admin and projects routes.

Passwords arrive as `SecretStr`, so no repr, log line or error message can show them, and no
response model has a field that could carry one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from pam.access import Role
from pam.services.auth.memberships import Member, ProjectRole
from pam.services.auth.passwords import MAX_PASSWORD_CHARS
from pam.services.auth.users import MAX_EMAIL_CHARS, MAX_NAME_CHARS, UserInfo
from pam.settings import AuthMode
from pam.store.models import ApiKey, Project


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=MAX_EMAIL_CHARS)
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth token type)
    expires_in: int = Field(description="seconds until the token expires")


class ProjectRoleOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    role: Role

    @classmethod
    def of(cls, p: ProjectRole) -> ProjectRoleOut:
        return cls(id=p.project_id, name=p.project_name, description=p.description, role=p.role)


class ProjectRoleList(BaseModel):
    items: list[ProjectRoleOut]


class MeOut(BaseModel):
    id: uuid.UUID | None = Field(description="null for the local admin of PAM_AUTH=none")
    email: str
    name: str
    is_admin: bool
    auth_mode: AuthMode
    via: Literal["local", "token", "api_key"]
    projects: list[ProjectRoleOut]


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str = Field(description="the first characters of the key, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> ApiKeyOut:
        return cls(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the API key itself: shown this once, store it now")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=MAX_EMAIL_CHARS)
    name: str = Field(default="", max_length=MAX_NAME_CHARS)
    password: SecretStr | None = Field(default=None, max_length=MAX_PASSWORD_CHARS)
    is_admin: bool = False


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    active: bool | None = None
    is_admin: bool | None = None
    password: SecretStr | None = Field(default=None, max_length=MAX_PASSWORD_CHARS)


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    active: bool
    is_admin: bool
    has_password: bool
    created_at: datetime
    projects: list[ProjectRoleOut]

    @classmethod
    def of(cls, u: UserInfo) -> UserOut:
        return cls(
            id=u.id,
            email=u.email,
            name=u.name,
            active=u.active,
            is_admin=u.is_admin,
            has_password=u.has_password,
            created_at=u.created_at,
            projects=[ProjectRoleOut.of(p) for p in u.projects],
        )


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    next_cursor: str | None


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class ProjectOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime

    @classmethod
    def of(cls, p: Project) -> ProjectOut:
        return cls(id=p.id, name=p.name, description=p.description, created_at=p.created_at)


class ProjectList(BaseModel):
    items: list[ProjectOut]


class MembershipSet(BaseModel):
    role: Role


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    active: bool
    role: Role

    @classmethod
    def of(cls, m: Member) -> MemberOut:
        return cls(user_id=m.user_id, email=m.email, name=m.name, active=m.active, role=m.role)


class MemberList(BaseModel):
    items: list[MemberOut]

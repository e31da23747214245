"""Request and response models of the auth, admin and projects routes.

Passwords arrive as `SecretStr`, so no repr, log line or error message can show them, and no
response model has a field that could carry one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, SecretStr, StrictBool

from pam.access import Role
from pam.services.auth.passwords import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS
from pam.services.auth.users import MAX_EMAIL_CHARS, MAX_NAME_CHARS
from pam.settings import AuthMode
from pam.text_patterns import (
    EMAIL_AS_TYPED,
    NO_CONTROL,
    NOT_BLANK,
    PRINTABLE_NAME,
    STORABLE,
    STORABLE_NOT_BLANK,
    matches,
)


def _not_blank(password: SecretStr) -> SecretStr:
    if not matches(NOT_BLANK, password.get_secret_value()):
        raise ValueError("the password cannot be only whitespace")
    return password


# SecretStr takes no `pattern` constraint: the schema states it, the validator checks it.
_NOT_BLANK_DOC: dict[str, JsonValue] = {"pattern": NOT_BLANK}
NewPassword = Annotated[
    SecretStr,
    Field(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS, json_schema_extra=_NOT_BLANK_DOC),
    AfterValidator(_not_blank),
]


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=MAX_EMAIL_CHARS)
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth token type)
    expires_in: int = Field(description="seconds until the token expires")


class ProjectRoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    role: Role


class ProjectRoleList(BaseModel):
    items: list[ProjectRoleOut]


class MeOut(BaseModel):
    id: uuid.UUID | None = Field(description="null for the local admin of PAM_AUTH=none")
    email: str
    name: str
    is_admin: bool
    auth_mode: AuthMode
    via: Literal["local", "token", "api_key"]
    read_only: bool = Field(description="true for a read-only API key")
    projects: list[ProjectRoleOut]


class ProviderOut(BaseModel):
    name: str
    label: str = Field(description="what the login button names")
    login_url: str = Field(description="open this in the browser (a navigation, not a fetch) to sign in")


class ProvidersOut(BaseModel):
    auth_mode: AuthMode
    password_login: bool = Field(description="whether POST /api/auth/login accepts email + password")
    providers: list[ProviderOut]


class SsoExchange(BaseModel):
    code: str = Field(min_length=1, max_length=200, description="the hand-off code from the sign-in redirect")


class SignedInOut(TokenOut):
    next: str = Field(description="the page the sign-in started from, to return to")


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=STORABLE_NOT_BLANK)
    projects: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="limit the key to these projects (names or ids); null: every project of its owner",
    )
    read_only: StrictBool = Field(default=False, description="the key reads, and changes nothing")


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str = Field(description="the first characters of the key, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    project_ids: list[uuid.UUID] | None = Field(description="the projects the key is limited to; null: all")
    read_only: bool


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the API key itself: shown this once, store it now")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=MAX_EMAIL_CHARS, pattern=EMAIL_AS_TYPED)
    name: str = Field(default="", max_length=MAX_NAME_CHARS, pattern=NO_CONTROL)
    password: NewPassword | None = None
    # Strict: pydantic would take 0 and "yes" for a boolean; the schema says JSON true or false.
    is_admin: StrictBool = False


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS, pattern=NO_CONTROL)
    active: StrictBool | None = None
    is_admin: StrictBool | None = None
    password: NewPassword | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    active: bool
    is_admin: bool
    has_password: bool
    sign_in: list[str] = Field(description='how the user signs in: "password" and/or provider names')
    created_at: datetime
    projects: list[ProjectRoleOut]


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    next_cursor: str | None


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE_NAME)
    description: str = Field(default="", max_length=2000, pattern=STORABLE)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    created_at: datetime


class ProjectList(BaseModel):
    items: list[ProjectOut]


class MembershipSet(BaseModel):
    role: Role


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    email: str
    name: str
    active: bool
    role: Role


class MemberList(BaseModel):
    items: list[MemberOut]

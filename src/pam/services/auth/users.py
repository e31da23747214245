"""Users: create, look up, update (name, active, admin flag, password) and list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pam.access import ProjectGrant
from pam.errors import Conflict, InvalidInput, NotFound
from pam.services.auth.memberships import project_roles
from pam.services.auth.passwords import Passwords, validate_new_password
from pam.services.auth.revocation import revoke_tokens
from pam.store.models import Identity, User
from pam.text_patterns import EMAIL, NO_CONTROL, matches

MAX_EMAIL_CHARS = 320
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: uuid.UUID
    email: str
    name: str
    active: bool
    is_admin: bool
    has_password: bool
    created_at: datetime
    projects: list[ProjectGrant]
    providers: list[str]  # the OpenID providers the user has signed in with, by configured name

    @property
    def sign_in(self) -> list[str]:
        """How the user signs in: "password" and/or provider names; empty until either exists."""
        return (["password"] if self.has_password else []) + self.providers


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_CHARS or not matches(EMAIL, email):
        raise InvalidInput("not a valid email address")
    return email


def _clean_name(name: str) -> str:
    # The raw length, as the API schema counts it; then the surrounding whitespace goes.
    if len(name) > MAX_NAME_CHARS or not matches(NO_CONTROL, name):
        raise InvalidInput(f"a name has at most {MAX_NAME_CHARS} printable characters")
    return name.strip()


async def create_user(
    session: AsyncSession,
    passwords: Passwords,
    *,
    email: str,
    name: str = "",
    password: str | None = None,
    is_admin: bool = False,
) -> User:
    """A new active user. Without a password the user cannot log in until one is set."""
    email = normalize_email(email)
    name = _clean_name(name)
    if password is not None:
        validate_new_password(password)
    if await user_by_email(session, email) is not None:
        raise Conflict("a user with this email already exists")
    user = User(
        email=email,
        name=name,
        password_hash=await passwords.hash_async(password) if password is not None else None,
        is_admin=is_admin,
        active=True,
    )
    session.add(user)
    try:
        # No SAVEPOINT here: with pysqlite a SAVEPOINT opened before any write runs outside a
        # transaction and its RELEASE commits, which would keep the user even if the caller rolls back.
        await session.flush()
    except IntegrityError as exc:  # created by someone else between the check and the insert
        raise Conflict("a user with this email already exists") from exc
    return user


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def require_user_by_email(session: AsyncSession, email: str) -> User:
    user = await user_by_email(session, email)
    if user is None:
        raise NotFound("user not found")
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


async def update_user(
    session: AsyncSession,
    passwords: Passwords,
    user: User,
    *,
    name: str | None = None,
    active: bool | None = None,
    is_admin: bool | None = None,
    password: str | None = None,
) -> User:
    """Change what is given. Disabling, enabling, a new password or other admin rights end the user's
    tokens (the token version goes up), so a re-enabled user's old tokens do not come back."""
    revoke = False
    if name is not None:
        user.name = _clean_name(name)
    if active is not None and active != user.active:
        user.active, revoke = active, True
    if is_admin is not None and is_admin != user.is_admin:
        user.is_admin, revoke = is_admin, True
    if password is not None:
        validate_new_password(password)
        user.password_hash, revoke = await passwords.hash_async(password), True
    await session.flush()
    if revoke:
        await revoke_tokens(session, user.id)
    return user


async def user_info(session: AsyncSession, user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        name=user.name,
        active=user.active,
        is_admin=user.is_admin,
        has_password=user.password_hash is not None,
        created_at=user.created_at,
        projects=await project_roles(session, user.id),
        providers=sorted(
            set(await session.scalars(select(Identity.provider).where(Identity.user_id == user.id)))
        ),
    )


def all_users() -> Select[tuple[User]]:
    return select(User)

"""API keys: `pam_<id>_<secret>`, shown once, stored only as a sha256 hash beside a display prefix.

A key carries 256 random bits, so a fast hash is enough (no one can brute-force the preimage)
and lookups by hash stay a single indexed query.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pam.errors import Conflict, InvalidInput, NotFound
from pam.services.text_input import require_storable
from pam.store.models import ApiKey, User
from pam.store.types import utcnow

KEY_PREFIX = "pam_"
_KEY_SHAPE = re.compile(r"^pam_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$")
MAX_KEYS_PER_USER = 50
MAX_NAME_CHARS = 200
# Writing last_used_at on every request would make each read a write; once per interval is enough.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NewKey:
    plaintext: str  # shown to the user once, never stored
    prefix: str
    key_hash: str


def looks_like_api_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate_key() -> NewKey:
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    plaintext = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(plaintext, f"{KEY_PREFIX}{key_id}", hash_key(plaintext))


async def create_key(
    session: AsyncSession,
    user_id: uuid.UUID,
    name: str,
    *,
    project_ids: list[uuid.UUID] | None = None,
    read_only: bool = False,
) -> tuple[ApiKey, str]:
    """A new key for the user: the row and the plaintext (the only time it exists).

    `project_ids` limits the key to those projects (the caller checked the user may read them);
    `read_only` caps every role at viewer.
    """
    require_storable(name, "a key's name")
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"a key needs a name of 1 to {MAX_NAME_CHARS} characters")
    # Take the user's row lock first (an UPDATE locks on every backend; SQLite takes its write lock),
    # so concurrent creations count one after another and the limit holds.
    await session.execute(update(User).where(User.id == user_id).values(updated_at=utcnow()))
    active = await list_keys(session, user_id)
    if len(active) >= MAX_KEYS_PER_USER:
        raise Conflict(f"a user may have at most {MAX_KEYS_PER_USER} active keys; revoke one first")
    new = generate_key()
    row = ApiKey(
        user_id=user_id,
        name=name,
        prefix=new.prefix,
        key_hash=new.key_hash,
        project_ids=None if project_ids is None else sorted(str(p) for p in set(project_ids)),
        read_only=read_only,
    )
    session.add(row)
    await session.flush()
    return row, new.plaintext


async def list_keys(session: AsyncSession, user_id: uuid.UUID | None = None) -> list[ApiKey]:
    """Active (not revoked) keys, newest first; every user's when `user_id` is None."""
    query = select(ApiKey).where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.created_at.desc())
    if user_id is not None:
        query = query.where(ApiKey.user_id == user_id)
    return list(await session.scalars(query))


async def live_key(session: AsyncSession, key_id: uuid.UUID, *, owner_id: uuid.UUID | None) -> ApiKey:
    """An unrevoked key. With `owner_id`, only that user's keys exist (others are 404, not 403)."""
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None or (owner_id is not None and row.user_id != owner_id):
        raise NotFound("API key not found")
    return row


async def revoke_key(session: AsyncSession, row: ApiKey) -> ApiKey:
    row.revoked_at = utcnow()
    await session.flush()
    return row


async def key_holder(session: AsyncSession, plaintext: str, *, now: datetime) -> tuple[User, ApiKey] | None:
    """The active user a valid, unrevoked key belongs to, with the key's row; None otherwise."""
    if not _KEY_SHAPE.match(plaintext):
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext)))
    if row is None or row.revoked_at is not None:
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
    return user, row

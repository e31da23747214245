"""Password hashing with argon2id. Hashing is slow on purpose, so the async helpers run it in a thread."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pam.errors import InvalidInput

MIN_PASSWORD_CHARS = 8
# argon2 takes any length, but hashing megabytes per login attempt is a cheap way to burn our CPU.
MAX_PASSWORD_CHARS = 1024


def validate_new_password(password: str) -> None:
    """Refuse a password before it is hashed. The message never repeats the password."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"the password may have at most {MAX_PASSWORD_CHARS} characters")
    if password.strip() == "":
        raise InvalidInput("the password cannot be only whitespace")


@dataclass
class Passwords:
    """argon2id with the RFC 9106 low-memory profile by default; cheaper profiles are for tests only.

    Hashes carry their own parameters, so a hash made with another profile still verifies and
    `needs_rehash` tells the caller to upgrade it after a successful login.
    """

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4
    _hasher: PasswordHasher = field(init=False, repr=False)
    # A hash of a random password, verified when the user does not exist so that
    # "no such user" takes as long as "wrong password" (no account enumeration by timing).
    _decoy: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._hasher = PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self.hash, password)

    async def verify_async(self, password_hash: str | None, password: str) -> bool:
        """False for a missing hash too, after spending the same time as a real check."""
        if password_hash is None:
            if self._decoy is None:
                self._decoy = await self.hash_async(secrets.token_urlsafe(16))
            await asyncio.to_thread(self.verify, self._decoy, password)
            return False
        return await asyncio.to_thread(self.verify, password_hash, password)

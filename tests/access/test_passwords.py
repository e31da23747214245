"""argon2id hashing: the production profile, policy on new passwords, rehash on login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pam.errors import InvalidInput
from pam.services.auth.passwords import MAX_PASSWORD_CHARS, Passwords, validate_new_password
from pam.store.models import User
from tests.access.conftest import PASSWORD, Harness


def test_default_profile_hashes_and_verifies() -> None:
    passwords = Passwords()
    hashed = passwords.hash("s3cret-enough")
    assert hashed.startswith("$argon2id$") and "m=65536,t=3,p=4" in hashed
    assert "s3cret-enough" not in hashed
    assert passwords.verify(hashed, "s3cret-enough")
    assert not passwords.verify(hashed, "s3cret-enougH")
    assert not passwords.verify("not a hash", "s3cret-enough")
    assert not passwords.needs_rehash(hashed)


@pytest.mark.parametrize("bad", ["", "short", "       \t  ", "x" * (MAX_PASSWORD_CHARS + 1)])
def test_new_passwords_must_be_reasonable(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_new_password(bad)
    assert bad not in info.value.message or bad == ""


async def test_unknown_users_cost_a_hash_too() -> None:
    passwords = Passwords(time_cost=1, memory_kib=256, parallelism=1)
    assert await passwords.verify_async(None, "anything") is False
    assert await passwords.verify_async(await passwords.hash_async("pass-word-1"), "pass-word-1") is True


async def test_login_upgrades_a_hash_made_with_an_older_profile(harness: Harness) -> None:
    old = Passwords(time_cost=1, memory_kib=128, parallelism=1)
    async with harness.services.sessions.begin() as s:
        s.add(User(email="legacy@example.com", password_hash=old.hash(PASSWORD)))
    await harness.login("legacy@example.com")
    async with harness.services.sessions() as s:
        stored = await s.scalar(select(User.password_hash).where(User.email == "legacy@example.com"))
    assert stored is not None and "m=256,t=1,p=1" in stored
    # The upgraded hash still logs in.
    await harness.login("legacy@example.com")


async def test_users_without_password_or_disabled_cannot_log_in(harness: Harness) -> None:
    await harness.add_user("nopass@example.com", password=None)
    uid = await harness.add_user("off@example.com")
    async with harness.services.sessions.begin() as s:
        user = await s.get(User, uid)
        assert user is not None
        user.active = False
    for email, password in (
        ("nopass@example.com", ""),
        ("nopass@example.com", "x"),
        ("off@example.com", PASSWORD),
        ("nobody@example.com", PASSWORD),
    ):
        response = await harness.client.post(
            "/api/auth/login", json={"email": email, "password": password or "x"}
        )
        assert response.status_code == 401
        # One message for every reason: no account enumeration.
        assert response.json()["error"]["message"] == "invalid email or password"

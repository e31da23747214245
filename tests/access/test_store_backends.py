"""The access services on both stores (SQLite file and a real PostgreSQL), without the HTTP layer."""

from __future__ import annotations

import asyncio

import pytest

from pam.errors import Conflict, NotFound, Unauthorized
from pam.services.auth import api_keys, memberships, project_admin, users
from pam.services.auth.caller import caller_from_header
from pam.services.auth.tokens import TokenCodec
from pam.store import migrate
from pam.store.db import create_engine, create_session_factory
from tests.access.conftest import PASSWORD, fast_passwords

SECRET = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEF"


async def test_users_roles_tokens_and_keys_on_both_stores(database_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, database_url)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    passwords = fast_passwords()
    tokens = TokenCodec(SECRET, minutes=5)
    try:
        async with sessions.begin() as s:
            finance = await project_admin.create_project(s, "finance")
            ops = await project_admin.create_project(s, "ops")
            user = await users.create_user(s, passwords, email="Mia@Example.com", password=PASSWORD)
            await memberships.set_role(s, user.id, finance.id, "viewer")
            await memberships.set_role(s, user.id, finance.id, "editor")  # replaces, never duplicates
            await memberships.set_role(s, user.id, ops.id, "viewer")
            _, key = await api_keys.create_key(s, user.id, "ci")
        async with sessions.begin() as s:
            with pytest.raises(Conflict):
                await users.create_user(s, passwords, email="mia@example.com")
        async with sessions.begin() as s:
            with pytest.raises(Conflict):
                await project_admin.create_project(s, "finance")

        token = tokens.issue(user.id, user.token_version).token
        async with sessions() as s:
            for credential, via in ((token, "token"), (key, "api_key")):
                caller = await caller_from_header(s, tokens, f"Bearer {credential}")
                assert caller.via == via and caller.email == "mia@example.com" and not caller.is_admin
                assert caller.roles == {finance.id: "editor", ops.id: "viewer"}
                assert caller.can(finance.id, "editor") and not caller.can(ops.id, "editor")
            assert [p.name for p in await memberships.project_roles(s, user.id)] == ["finance", "ops"]

        async with sessions.begin() as s:
            assert await memberships.remove_role(s, user.id, ops.id) == "viewer"
            with pytest.raises(NotFound):
                await memberships.remove_role(s, user.id, ops.id)
            stored = await users.get_user(s, user.id)
            await users.update_user(s, passwords, stored, active=False)
        async with sessions() as s:
            for credential in (token, key):
                with pytest.raises(Unauthorized):
                    await caller_from_header(s, tokens, f"Bearer {credential}")
    finally:
        await engine.dispose()

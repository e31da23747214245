"""Every way of changing someone's access ends their earlier tokens on the very next request.

Through the API (an admin's PATCH, membership changes, "sign out everywhere", an admin's sign-out)
and through the shell (`pam users disable|enable|set-password|set-role|remove-role|sign-out`).
Each case: a token that worked, the change, then the same token refused (401) while a token from
a sign-in after the change works. API keys are not tokens: they live until revoked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.access.conftest import PASSWORD, Harness, bearer, cli_app, harness_for
from tests.conftest import make_settings

NEW_PASSWORD = "a brand new passphrase"


async def _works(h: Harness, token: str) -> bool:
    r = await h.client.get("/api/auth/me", headers=bearer(token))
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


@pytest.fixture
async def world(harness: Harness) -> AsyncIterator[tuple[Harness, dict[str, str], uuid.UUID, uuid.UUID]]:
    await harness.add_user("root@example.com", is_admin=True)
    project = await harness.add_project("ops")
    uid = await harness.add_user("uma@example.com", roles={project: "viewer"})
    yield harness, await harness.headers_for("root@example.com"), uid, project


Change = Callable[[Harness, dict[str, str], uuid.UUID, uuid.UUID], Awaitable[object]]


async def _patch(h: Harness, admin: dict[str, str], uid: uuid.UUID, body: dict[str, object]) -> None:
    r = await h.client.patch(f"/api/admin/users/{uid}", json=body, headers=admin)
    assert r.status_code == 200, r.text


async def _disable_then_enable(h: Harness, admin: dict[str, str], uid: uuid.UUID, _: uuid.UUID) -> None:
    await _patch(h, admin, uid, {"active": False})
    await _patch(h, admin, uid, {"active": True})


async def _new_password(h: Harness, admin: dict[str, str], uid: uuid.UUID, _: uuid.UUID) -> None:
    await _patch(h, admin, uid, {"password": NEW_PASSWORD})


async def _make_admin(h: Harness, admin: dict[str, str], uid: uuid.UUID, _: uuid.UUID) -> None:
    await _patch(h, admin, uid, {"is_admin": True})


async def _new_role(h: Harness, admin: dict[str, str], uid: uuid.UUID, project: uuid.UUID) -> None:
    r = await h.client.put(
        f"/api/admin/projects/{project}/members/{uid}", json={"role": "editor"}, headers=admin
    )
    assert r.status_code == 200, r.text


async def _lost_role(h: Harness, admin: dict[str, str], uid: uuid.UUID, project: uuid.UUID) -> None:
    r = await h.client.delete(f"/api/admin/projects/{project}/members/{uid}", headers=admin)
    assert r.status_code == 200, r.text


async def _admin_sign_out(h: Harness, admin: dict[str, str], uid: uuid.UUID, _: uuid.UUID) -> None:
    r = await h.client.post(f"/api/admin/users/{uid}/sign-out", headers=admin)
    assert r.status_code == 200, r.text


API_CHANGES: dict[str, Change] = {
    "disabled then enabled again": _disable_then_enable,
    "new password": _new_password,
    "made an admin": _make_admin,
    "role changed": _new_role,
    "role removed": _lost_role,
    "signed out by an admin": _admin_sign_out,
}


@pytest.mark.parametrize("change", list(API_CHANGES))
async def test_an_access_change_through_the_api_ends_earlier_tokens_at_once(
    world: tuple[Harness, dict[str, str], uuid.UUID, uuid.UUID], change: str
) -> None:
    h, admin, uid, project = world
    first, second = await h.login("uma@example.com"), await h.login("uma@example.com")
    assert await _works(h, first) and await _works(h, second)
    await API_CHANGES[change](h, admin, uid, project)
    assert not await _works(h, first), f"{change}: a token from before still works"
    assert not await _works(h, second), f"{change}: a token from before still works"
    fresh = await h.login("uma@example.com", NEW_PASSWORD if change == "new password" else PASSWORD)
    assert await _works(h, fresh)


async def test_the_same_role_again_changes_nothing_and_keeps_tokens(
    world: tuple[Harness, dict[str, str], uuid.UUID, uuid.UUID],
) -> None:
    h, admin, uid, project = world
    token = await h.login("uma@example.com")
    r = await h.client.put(
        f"/api/admin/projects/{project}/members/{uid}", json={"role": "viewer"}, headers=admin
    )
    assert r.status_code == 200
    await _patch(h, admin, uid, {"name": "Uma", "active": True})  # no change of access
    assert await _works(h, token)


async def test_sign_out_everywhere_ends_every_token_but_not_api_keys(
    world: tuple[Harness, dict[str, str], uuid.UUID, uuid.UUID],
) -> None:
    h, _, _, _ = world
    laptop, phone = await h.login("uma@example.com"), await h.login("uma@example.com")
    made = await h.client.post("/api/auth/keys", json={"name": "cron"}, headers=bearer(laptop))
    key = made.json()["key"]
    r = await h.client.post("/api/auth/sign-out-everywhere", headers=bearer(phone))
    assert r.status_code == 204 and r.content == b""
    assert not await _works(h, laptop) and not await _works(h, phone)
    assert await _works(h, key)
    # A key cannot sign its owner out (a leaked key would be a way to lock them out).
    refused = await h.client.post("/api/auth/sign-out-everywhere", headers=bearer(key))
    assert refused.status_code == 403
    assert await _works(h, await h.login("uma@example.com"))


async def test_disabling_stops_api_keys_and_enabling_brings_them_back(
    world: tuple[Harness, dict[str, str], uuid.UUID, uuid.UUID],
) -> None:
    """Keys live until revoked: a disabled user's keys are refused, and work again once re-enabled."""
    h, admin, uid, _ = world
    key = (
        await h.client.post(
            "/api/auth/keys", json={"name": "ci"}, headers=await h.headers_for("uma@example.com")
        )
    ).json()["key"]
    await _patch(h, admin, uid, {"active": False})
    assert not await _works(h, key)
    await _patch(h, admin, uid, {"active": True})
    assert await _works(h, key)


async def _shell(*args: str, stdin: str | None = None) -> None:
    # In a thread: the command runs its own event loop, as it does from a terminal.
    result = await asyncio.to_thread(CliRunner().invoke, cli_app(), list(args), input=stdin)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)


CLI_CHANGES: dict[str, tuple[list[tuple[str, ...]], str | None]] = {
    "disable then enable": (
        [("users", "disable", "uma@example.com"), ("users", "enable", "uma@example.com")],
        None,
    ),
    "set-password": ([("users", "set-password", "uma@example.com", "--password-stdin")], NEW_PASSWORD + "\n"),
    "set-role": ([("users", "set-role", "uma@example.com", "--project", "ops", "--role", "admin")], None),
    "remove-role": ([("users", "remove-role", "uma@example.com", "--project", "ops")], None),
    "sign-out": ([("users", "sign-out", "uma@example.com")], None),
}


@pytest.mark.parametrize("change", list(CLI_CHANGES))
async def test_an_access_change_from_the_shell_ends_earlier_tokens_at_once(
    cli_env: Path, change: str
) -> None:
    async with harness_for(make_settings(cli_env, auth="required")) as h:
        project = await h.add_project("ops")
        await h.add_user("uma@example.com", roles={project: "viewer"})
        token = await h.login("uma@example.com")
        assert await _works(h, token)
        commands, stdin = CLI_CHANGES[change]
        for command in commands:
            await _shell(*command, stdin=stdin)
        assert not await _works(h, token), f"pam {change}: a token from before still works"
        fresh = await h.login("uma@example.com", NEW_PASSWORD if change == "set-password" else PASSWORD)
        assert await _works(h, fresh)
